//! Result streams: batches go out as DataFusion produces them (never collected first), in the
//! plain Arrow types clients expect, and stop on a cancel or the query's deadline.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, FieldRef, Schema, SchemaRef};
use arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use futures::{FutureExt, Stream, StreamExt};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::Status;

use super::error::status_from_datafusion;

/// The type a client gets for `data_type`: view strings and binaries become plain ones (Flight
/// clients, JDBC in particular, handle them best, and they are smaller on the wire).
pub fn plain_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        DataType::List(field) => DataType::List(plain_field(field)),
        DataType::LargeList(field) => DataType::LargeList(plain_field(field)),
        DataType::FixedSizeList(field, size) => DataType::FixedSizeList(plain_field(field), *size),
        DataType::Struct(fields) => DataType::Struct(fields.iter().map(plain_field).collect()),
        DataType::Map(field, sorted) => DataType::Map(plain_field(field), *sorted),
        other => other.clone(),
    }
}

fn plain_field(field: &FieldRef) -> FieldRef {
    let data_type = plain_type(field.data_type());
    if &data_type == field.data_type() {
        field.clone()
    } else {
        Arc::new(field.as_ref().clone().with_data_type(data_type))
    }
}

pub fn plain_schema(schema: &Schema) -> SchemaRef {
    Arc::new(Schema::new_with_metadata(
        schema.fields().iter().map(plain_field).collect::<Vec<_>>(),
        schema.metadata().clone(),
    ))
}

/// `batch` with the columns of `schema` (the plain form of its own schema).
pub fn to_plain(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    if batch.schema().fields() == schema.fields() {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(column.clone())
            } else {
                arrow::compute::cast(column, field.data_type())
            }
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    RecordBatch::try_new_with_options(schema.clone(), columns, &options)
}

/// What a finished (or abandoned) query reports: rows sent, and how it ended.
#[derive(Debug, Default)]
pub struct Progress {
    pub rows: AtomicU64,
}

/// How a running query ended, for the audit log.
pub enum End {
    Finished,
    Failed(Status),
}

/// The status of a statement stopped by the server's per-query timeout.
pub fn deadline_exceeded(timeout: std::time::Duration) -> Status {
    Status::deadline_exceeded(format!(
        "the query ran longer than the server's limit of {}s",
        timeout.as_secs_f64()
    ))
}

/// A query's batches, in plain types, ending early with `CANCELLED` when `cancel` fires or
/// `DEADLINE_EXCEEDED` when the statement's deadline passes (dropping DataFusion's stream stops
/// its work). The deadline is the statement's, set before it was planned, so planning and
/// streaming share one time limit.
/// `on_end` runs exactly once: when the stream ends, fails, or is dropped by the client.
pub struct QueryStream {
    inner: Option<SendableRecordBatchStream>,
    schema: SchemaRef,
    cancelled: Pin<Box<WaitForCancellationFutureOwned>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timeout: std::time::Duration,
    progress: Arc<Progress>,
    on_end: Option<Box<dyn FnOnce(Option<End>) + Send>>,
}

impl QueryStream {
    pub fn new(
        inner: SendableRecordBatchStream,
        cancel: CancellationToken,
        deadline: tokio::time::Instant,
        timeout: std::time::Duration,
        progress: Arc<Progress>,
        on_end: Box<dyn FnOnce(Option<End>) + Send>,
    ) -> Self {
        let schema = plain_schema(&inner.schema());
        Self {
            inner: Some(inner),
            schema,
            cancelled: Box::pin(cancel.cancelled_owned()),
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
            timeout,
            progress,
            on_end: Some(on_end),
        }
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn end(&mut self, end: End) {
        self.inner = None;
        if let Some(on_end) = self.on_end.take() {
            on_end(Some(end));
        }
    }
}

impl Drop for QueryStream {
    fn drop(&mut self) {
        // Dropped before its end: the client went away (or stopped reading).
        if let Some(on_end) = self.on_end.take() {
            on_end(None);
        }
    }
}

impl Stream for QueryStream {
    type Item = Result<RecordBatch, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.inner.is_none() {
            return Poll::Ready(None);
        }
        if this.cancelled.poll_unpin(cx).is_ready() {
            let status = Status::cancelled("the query was cancelled");
            this.end(End::Failed(status.clone()));
            return Poll::Ready(Some(Err(status)));
        }
        if this.deadline.poll_unpin(cx).is_ready() {
            let status = deadline_exceeded(this.timeout);
            this.end(End::Failed(status.clone()));
            return Poll::Ready(Some(Err(status)));
        }
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match inner.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.end(End::Finished);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                let status = status_from_datafusion(&e);
                this.end(End::Failed(status.clone()));
                Poll::Ready(Some(Err(status)))
            }
            Poll::Ready(Some(Ok(batch))) => match to_plain(batch, &this.schema) {
                Ok(batch) => {
                    this.progress
                        .rows
                        .fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                    Poll::Ready(Some(Ok(batch)))
                }
                Err(e) => {
                    let status = status_from_datafusion(&DataFusionError::from(e));
                    this.end(End::Failed(status.clone()));
                    Poll::Ready(Some(Err(status)))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringViewArray};
    use arrow::datatypes::Field;

    #[test]
    fn view_strings_become_plain() {
        let schema = Schema::new(vec![
            Field::new("s", DataType::Utf8View, true),
            Field::new("i", DataType::Int32, false),
            Field::new(
                "l",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8View, true))),
                true,
            ),
        ]);
        let plain = plain_schema(&schema);
        assert_eq!(plain.field(0).data_type(), &DataType::Utf8);
        assert_eq!(plain.field(1).data_type(), &DataType::Int32);
        assert_eq!(
            plain.field(2).data_type(),
            &DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
        );
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("s", DataType::Utf8View, true),
                Field::new("i", DataType::Int32, false),
            ])),
            vec![
                Arc::new(StringViewArray::from(vec![Some("a"), None])),
                Arc::new(Int32Array::from(vec![1, 2])),
            ],
        )
        .expect("batch");
        let target = plain_schema(&batch.schema());
        let converted = to_plain(batch, &target).expect("cast");
        assert_eq!(converted.column(0).data_type(), &DataType::Utf8);
        assert_eq!(converted.num_rows(), 2);
    }
}
