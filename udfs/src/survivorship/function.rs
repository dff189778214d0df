//! The survivorship aggregates' SQL side: argument checks, options, state layout.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, TimeUnit};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, GroupsAccumulator, Signature, Volatility,
};

use super::accumulator::{Options, Settings, SurviveAccumulator, SurviveGroupsAccumulator};
use super::candidate::{DEFAULT_SOURCE_PRIORITY, Rule};
use crate::aggregate::{constant_arg, is_string_like, is_time_like, without_dictionary};

/// The struct every survivorship aggregate returns.
pub fn result_fields(value_type: &DataType, ts_type: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("value", value_type.clone(), true),
        Field::new("source", DataType::Utf8, true),
        Field::new("record_id", DataType::Utf8, true),
        Field::new("rule", DataType::Utf8, true),
        Field::new("ts", ts_type.clone(), true),
    ])
}

/// A survivorship aggregate: `rule(value, source, record_id, ts[, priority][, keep_empty])`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SurviveFunc {
    rule: Rule,
    signature: Signature,
}

impl SurviveFunc {
    pub fn new(rule: Rule) -> Self {
        Self {
            rule,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

fn is_list(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
    )
}

impl SurviveFunc {
    /// The call's options and types, read once per accumulator.
    fn settings(&self, args: &AccumulatorArgs) -> Result<Settings> {
        let name = self.rule.function_name();
        let mut options = Options {
            keep_empty: false,
            source_order: DEFAULT_SOURCE_PRIORITY.map(str::to_owned).to_vec(),
            priority_column: None,
        };
        for index in 4..args.exprs.len() {
            let data_type = args.expr_fields[index].data_type();
            match data_type {
                DataType::Boolean => match constant_arg(name, args, index, "keep_empty")? {
                    Some(ScalarValue::Boolean(keep)) => options.keep_empty = keep.unwrap_or(false),
                    other => {
                        return plan_err!("{name}: keep_empty must be a boolean, got {other:?}");
                    }
                },
                DataType::Int64 => options.priority_column = Some(index),
                _ => match constant_arg(name, args, index, "priority")? {
                    Some(ScalarValue::List(list)) if list.len() == 1 && list.is_valid(0) => {
                        let sources = list.value(0);
                        let sources = cast(&sources, &DataType::Utf8)?;
                        options.source_order = sources
                            .as_string::<i32>()
                            .iter()
                            .flatten()
                            .map(|s| s.trim().to_owned())
                            .collect();
                    }
                    other => {
                        return plan_err!(
                            "{name}: the priority must be an array of sources, got {other:?}"
                        );
                    }
                },
            }
        }
        let return_type = args.return_field.data_type().clone();
        let DataType::Struct(fields) = &return_type else {
            return plan_err!("{name}: unexpected return type {return_type}");
        };
        let value_type = fields[0].data_type().clone();
        let ts_type = fields[4].data_type().clone();
        Ok(Settings {
            name,
            rule: self.rule,
            options,
            value_type,
            ts_type,
            return_type,
        })
    }
}

impl AggregateUDFImpl for SurviveFunc {
    fn name(&self) -> &str {
        self.rule.function_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        if !(4..=6).contains(&arg_types.len()) {
            return plan_err!(
                "{name} expects (value, source, record_id, ts[, priority][, keep_empty]), got \
                 {} argument(s)",
                arg_types.len()
            );
        }
        let value = match without_dictionary(&arg_types[0]) {
            DataType::Null => DataType::Utf8,
            t if self.rule == Rule::Longest && !is_string_like(&t) => {
                return plan_err!("{name}: the value must be a string, got {t}");
            }
            t => t,
        };
        let mut coerced = vec![value];
        for (i, what) in [(1, "source"), (2, "record_id")] {
            let t = &arg_types[i];
            if !(is_string_like(t) || t.is_integer()) {
                return plan_err!("{name}: {what} must be a string, got {t}");
            }
            coerced.push(DataType::Utf8);
        }
        coerced.push(match without_dictionary(&arg_types[3]) {
            DataType::Null => DataType::Timestamp(TimeUnit::Microsecond, None),
            t if is_time_like(&t) => t,
            t => return plan_err!("{name}: ts must be a timestamp or a date, got {t}"),
        });
        let options = &arg_types[4..];
        for (i, t) in options.iter().enumerate() {
            let position = i + 5;
            let last = i + 1 == options.len();
            coerced.push(match t {
                DataType::Boolean if last => DataType::Boolean,
                t if i == 0 && is_list(t) => list_of(DataType::Utf8),
                t if i == 0 && t.is_integer() => DataType::Int64,
                t => {
                    return plan_err!(
                        "{name}: argument {position} must be a priority (an array of sources \
                         in order, or an integer column, lower wins) or, last, keep_empty (a \
                         boolean), got {t}"
                    );
                }
            });
        }
        Ok(coerced)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let (Some(value), Some(ts)) = (arg_types.first(), arg_types.get(3)) else {
            return plan_err!("{} expects at least 4 arguments", self.name());
        };
        Ok(DataType::Struct(result_fields(value, ts)))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SurviveAccumulator::new(self.settings(&args)?)))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(SurviveGroupsAccumulator::new(
            self.settings(&args)?,
        )))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let DataType::Struct(fields) = args.return_type() else {
            return plan_err!("{}: unexpected return type", self.name());
        };
        let value_type = fields[0].data_type().clone();
        let ts_type = fields[4].data_type().clone();
        let field = |suffix: &str, t: DataType| {
            Arc::new(Field::new(
                format!("{}_{suffix}", args.name),
                list_of(t),
                true,
            ))
        };
        Ok(vec![
            field("values", value_type),
            field("sources", DataType::Utf8),
            field("record_ids", DataType::Utf8),
            field("ts", ts_type),
            field("priorities", DataType::Int64),
            field("counts", DataType::Int64),
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(self.rule.documentation())
    }
}
