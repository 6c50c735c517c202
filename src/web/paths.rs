//! Maps a request target to a file a site folder holds, and to nothing else.
//!
//! The target is decoded once and then judged as a list of path segments:
//! any `.` or `..` segment, backslash, colon or NUL (however it was encoded)
//! is refused outright rather than normalised, and the file found must still
//! lie inside the site folder once symlinks are resolved.

use std::path::{Path, PathBuf};

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The path part of a request target (`/a/b?x#y` -> `/a/b`), still encoded.
pub fn target_path(target: &str) -> &str {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    &target[..end]
}

/// The decoded, checked segments of a request path; `None` if any is unsafe.
pub fn safe_segments(target: &str) -> Option<Vec<String>> {
    let raw = target_path(target);
    if !raw.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(raw)?;
    if decoded.contains(['\\', '\0', ':']) {
        return None;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => continue,
            "." | ".." => return None,
            s => segments.push(s.to_string()),
        }
    }
    Some(segments)
}

/// `/a/b/` for segments `["a", "b"]`, percent-encoding all but unreserved
/// characters (so it is never `//host`, and always plain ASCII).
pub fn folder_url(segments: &[String]) -> String {
    let mut out = String::from("/");
    for segment in segments {
        for b in segment.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out.push('/');
    }
    out
}

/// The file under `root` that `target` names (a folder means its
/// `index.html`), or `None` if it does not exist or would leave `root`.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let segments = safe_segments(target)?;
    let mut path = root.to_path_buf();
    for segment in &segments {
        path.push(segment);
    }
    if path.is_dir() {
        path.push("index.html");
    }
    let real = path.canonicalize().ok()?;
    let real_root = root.canonicalize().ok()?;
    (real.starts_with(&real_root) && real.is_file()).then_some(real)
}

/// The Content-Type for a file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("json") => "application/json",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("eml") => "message/rfc822",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_refuses_every_spelling_of_dot_dot() {
        assert_eq!(
            safe_segments("/issues/001/email.html?x=1").unwrap(),
            ["issues", "001", "email.html"]
        );
        assert_eq!(safe_segments("/a%20b/c").unwrap(), ["a b", "c"]);
        for bad in [
            "/../x",
            "/a/../../x",
            "/%2e%2e/x",
            "/%2E%2E/x",
            "/.%2e/x",
            "/..%2fx",
            "/a%2f..%2f..%2fx",
            "/..%5cx",
            "/..\\x",
            "/a\\..\\..\\x",
            "/./x",
            "/C:/Windows/win.ini",
            "/%00",
            "/%zz",
            "/%c0%ae%c0%ae/x",
            "x",
            "http://evil/x",
        ] {
            assert_eq!(safe_segments(bad), None, "{bad:?}");
        }
        // Decoded once only: a double-encoded dot stays a literal "%2e" name.
        assert_eq!(safe_segments("/%252e%252e/x").unwrap(), ["%2e%2e", "x"]);
    }

    #[test]
    fn resolves_only_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("dist");
        std::fs::create_dir_all(root.join("issues/001")).unwrap();
        std::fs::write(root.join("index.html"), "archive").unwrap();
        std::fs::write(root.join("issues/001/email.html"), "email").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        assert_eq!(
            resolve(&root, "/").unwrap(),
            root.join("index.html").canonicalize().unwrap()
        );
        assert!(resolve(&root, "/issues/001/email.html").is_some());
        assert!(resolve(&root, "/issues/002/email.html").is_none());
        assert!(resolve(&root, "/%2e%2e/secret.txt").is_none());
        assert!(resolve(&root, "//secret.txt").is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
                .unwrap();
            assert!(resolve(&root, "/link.txt").is_none());
        }
    }

    proptest::proptest! {
        /// Whatever the target, the segments it yields can only name
        /// something below the root.
        #[test]
        fn segments_never_climb(target in "/[a-z./%\\\\:0-9A-F]{0,24}") {
            if let Some(segments) = safe_segments(&target) {
                for segment in segments {
                    proptest::prop_assert!(!segment.is_empty());
                    proptest::prop_assert!(segment != "." && segment != "..");
                    proptest::prop_assert!(!segment.contains(['/', '\\', '\0', ':']));
                }
            }
        }
    }
}
