//! A bad input that was reported and skipped (or only warned about), so that
//! one broken article or subscriber row never stops the rest.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based line, where the input has lines.
    pub line: Option<usize>,
    pub message: String,
    /// True when the input (file, item or row) was left out; false for a warning.
    pub skipped: bool,
}

impl Problem {
    pub fn skipped(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            message: message.into(),
            skipped: true,
        }
    }

    pub fn warning(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            message: message.into(),
            skipped: false,
        }
    }
}

impl fmt::Display for Problem {
    /// `path:line: message (skipped)`, the form editors and tools jump to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)?;
        if self.skipped {
            write!(f, " (skipped)")?;
        }
        Ok(())
    }
}
