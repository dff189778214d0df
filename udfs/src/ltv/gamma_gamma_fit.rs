//! `gamma_gamma_fit(frequency, monetary_value)`: the aggregate that fits a Gamma-Gamma spend
//! model.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float64Array, Int64Array, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use super::DOC_SECTION_LTV;
use super::bgnbd_fit::coerce_numbers;
use super::gamma_gamma::{GammaGammaData, GammaGammaFit};

const NAME: &str = "gamma_gamma_fit";

/// Fits a Gamma-Gamma model to `(frequency, monetary_value)` pairs; customers without repeat
/// purchases are skipped; `None` when none has. The pure form of the aggregate.
pub fn gamma_gamma_fit(
    customers: impl IntoIterator<Item = (f64, f64)>,
) -> Result<Option<GammaGammaFit>, String> {
    let mut data = GammaGammaData::default();
    for (x, m) in customers {
        data.add(x, m, 1)?;
    }
    Ok(data.fit())
}

/// The fields of the struct `gamma_gamma_fit` returns.
pub fn result_fields() -> Fields {
    Fields::from(vec![
        Field::new("p", DataType::Float64, false),
        Field::new("q", DataType::Float64, false),
        Field::new("gamma", DataType::Float64, false),
        Field::new("log_likelihood", DataType::Float64, false),
        Field::new("iterations", DataType::Int64, false),
        Field::new("converged", DataType::Boolean, false),
    ])
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Fits the Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005) by \
         maximum likelihood and returns a struct {p, q, gamma, log_likelihood, iterations, \
         converged}, to pass whole to `gamma_gamma_expected_spend` and `clv`. Only customers \
         with repeat purchases (frequency > 0) enter the fit; their monetary_value (mean of the \
         repeat purchases) must be positive, or the row is an error. The model assumes spend \
         independent of frequency. NULL rows are skipped; NULL without repeat customers.",
        "gamma_gamma_fit(frequency, monetary_value)",
    )
    .with_sql_example(
        r#"```sql
> select round(m.p, 3) as p, round(m.q, 3) as q, round(m.gamma, 3) as gamma, m.converged as converged from (select gamma_gamma_fit(x, m) as m from (values (1, 20.0), (2, 35.5), (6, 12.25), (0, 0.0), (3, 18.0), (1, 60.0), (4, 25.0), (2, 9.5)) s(x, m));
+-------+-------+--------+-----------+
| p     | q     | gamma  | converged |
+-------+-------+--------+-----------+
| 5.263 | 4.928 | 18.265 | true      |
+-------+-------+--------+-----------+
```"#,
    )
    .with_argument("frequency", "Number of repeat purchases.")
    .with_argument(
        "monetary_value",
        "Mean value of the repeat purchases (the first purchase excluded).",
    )
    .with_related_udf("gamma_gamma_expected_spend")
    .with_related_udf("clv")
    .build()
});

/// The `gamma_gamma_fit` aggregate function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GammaGammaFitFunc {
    signature: Signature,
}

impl Default for GammaGammaFitFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl GammaGammaFitFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for GammaGammaFitFunc {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_numbers(NAME, &["frequency", "monetary_value"], arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(GammaGammaAccumulator::default()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[customers]", args.name),
            DataType::Binary,
            true,
        ))])
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[derive(Debug, Default)]
struct GammaGammaAccumulator {
    data: GammaGammaData,
}

impl Accumulator for GammaGammaAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [x, m] = values else {
            return exec_err!("{NAME}: expected 2 arguments, got {}", values.len());
        };
        let (x, m) = (
            x.as_primitive::<Float64Type>(),
            m.as_primitive::<Float64Type>(),
        );
        for i in 0..x.len() {
            if x.is_null(i) || m.is_null(i) {
                continue;
            }
            let (xv, mv) = (x.value(i), m.value(i));
            if let Err(e) = self.data.add(xv, mv, 1) {
                return exec_err!("{NAME}: row with frequency {xv}, monetary_value {mv}: {e}");
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
            Arc::new(Float64Array::from(vec![p.p])),
            Arc::new(Float64Array::from(vec![p.q])),
            Arc::new(Float64Array::from(vec![p.gamma])),
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
