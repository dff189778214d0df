//! The SQL files a command runs: compiled into the binary from `sql/...`, or read from the
//! directory a user gives with `--sql-dir` (a changed copy). Pipelines (`amigo resolve`,
//! `amigo ltv`) are `NN_step.sql` files run in name order.

use std::path::Path;

use include_dir::Dir;

use super::CliResult;

/// One pipeline step: `03_compare.sql` is step `compare`.
pub(crate) struct Step {
    pub name: String,
    /// Where the file is, as shown in messages (`sql/identity/03_compare.sql`).
    pub file: String,
    pub sql: String,
}

/// The `.sql` files of a compiled-in directory, as (file name, text), sorted by name.
pub(crate) fn embedded(dir: &Dir<'_>) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = dir
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            if !name.ends_with(".sql") {
                return None;
            }
            Some((name.to_owned(), file.contents_utf8()?.to_owned()))
        })
        .collect();
    files.sort();
    files
}

/// The `.sql` files of a `--sql-dir` directory, as (file name, text), sorted by name.
pub(crate) fn read_dir(dir: &Path) -> CliResult<Vec<(String, String)>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("--sql-dir {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("--sql-dir {}: {e}", dir.display()))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".sql") {
            let sql = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            files.push((name.to_owned(), sql));
        }
    }
    files.sort();
    Ok(files)
}

/// The pipeline steps among `files`, in name order: each shown as `{shown_dir}/{file}`, its
/// name starting with `prefix`. Files not named `NN_name.sql` are not steps.
pub(crate) fn steps(files: Vec<(String, String)>, shown_dir: &str, prefix: &str) -> Vec<Step> {
    files
        .into_iter()
        .filter_map(|(file, sql)| {
            let name = step_name(&file)?;
            Some(Step {
                name: format!("{prefix}{name}"),
                file: format!("{shown_dir}/{file}"),
                sql,
            })
        })
        .collect()
}

/// The steps of a `--sql-dir` directory; none is an error (`example` names a step file).
pub(crate) fn steps_from_dir(dir: &Path, example: &str) -> CliResult<Vec<Step>> {
    let steps = steps(read_dir(dir)?, &dir.display().to_string(), "");
    if steps.is_empty() {
        return Err(format!(
            "--sql-dir {}: no NN_step.sql file (such as {example})",
            dir.display()
        ));
    }
    Ok(steps)
}

/// `03_compare.sql` → `compare`; `None` for a file not named `NN_name.sql`.
pub(crate) fn step_name(file: &str) -> Option<&str> {
    let stem = file.strip_suffix(".sql")?;
    let (number, name) = stem.split_once('_')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some(name)
}

/// The steps `--step` asks for: all of them without it. `more` are step names the command
/// runs besides these files, offered in the error.
pub(crate) fn select<'a>(
    steps: &'a [Step],
    name: Option<&str>,
    more: &[&str],
) -> CliResult<Vec<&'a Step>> {
    let Some(name) = name else {
        return Ok(steps.iter().collect());
    };
    match steps.iter().find(|s| s.name == name) {
        Some(step) => Ok(vec![step]),
        None => {
            let mut names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
            names.extend(more);
            Err(format!(
                "--step {name}: no such step (steps: {})",
                names.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_numbered_sql_files_are_steps() {
        assert_eq!(step_name("README.md"), None);
        assert_eq!(step_name("notes.sql"), None);
        assert_eq!(step_name("x1_a.sql"), None);
        assert_eq!(step_name("_a.sql"), None);
        assert_eq!(step_name("10_.sql"), None);
        assert_eq!(step_name("10_extra.sql"), Some("extra"));
    }

    #[test]
    fn steps_keep_name_order_and_say_where_they_come_from() {
        let files = vec![
            ("01_a.sql".to_owned(), "SELECT 1".to_owned()),
            ("02_b.sql".to_owned(), "SELECT 2".to_owned()),
            ("setup.sql".to_owned(), String::new()),
        ];
        let steps = steps(files, "sql/x", "x_");
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["x_a", "x_b"]);
        assert_eq!(steps[1].file, "sql/x/02_b.sql");
        assert_eq!(select(&steps, Some("x_b"), &[]).map(|s| s.len()), Ok(1));
        let err = select(&steps, Some("c"), &["extra"]).err();
        assert_eq!(
            err.as_deref(),
            Some("--step c: no such step (steps: x_a, x_b, extra)")
        );
    }
}
