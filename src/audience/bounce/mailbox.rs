//! Where reports come from: single files, a Maildir (`new/` and `cur/`,
//! as a cron job or `fetchmail` leaves it), or an mbox file (the MTA piping
//! into a file). Each message keeps a label naming where it was read, so a
//! report that cannot be read is named and skipped.

use std::path::{Path, PathBuf};

/// One message to read, or the reason it could not be read.
#[derive(Debug)]
pub struct Input {
    /// The file, or `FILE:N` for the Nth message of an mbox.
    pub label: String,
    pub bytes: Result<Vec<u8>, String>,
}

fn read(path: &Path) -> Input {
    Input {
        label: path.display().to_string(),
        bytes: std::fs::read(path).map_err(|e| e.to_string()),
    }
}

/// Each file as one message, in the order given.
pub fn files(paths: &[PathBuf]) -> Vec<Input> {
    paths.iter().map(|p| read(p)).collect()
}

/// The messages of a Maildir: `new/` then `cur/`, each sorted by name (or
/// the folder's own files when it has neither). Hidden files and `tmp/`
/// (messages still being written) are left alone.
pub fn maildir(dir: &Path) -> Result<Vec<Input>, std::io::Error> {
    let mut subdirs: Vec<PathBuf> = ["new", "cur"]
        .iter()
        .map(|s| dir.join(s))
        .filter(|d| d.is_dir())
        .collect();
    if subdirs.is_empty() {
        // Not a Maildir layout: read the folder itself (an error if it is missing).
        std::fs::read_dir(dir)?;
        subdirs.push(dir.to_path_buf());
    }
    let mut inputs = Vec::new();
    for sub in subdirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&sub)?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        paths.sort();
        inputs.extend(paths.iter().map(|p| read(p)));
    }
    Ok(inputs)
}

/// The messages of an mbox file: split at `From ` lines that start the
/// file or follow a blank line, with `>From ` quoting undone (mboxrd).
pub fn mbox(path: &Path) -> Result<Vec<Input>, std::io::Error> {
    let data = std::fs::read(path)?;
    Ok(split_mbox(&data)
        .into_iter()
        .enumerate()
        .map(|(n, bytes)| Input {
            label: format!("{}:{}", path.display(), n + 1),
            bytes: Ok(bytes),
        })
        .collect())
}

/// Splits mbox bytes into messages (without their `From ` separator lines).
pub fn split_mbox(data: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut previous_blank = true;
    for line in data.split_inclusive(|&b| b == b'\n') {
        if previous_blank && line.starts_with(b"From ") {
            if let Some(done) = current.take() {
                messages.push(trim_separator(done));
            }
            current = Some(Vec::new());
            previous_blank = false;
            continue;
        }
        let body = current.get_or_insert_with(Vec::new);
        let unquoted = match line.iter().position(|&b| b != b'>') {
            Some(n) if n > 0 && line[n..].starts_with(b"From ") => &line[1..],
            _ => line,
        };
        body.extend_from_slice(unquoted);
        previous_blank = line == b"\n" || line == b"\r\n";
    }
    if let Some(done) = current {
        if !done.iter().all(u8::is_ascii_whitespace) {
            messages.push(trim_separator(done));
        }
    }
    messages
}

/// Drops the blank line that separates a message from the next `From `.
fn trim_separator(mut message: Vec<u8>) -> Vec<u8> {
    if message.ends_with(b"\r\n\r\n") {
        message.truncate(message.len() - 2);
    } else if message.ends_with(b"\n\n") {
        message.truncate(message.len() - 1);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_splits_at_from_lines_and_unquotes() {
        let data = b"From a@b Mon\nSubject: one\n\n>From the start\n\nFrom c@d Tue\nSubject: two\n\nbody\n";
        let messages = split_mbox(data);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], b"Subject: one\n\nFrom the start\n".to_vec());
        assert_eq!(messages[1], b"Subject: two\n\nbody\n".to_vec());
    }
}
