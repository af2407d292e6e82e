//! The article spamsplice started from: `spamsplice filter` on it must print
//! its clean form byte for byte, with the embedded default model.

use std::path::PathBuf;
use std::process::Command;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.join("seed").is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/seed is absent (CI provides it)");
        None
    }
}

#[test]
fn filter_restores_the_seed_article_byte_for_byte() {
    let Some(shared) = shared() else { return };
    let input = shared.join("seed/000_25d65b13181b6f2f.txt");
    let expected = std::fs::read(shared.join("seed/000_25d65b13181b6f2f.clean.txt")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spamsplice"))
        .arg("filter")
        .arg(&input)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "filter failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout != expected {
        let got = String::from_utf8_lossy(&out.stdout);
        let want = String::from_utf8_lossy(&expected);
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "first differing line {}", i + 1);
        }
        panic!(
            "outputs differ in length: got {} bytes, want {}",
            out.stdout.len(),
            expected.len()
        );
    }
}

#[test]
fn library_reports_the_five_seed_fragments() {
    let Some(shared) = shared() else { return };
    let text = std::fs::read_to_string(shared.join("seed/000_25d65b13181b6f2f.txt")).unwrap();
    let det = spamsplice::Detector::embedded().expect("embedded model");
    let cleaned = det.clean(&text);
    let found: Vec<String> = cleaned
        .spans
        .iter()
        .map(|s| spamsplice::encoding::decode_hangul(&text[s.start..s.end]).unwrap_or_default())
        .collect();
    assert_eq!(
        found,
        [
            "바다이야기게임장",
            "야마토연타",
            "오션릴게임",
            "황금성사이트",
            "릴게임5만"
        ]
    );
}
