//! amigo: a unified customer repository engine on DataFusion.
//!
//! The library behind the `amigo` binary: the canonical model ([`model`]), the Parquet lake
//! ([`lake`]), SQL sessions over it ([`session`]) and scripts ([`script`]), the data generator
//! ([`generate`]), the Flight SQL server ([`serve`]) and the command line ([`cli`]).

pub mod bench;
pub mod cli;
pub mod gdpr;
pub mod generate;
pub mod ingest;
pub mod lake;
pub mod model;
pub mod script;
pub mod serve;
pub mod session;
pub mod to_json;
