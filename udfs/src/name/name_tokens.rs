//! `name_tokens(name)`: the words of a normalized name, as a list.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalize_name::normalize_name;
use crate::common::{DOC_SECTION_NAME, StringArgs, one_string_return_type, one_string_signature};

/// The words of `normalize_name(name)`, in the order written; `None` when the name has no
/// letter or digit.
pub fn name_tokens(name: &str) -> Option<Vec<String>> {
    normalize_name(name).map(|n| n.split(' ').map(str::to_owned).collect())
}

/// The type of the list this function returns.
fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_NAME,
        "Returns the words of a name after normalize_name, as a list of strings in the order \
         written (titles dropped, hyphenated names split). NULL when the value has no letter \
         or digit. For a key that ignores word order, sort the list: \
         array_to_string(array_sort(name_tokens(name)), ' '), which is what name_key returns.",
        "name_tokens(name)",
    )
    .with_sql_example(
        r#"```sql
> select name_tokens('DUPONT Jean-Pierre');
+-----------------------------------------+
| name_tokens(Utf8("DUPONT Jean-Pierre")) |
+-----------------------------------------+
| [dupont, jean, pierre]                  |
+-----------------------------------------+
```"#,
    )
    .with_argument("name", "String expression: a full name.")
    .with_related_udf("normalize_name")
    .with_related_udf("name_key")
    .build()
});

/// The `name_tokens` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NameTokensFunc {
    signature: Signature,
}

impl Default for NameTokensFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NameTokensFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for NameTokensFunc {
    fn name(&self) -> &str {
        "name_tokens"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, list_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let names = StringArgs::try_new(self.name(), &args.args, args.number_rows)?;
        let rows = names.rows();
        let mut builder = ListBuilder::with_capacity(StringBuilder::new(), rows);
        for row in 0..rows {
            match names.get(0, row).and_then(normalize_name) {
                Some(normalized) => {
                    for word in normalized.split(' ') {
                        builder.values().append_value(word);
                    }
                    builder.append(true);
                }
                None => builder.append_null(),
            }
        }
        names.finish(Arc::new(builder.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_written_order() {
        assert_eq!(
            name_tokens("DUPONT Jean-Pierre"),
            Some(vec!["dupont".into(), "jean".into(), "pierre".into()])
        );
        assert_eq!(
            name_tokens("Mme O'Brien  Mary"),
            Some(vec!["obrien".into(), "mary".into()])
        );
        assert_eq!(name_tokens(" - "), None);
    }
}
