//! `double_metaphone(name)` and `double_metaphone_alt(name)` (PostgreSQL: `dmetaphone`,
//! `dmetaphone_alt`): the primary and the alternate Double Metaphone codes.
//!
//! One implementation serves both functions, as the two codes come out of one pass; each
//! function keeps the code it is named after.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::code::map_to_codes;
use super::double_metaphone::double_metaphone;
use crate::common::{
    DOC_SECTION_PHONETIC, StringArgs, one_string_return_type, one_string_signature,
};

/// Which of the two codes a function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Which {
    Primary,
    Alternate,
}

static PRIMARY_DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONETIC,
        "Returns the primary Double Metaphone code of a name (Lawrence Philips, 2000): up to \
         four characters, with the rules of PostgreSQL's dmetaphone (which is an alias). \
         Handles many non-English spellings (Germanic, Slavic, Italian, Spanish, French); see \
         double_metaphone_alt for the second pronunciation. Accents are folded first (so Ç \
         codes as C). Returns NULL when the value yields no code (no Latin letter), where \
         PostgreSQL returns an empty string.",
        "double_metaphone(str)",
    )
    .with_sql_example(
        r#"```sql
> select double_metaphone('gumbo'), double_metaphone('Schmidt'), dmetaphone('Smith');
+---------------------------------+-----------------------------------+---------------------------+
| double_metaphone(Utf8("gumbo")) | double_metaphone(Utf8("Schmidt")) | dmetaphone(Utf8("Smith")) |
+---------------------------------+-----------------------------------+---------------------------+
| KMP                             | XMT                               | SM0                       |
+---------------------------------+-----------------------------------+---------------------------+
```"#,
    )
    .with_argument("str", "String expression: the name to code.")
    .with_related_udf("double_metaphone_alt")
    .with_related_udf("metaphone")
    .build()
});

static ALTERNATE_DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONETIC,
        "Returns the alternate Double Metaphone code of a name: the second plausible \
         pronunciation, equal to the primary code (double_metaphone) for most names. Same \
         rules as PostgreSQL's dmetaphone_alt (an alias). Returns NULL when the value yields no \
         code.",
        "double_metaphone_alt(str)",
    )
    .with_sql_example(
        r#"```sql
> select double_metaphone_alt('Schmidt'), dmetaphone_alt('Smith');
+---------------------------------------+-------------------------------+
| double_metaphone_alt(Utf8("Schmidt")) | dmetaphone_alt(Utf8("Smith")) |
+---------------------------------------+-------------------------------+
| SMT                                   | XMT                           |
+---------------------------------------+-------------------------------+
```"#,
    )
    .with_argument("str", "String expression: the name to code.")
    .with_related_udf("double_metaphone")
    .build()
});

/// The `double_metaphone` and `double_metaphone_alt` SQL functions.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DoubleMetaphoneFunc {
    which: Which,
    signature: Signature,
}

impl DoubleMetaphoneFunc {
    /// `double_metaphone` (alias `dmetaphone`): the primary code.
    pub fn primary() -> Self {
        Self {
            which: Which::Primary,
            signature: one_string_signature(),
        }
    }

    /// `double_metaphone_alt` (alias `dmetaphone_alt`): the alternate code.
    pub fn alternate() -> Self {
        Self {
            which: Which::Alternate,
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for DoubleMetaphoneFunc {
    fn name(&self) -> &str {
        match self.which {
            Which::Primary => "double_metaphone",
            Which::Alternate => "double_metaphone_alt",
        }
    }

    fn aliases(&self) -> &[String] {
        static PRIMARY: LazyLock<Vec<String>> = LazyLock::new(|| vec!["dmetaphone".to_owned()]);
        static ALTERNATE: LazyLock<Vec<String>> =
            LazyLock::new(|| vec!["dmetaphone_alt".to_owned()]);
        match self.which {
            Which::Primary => &PRIMARY,
            Which::Alternate => &ALTERNATE,
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let strings = StringArgs::try_new(self.name(), &args.args, args.number_rows)?;
        let which = self.which;
        map_to_codes(&strings, |_, s| {
            let codes = double_metaphone(s)?;
            match which {
                Which::Primary => codes.primary,
                Which::Alternate => codes.alternate,
            }
            .non_empty()
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(match self.which {
            Which::Primary => &PRIMARY_DOCUMENTATION,
            Which::Alternate => &ALTERNATE_DOCUMENTATION,
        })
    }
}
