//! Shared by the tools' integration tests.
#![allow(clippy::disallowed_methods, clippy::disallowed_types, dead_code)]

use std::path::PathBuf;

/// A fresh directory under the system temp dir, unique to this test process and `name`, removed
/// (with everything in it) when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates (after removing any leftover of the same name) `fulmar-<name>-<pid>`.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("fulmar-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
