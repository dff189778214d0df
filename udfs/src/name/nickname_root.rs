//! `nickname_root(name)`: the formal first name behind a nickname.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::nicknames::NicknameTable;
use crate::common::{DOC_SECTION_NAME, map_to_utf8, one_string_return_type, one_string_signature};

/// Returns the formal first name for a known nickname in the bundled table, in normalized form
/// (`Bob` → `robert`, `Jeannot` → `jean`, `Beppe` → `giuseppe`), or the normalized name
/// otherwise; `None` when the name has no letter or digit. See [`NicknameTable::root_of`].
pub fn nickname_root(name: &str) -> Option<Cow<'_, str>> {
    NicknameTable::bundled().root_of(name)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_NAME,
        "Returns the formal first name a nickname stands for (Bob → robert, Jeannot → jean, \
         Beppe → giuseppe, JP → jean pierre), in normalize_name form; any other name comes \
         back normalized. A whole name that is a nickname is replaced, otherwise each word is \
         (Bob Smith → robert smith). Returns NULL when the value has no letter or digit.\n\n\
         The bundled table (udfs/data/nicknames.csv, about 400 French, English, Italian, \
         German and Spanish nicknames) gives one root per nickname: an ambiguous nickname maps \
         to the name it most often stands for in the language where it is most used, French \
         first (Alex → alexandre, Chris → christophe). Extend that file and rebuild, or, from \
         Rust, register `NicknameRootFunc::with_table(Arc::new(NicknameTable::\
         bundled_with_csv(\"mine.csv\", text)?))` to merge a CSV with the columns `nickname` \
         and `root` over the bundled table; it replaces this function under the same name.",
        "nickname_root(name)",
    )
    .with_sql_example(
        r#"```sql
> select nickname_root('Bob'), nickname_root('Jeannot'), nickname_root('Hélène');
+----------------------------+--------------------------------+-------------------------------+
| nickname_root(Utf8("Bob")) | nickname_root(Utf8("Jeannot")) | nickname_root(Utf8("Hélène")) |
+----------------------------+--------------------------------+-------------------------------+
| robert                     | jean                           | helene                        |
+----------------------------+--------------------------------+-------------------------------+
```"#,
    )
    .with_argument("name", "String expression: a first name (or a full name).")
    .with_related_udf("normalize_name")
    .with_related_udf("name_similarity")
    .build()
});

/// The `nickname_root` SQL function, over the bundled nickname table or a table of the
/// program's own.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NicknameRootFunc {
    signature: Signature,
    table: Arc<NicknameTable>,
}

impl Default for NicknameRootFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NicknameRootFunc {
    /// The function over the bundled table.
    pub fn new() -> Self {
        Self::with_table(NicknameTable::bundled())
    }

    /// The function over `table`, for example
    /// `NicknameTable::bundled_with_csv("mine.csv", text)?`.
    pub fn with_table(table: Arc<NicknameTable>) -> Self {
        Self {
            signature: one_string_signature(),
            table,
        }
    }
}

impl ScalarUDFImpl for NicknameRootFunc {
    fn name(&self) -> &str {
        "nickname_root"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, |name| self.table.root_of(name))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
    use datafusion::arrow::datatypes::Field;
    use datafusion::config::ConfigOptions;

    use super::*;

    fn root(s: &str) -> Option<String> {
        nickname_root(s).map(Cow::into_owned)
    }

    #[test]
    fn nicknames_in_several_languages() {
        for (nickname, expected) in [
            ("Bob", "robert"),
            ("BILLY", "william"),
            ("Jeannot", "jean"),
            ("Dédé", "andre"),
            ("Beppe", "giuseppe"),
            ("Gigi", "luigi"),
            ("Paco", "francisco"),
            ("Sepp", "josef"),
            ("J.-B.", "jean baptiste"),
            ("Bob Smith", "robert smith"),
        ] {
            assert_eq!(root(nickname).as_deref(), Some(expected), "{nickname}");
        }
    }

    #[test]
    fn other_names_come_back_normalized() {
        assert_eq!(root("Hélène").as_deref(), Some("helene"));
        assert_eq!(root("Mme Marie-Claire").as_deref(), Some("marie claire"));
        assert_eq!(root("Robert").as_deref(), Some("robert"));
        assert_eq!(root(""), None);
    }

    #[test]
    fn a_table_of_the_programs_own() -> Result<()> {
        let table = NicknameTable::bundled_with_csv(
            "mine.csv",
            "nickname,root\n# Corsican\nGhjuvan,Jean\nBob,Bobby Joe\n",
        )?;
        let func = NicknameRootFunc::with_table(Arc::new(table));
        assert_ne!(func, NicknameRootFunc::new());
        let input: ArrayRef = Arc::new(StringArray::from(vec![
            Some("Ghjuvan"),
            Some("Bob"),
            Some("Jeannot"),
            None,
        ]));
        let out = func
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![ColumnarValue::Array(input)],
                arg_fields: vec![Arc::new(Field::new("a", DataType::Utf8, true))],
                number_rows: 4,
                return_field: Arc::new(Field::new("r", DataType::Utf8, true)),
                config_options: Arc::new(ConfigOptions::default()),
            })?
            .into_array(4)?;
        let out = out.as_string::<i32>();
        assert_eq!(out.value(0), "jean");
        assert_eq!(out.value(1), "bobby joe");
        assert_eq!(out.value(2), "jean");
        assert!(out.is_null(3));
        Ok(())
    }
}
