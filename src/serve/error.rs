//! How a failure reaches a Flight SQL client: one gRPC status per kind of error.
//!
//! The mapping lives in one exhaustive match over DataFusion's error kinds (a new kind in a
//! DataFusion upgrade fails the build here rather than becoming `INTERNAL` by accident). Clients
//! act on the code: JDBC and ADBC report `INVALID_ARGUMENT` as a bad statement the user can fix,
//! `UNAUTHENTICATED` as a login problem, `RESOURCE_EXHAUSTED` as "try again later". The message
//! is DataFusion's own, without its wrapping prefixes, so the user sees what to change.

use arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use tonic::{Code, Status};

use crate::lake::LakeError;
use crate::session::root_message;

/// The status for a DataFusion error (planning or running a statement).
pub fn status_from_datafusion(error: &DataFusionError) -> Status {
    let root = error.find_root();
    let message = root_message(error);
    let code = match root {
        DataFusionError::SQL(..) | DataFusionError::SchemaError(..) => Code::InvalidArgument,
        DataFusionError::Plan(text) if is_table_not_found(text) => Code::NotFound,
        DataFusionError::Plan(_) | DataFusionError::Configuration(_) => Code::InvalidArgument,
        // Runtime errors on the data itself: a failed cast, a division by zero, a bad argument.
        DataFusionError::Execution(_) => Code::InvalidArgument,
        DataFusionError::NotImplemented(_) | DataFusionError::Substrait(_) => Code::Unimplemented,
        DataFusionError::ResourcesExhausted(_) => Code::ResourceExhausted,
        DataFusionError::ArrowError(e, _) => code_from_arrow(e),
        DataFusionError::External(inner) => return status_from_external(inner.as_ref()),
        DataFusionError::ParquetError(_)
        | DataFusionError::ObjectStore(_)
        | DataFusionError::IoError(_) => Code::Unavailable,
        DataFusionError::Internal(_)
        | DataFusionError::ExecutionJoin(_)
        | DataFusionError::Ffi(_) => Code::Internal,
        // `find_root` unwraps these; reached only for an empty collection or a cycle.
        DataFusionError::Context(..)
        | DataFusionError::Diagnostic(..)
        | DataFusionError::Collection(_)
        | DataFusionError::Shared(_) => Code::Internal,
    };
    Status::new(code, message)
}

/// The status for an error carried inside `DataFusionError::External`: a lake error, or a status
/// raised by the server itself (a cancel, a timeout) while a stream was running.
fn status_from_external(error: &(dyn std::error::Error + Send + Sync + 'static)) -> Status {
    if let Some(status) = error.downcast_ref::<Status>() {
        return Status::new(status.code(), status.message());
    }
    if let Some(lake) = error.downcast_ref::<LakeError>() {
        return status_from_lake(lake);
    }
    if let Some(arrow) = error.downcast_ref::<ArrowError>() {
        return Status::new(code_from_arrow(arrow), arrow.to_string());
    }
    Status::internal(error.to_string())
}

/// The status for a lake error.
pub fn status_from_lake(error: &LakeError) -> Status {
    let code = match error {
        LakeError::NoSuchTable(_) => Code::NotFound,
        LakeError::TableExists(_) => Code::AlreadyExists,
        LakeError::Conflict { .. } => Code::Aborted,
        LakeError::InvalidName { .. } | LakeError::Model(_) => Code::InvalidArgument,
        LakeError::Missing(_) | LakeError::NotALake(_) | LakeError::Location { .. } => {
            Code::FailedPrecondition
        }
        LakeError::Store { .. } | LakeError::Parquet { .. } => Code::Unavailable,
        LakeError::Arrow { source, .. } => code_from_arrow(source),
        LakeError::CorruptManifest { .. } => Code::DataLoss,
    };
    Status::new(code, error.to_string())
}

fn code_from_arrow(error: &ArrowError) -> Code {
    match error {
        ArrowError::CastError(_)
        | ArrowError::ParseError(_)
        | ArrowError::DivideByZero
        | ArrowError::ArithmeticOverflow(_)
        | ArrowError::InvalidArgumentError(_)
        | ArrowError::SchemaError(_)
        | ArrowError::ComputeError(_)
        | ArrowError::CsvError(_)
        | ArrowError::JsonError(_)
        | ArrowError::AvroError(_)
        | ArrowError::DictionaryKeyOverflowError
        | ArrowError::RunEndIndexOverflowError => Code::InvalidArgument,
        ArrowError::MemoryError(_) => Code::ResourceExhausted,
        ArrowError::IoError(..) | ArrowError::ParquetError(_) => Code::Unavailable,
        ArrowError::NotYetImplemented(_) => Code::Unimplemented,
        ArrowError::IpcError(_) | ArrowError::CDataInterface(_) => Code::InvalidArgument,
        ArrowError::OffsetOverflowError(_) => Code::ResourceExhausted,
        ArrowError::ExternalError(_) => Code::Internal,
    }
}

/// DataFusion reports an unknown table as a planning error `table 'x' not found`.
fn is_table_not_found(message: &str) -> bool {
    message.starts_with("table '") && message.ends_with("' not found")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::TableName;

    #[test]
    fn bad_sql_is_invalid_argument_with_the_message() {
        let error = DataFusionError::Plan("column 'x' not found".into()).context("planning");
        let status = status_from_datafusion(&error);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "column 'x' not found");
    }

    #[test]
    fn unknown_table_is_not_found() {
        let error = DataFusionError::Plan("table 'amigo.raw.nope' not found".into());
        assert_eq!(status_from_datafusion(&error).code(), Code::NotFound);
    }

    #[test]
    fn resources_exhausted_is_resource_exhausted() {
        let error = DataFusionError::ResourcesExhausted("pool full".into());
        assert_eq!(
            status_from_datafusion(&error).code(),
            Code::ResourceExhausted
        );
    }

    #[test]
    fn a_status_inside_a_stream_error_keeps_its_code() {
        let error = DataFusionError::External(Box::new(Status::cancelled("query cancelled")));
        let status = status_from_datafusion(&error);
        assert_eq!(status.code(), Code::Cancelled);
        assert_eq!(status.message(), "query cancelled");
    }

    #[test]
    fn lake_errors_map_to_their_codes() {
        let missing = DataFusionError::from(LakeError::NoSuchTable(TableName::new("raw", "x")));
        assert_eq!(status_from_datafusion(&missing).code(), Code::NotFound);
        let conflict = LakeError::Conflict {
            table: TableName::new("raw", "x"),
            version: 3,
        };
        assert_eq!(status_from_lake(&conflict).code(), Code::Aborted);
    }

    #[test]
    fn cast_errors_are_the_users() {
        let error = DataFusionError::ArrowError(Box::new(ArrowError::CastError("x".into())), None);
        assert_eq!(status_from_datafusion(&error).code(), Code::InvalidArgument);
        let internal = DataFusionError::Internal("bug".into());
        assert_eq!(status_from_datafusion(&internal).code(), Code::Internal);
    }
}
