//! Clustering: connected components over a table of edges.

pub mod connected_components;

pub use connected_components::{Components, ConnectedComponentsFunc};
