//! A throwaway copy of the sample project, so tests run the real binary on
//! real content without touching the checkout.

use std::path::{Path, PathBuf};

/// Config, subscribers, content and templates copied into a fresh folder.
/// Summaries generated in the checkout are left out, so every test starts
/// from the inbox as a new user would.
pub fn sample_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["config.toml", "subscribers.csv", "content", "templates"] {
        copy_tree(&root.join(name), &dir.path().join(name));
    }
    let _ = std::fs::remove_dir_all(dir.path().join("content/summaries"));
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else if from.is_file() {
        std::fs::copy(from, to).unwrap();
    }
}

/// Every file below `dir` whose name ends in `.ext`, sorted.
pub fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_with_extension(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            found.push(path);
        }
    }
    found.sort();
    found
}
