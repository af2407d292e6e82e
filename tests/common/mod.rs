//! Helpers the end-to-end tests share.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Whether the embedded model can be used; says why not when it cannot, so
/// a test that needs it skips with a reason.
pub fn model_ready() -> bool {
    match spamsplice::Detector::embedded() {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipped: the embedded model is not available yet ({e})");
            false
        }
    }
}

/// An empty folder `group/name` under the target's scratch folder.
pub fn tmp(group: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
