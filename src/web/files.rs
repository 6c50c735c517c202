//! Which file under a site folder a request path names. Paths are judged by
//! [`super::paths`] (any `..`, `.`, backslash, colon or NUL however encoded
//! is refused; the file must stay inside the folder after symlinks). A
//! folder asked for without its slash is sent to the same folder with one,
//! rebuilt from the checked segments: always a path on this site, so that
//! the page's relative links work.

use std::path::{Path, PathBuf};

use super::paths;

/// What a path names under a site folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// This file (a folder's `index.html` for a path ending in `/`).
    File(PathBuf),
    /// A folder named without its slash: redirect to this path.
    Folder(String),
    /// Nothing, or nothing it may serve.
    Missing,
}

/// Looks up the (still percent-encoded) request `path` under `root`.
pub fn lookup(root: &Path, path: &str) -> Found {
    let Some(segments) = paths::safe_segments(path) else {
        return Found::Missing;
    };
    if !path.ends_with('/') && !segments.is_empty() {
        let folder = segments.iter().fold(root.to_path_buf(), |p, s| p.join(s));
        if folder.is_dir() {
            return Found::Folder(paths::folder_url(&segments));
        }
    }
    match paths::resolve(root, path) {
        Some(file) => Found::File(file),
        None => Found::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_folders_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("dist");
        std::fs::create_dir_all(root.join("issues/001")).unwrap();
        std::fs::write(root.join("issues/001/index.html"), "web").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let index = root.join("issues/001/index.html").canonicalize().unwrap();
        assert_eq!(lookup(&root, "/issues/001/"), Found::File(index.clone()));
        assert_eq!(lookup(&root, "/issues/001/index.html"), Found::File(index));
        assert_eq!(
            lookup(&root, "/issues/001"),
            Found::Folder("/issues/001/".into())
        );
        // The redirect is rebuilt from the segments: never `//host`.
        assert_eq!(lookup(&root, "//issues"), Found::Folder("/issues/".into()));
        assert_eq!(lookup(&root, "/%2e%2e/secret.txt"), Found::Missing);
        assert_eq!(lookup(&root, "/issues/002/"), Found::Missing);
    }
}
