//! The schema file `plan` and `migrate` send. The client reads it; the agent
//! only ever gets its text, with the name the user gave for its messages.

use std::path::{Path, PathBuf};

use mig::proto::SchemaSource;

use crate::exit::failed;

/// The path to read: `--schema`, else `schema.sql` in the project folder
/// (`./schema.sql` when no `-C` was given).
pub fn path(flag: Option<&Path>, project: Option<&Path>) -> PathBuf {
    match (flag, project) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(dir)) => dir.join("schema.sql"),
        (None, None) => PathBuf::from("./schema.sql"),
    }
}

/// Reads the schema file into the request's `SchemaSource`.
pub fn read(path: &Path) -> anyhow::Result<SchemaSource> {
    let shown = path.display();
    if path.is_dir() {
        return Err(failed(a_directory(path)));
    }
    match std::fs::read_to_string(path) {
        Ok(sql) => Ok(SchemaSource {
            file_name: shown.to_string(),
            sql,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(failed(format!(
            "schema file {shown} does not exist; pass --schema or run from the project folder"
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(failed(not_text(path))),
        Err(e) => Err(failed(format!("cannot read schema file {shown}: {e}"))),
    }
}

/// A folder given as the schema file: name the file to pass, the folder's
/// `schema.sql` when it has one.
fn a_directory(path: &Path) -> String {
    let inside = path.join("schema.sql");
    let pass = match inside.is_file() {
        true => format!("pass --schema {}", inside.display()),
        false => "pass the .sql file with the CREATE statements of the new database".to_string(),
    };
    format!(
        "schema file {} is a folder, not a file: {pass}",
        path.display()
    )
}

/// What a schema file that is not UTF-8 text most likely is: a database
/// passed as --schema (its arguments swapped), or another binary file.
fn not_text(path: &Path) -> String {
    let shown = path.display();
    let database = std::fs::read(path).is_ok_and(|b| b.starts_with(b"SQLite format 3\0"));
    if database {
        format!("cannot read schema file {shown}: it is a SQLite database, not SQL text; pass the database as --old and the schema.sql with its CREATE statements as --schema")
    } else {
        format!("cannot read schema file {shown}: it is not UTF-8 text; pass the schema.sql with the CREATE statements of the new database (saved as UTF-8)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_is_the_projects_schema_sql() {
        assert_eq!(path(None, None), PathBuf::from("./schema.sql"));
        assert_eq!(
            path(None, Some(Path::new("shop"))),
            PathBuf::from("shop/schema.sql")
        );
        assert_eq!(
            path(Some(Path::new("x.sql")), Some(Path::new("shop"))),
            PathBuf::from("x.sql")
        );
    }

    #[test]
    fn a_missing_file_says_what_to_do() {
        let e = read(Path::new("./definitely-missing-schema.sql")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "schema file ./definitely-missing-schema.sql does not exist; pass --schema or run from the project folder"
        );
    }
}
