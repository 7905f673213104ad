use std::path::PathBuf;

/// A data file that could not be loaded. Every variant names the file, and the
/// line where the problem is, so an operator can fix it at start-up.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The file is not CSV that can be parsed.
    #[error("{file}:{line}: malformed CSV: {message}")]
    Csv {
        /// The file.
        file: PathBuf,
        /// The line, from 1.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The header row lacks a column the loader needs.
    #[error("{file}: no header row with columns {expected}")]
    Header {
        /// The file.
        file: PathBuf,
        /// The columns looked for.
        expected: String,
    },
    /// A row has a value that is not valid.
    #[error("{file}:{line}: {message}")]
    Row {
        /// The file.
        file: PathBuf,
        /// The line, from 1.
        line: u64,
        /// What is wrong with the row.
        message: String,
    },
    /// The file holds no data rows.
    #[error("{file}: holds no data rows")]
    Empty {
        /// The file.
        file: PathBuf,
    },
}

impl LoadError {
    pub(crate) fn csv(file: &std::path::Path, error: &csv::Error) -> Self {
        let line = error.position().map_or(0, csv::Position::line);
        match error.kind() {
            csv::ErrorKind::Io(io) => LoadError::Read {
                file: file.to_owned(),
                source: std::io::Error::new(io.kind(), io.to_string()),
            },
            _ => LoadError::Csv {
                file: file.to_owned(),
                line,
                message: error.to_string(),
            },
        }
    }

    pub(crate) fn row(file: &std::path::Path, line: u64, message: impl Into<String>) -> Self {
        LoadError::Row {
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }
}
