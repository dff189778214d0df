//! amigo: a unified customer repository engine on DataFusion.
//!
//! The library behind the `amigo` binary: the canonical model ([`model`]), the Parquet lake
//! ([`lake`]), SQL sessions over it ([`session`]), and the data generator ([`generate`]).

pub mod generate;
pub mod lake;
pub mod model;
