//! `bgnbd_fit(frequency, recency, T)`: the aggregate that fits a BG/NBD model.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float64Array, Int64Array, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use super::DOC_SECTION_LTV;
use super::bgnbd::{BgNbdData, BgNbdFit};

const NAME: &str = "bgnbd_fit";

/// Fits a BG/NBD model to customer summaries `(frequency, recency, T)`; `None` without
/// customers. The pure form of the aggregate.
pub fn bgnbd_fit(
    summaries: impl IntoIterator<Item = (f64, f64, f64)>,
) -> Result<Option<BgNbdFit>, String> {
    let mut data = BgNbdData::default();
    for (x, t_x, t) in summaries {
        data.add(x, t_x, t, 1)?;
    }
    Ok(data.fit())
}

/// The fields of the struct `bgnbd_fit` returns.
pub fn result_fields() -> Fields {
    Fields::from(vec![
        Field::new("r", DataType::Float64, false),
        Field::new("alpha", DataType::Float64, false),
        Field::new("a", DataType::Float64, false),
        Field::new("b", DataType::Float64, false),
        Field::new("log_likelihood", DataType::Float64, false),
        Field::new("iterations", DataType::Int64, false),
        Field::new("converged", DataType::Boolean, false),
    ])
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Fits the BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005) to customer \
         summaries by maximum likelihood and returns a struct {r, alpha, a, b, log_likelihood, \
         iterations, converged}: purchase rates are Gamma(r, alpha) across customers, the \
         probability of dropping out after a purchase Beta(a, b). Pass the struct whole to \
         `bgnbd_p_alive`, `bgnbd_expected_purchases`, `bgnbd_p_purchases` and `clv`. The \
         aggregate keeps one count per distinct (frequency, recency, T), so partial aggregates \
         stay small and merge across partitions; the fit is an L-BFGS search on the \
         log-parameters with an analytic gradient. NULL rows are skipped; an impossible summary \
         (negative or fractional frequency, recency outside [0, T], recency 0 with repeat \
         purchases) is an error. NULL without rows.",
        "bgnbd_fit(frequency, recency, T)",
    )
    .with_sql_example(
        r#"```sql
> select round(m.r, 3) as r, round(m.alpha, 3) as alpha, round(m.a, 3) as a, round(m.b, 3) as b, m.converged as converged from (select bgnbd_fit(x, t_x, t) as m from (values (0, 0, 30), (1, 2, 30), (1, 3, 30), (2, 5, 30), (4, 28, 30), (3, 29, 30), (1, 1, 20), (0, 0, 20), (2, 4, 20), (5, 19, 20), (6, 20, 20), (1, 2, 10), (0, 0, 10), (3, 9, 10), (2, 3, 30), (1, 1, 30)) s(x, t_x, t));
+-------+-------+-------+-------+-----------+
| r     | alpha | a     | b     | converged |
+-------+-------+-------+-------+-----------+
| 1.596 | 7.1   | 0.564 | 0.951 | true      |
+-------+-------+-------+-------+-----------+
```"#,
    )
    .with_argument(
        "frequency",
        "Number of repeat purchases (purchase days after the first).",
    )
    .with_argument(
        "recency",
        "Time from the first to the last purchase (weeks in amigo's SQL).",
    )
    .with_argument("T", "Time from the first purchase to the end of the period.")
    .with_related_udf("bgnbd_p_alive")
    .with_related_udf("bgnbd_expected_purchases")
    .with_related_udf("bgnbd_p_purchases")
    .build()
});

/// The `bgnbd_fit` aggregate function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BgNbdFitFunc {
    signature: Signature,
}

impl Default for BgNbdFitFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl BgNbdFitFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// Numbers to Float64; anything else is a plan error naming the argument.
pub(super) fn coerce_numbers(
    function: &str,
    names: &[&str],
    arg_types: &[DataType],
) -> Result<Vec<DataType>> {
    if arg_types.len() != names.len() {
        return plan_err!(
            "{function} takes ({}); got {} arguments",
            names.join(", "),
            arg_types.len()
        );
    }
    for (name, t) in names.iter().zip(arg_types) {
        if !(t.is_numeric() || matches!(t, DataType::Null)) {
            return plan_err!("{function}: argument {name} must be a number, got {t}");
        }
    }
    Ok(vec![DataType::Float64; names.len()])
}

impl AggregateUDFImpl for BgNbdFitFunc {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_numbers(NAME, &["frequency", "recency", "T"], arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(BgNbdAccumulator::default()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[summaries]", args.name),
            DataType::Binary,
            true,
        ))])
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[derive(Debug, Default)]
struct BgNbdAccumulator {
    data: BgNbdData,
}

impl Accumulator for BgNbdAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [x, t_x, t] = values else {
            return exec_err!("{NAME}: expected 3 arguments, got {}", values.len());
        };
        let (x, t_x, t) = (
            x.as_primitive::<Float64Type>(),
            t_x.as_primitive::<Float64Type>(),
            t.as_primitive::<Float64Type>(),
        );
        for i in 0..x.len() {
            if x.is_null(i) || t_x.is_null(i) || t.is_null(i) {
                continue;
            }
            let (xv, txv, tv) = (x.value(i), t_x.value(i), t.value(i));
            if let Err(e) = self.data.add(xv, txv, tv, 1) {
                return exec_err!("{NAME}: row with frequency {xv}, recency {txv}, T {tv}: {e}");
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let fields = result_fields();
        let Some(fit) = self.data.fit() else {
            return ScalarValue::try_from(DataType::Struct(fields));
        };
        let p = fit.params;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from(vec![p.r])),
            Arc::new(Float64Array::from(vec![p.alpha])),
            Arc::new(Float64Array::from(vec![p.a])),
            Arc::new(Float64Array::from(vec![p.b])),
            Arc::new(Float64Array::from(vec![fit.log_likelihood])),
            Arc::new(Int64Array::from(vec![fit.iterations as i64])),
            Arc::new(BooleanArray::from(vec![fit.converged])),
        ];
        Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
            fields, columns, None,
        )?)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.data.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(self.data.to_bytes()))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(states) = states.first() else {
            return exec_err!("{NAME}: no state to merge");
        };
        let Some(states) = states.as_any().downcast_ref::<BinaryArray>() else {
            return exec_err!("{NAME}: state is {}, not Binary", states.data_type());
        };
        for state in states.iter().flatten() {
            if let Err(e) = self.data.merge_bytes(state) {
                return exec_err!("{NAME}: {e}");
            }
        }
        Ok(())
    }
}
