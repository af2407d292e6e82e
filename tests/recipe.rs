//! The training recipe of README.md, end to end on a smaller generated set:
//! `synth` over the shared corpora, `train`, then `eval` on the test split,
//! whose spam terms training never saw. Checks the figures it must reach.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpora() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: ../shared/corpora is absent (CI provides it)");
        return None;
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("docs.jsonl"))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    Some(v)
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spamsplice"))
        .args(args)
        .output()
        .expect("spawn spamsplice");
    assert!(
        out.status.success(),
        "spamsplice {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The row of the eval table named `name`: (exact%, pass%, chars%).
fn row(table: &str, name: &str) -> (f64, f64, f64) {
    let line = table
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{table}"));
    let cols: Vec<&str> = line[name.len()..].split_whitespace().collect();
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    (num(cols[2]), num(cols[4]), num(cols[8]))
}

#[test]
fn recipe_on_a_small_set_reaches_its_figures() {
    let Some(corpora) = corpora() else { return };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("recipe");
    let _ = std::fs::remove_dir_all(&dir);
    let mut args: Vec<String> = vec!["synth".into()];
    for c in &corpora {
        args.push("--corpus".into());
        args.push(c.display().to_string());
    }
    for a in [
        "--out",
        dir.to_str().unwrap(),
        "--seed",
        "7",
        "--docs",
        "8000",
    ] {
        args.push(a.into());
    }
    run(&args.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    let model = dir.join("small.model");
    run(&[
        "train",
        "--data",
        dir.join("train.csv").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--quiet",
    ]);
    let test_csv = dir.join("test.csv");
    let eval = |flags: &[&str]| {
        let mut args = vec!["eval", "--data", test_csv.to_str().unwrap()];
        args.extend(["--model", model.to_str().unwrap()]);
        args.extend(flags);
        run(&args)
    };
    let table = eval(&[]);
    eprintln!("{table}");
    let (en_exact, _, en_chars) = row(&table, "injected, English");
    let (_, clean_pass, _) = row(&table, "clean, all");
    let (all_exact, _, _) = row(&table, "injected, all");
    let (ko_exact, _, ko_chars) = row(&table, "injected, Korean");
    // A tenth of the default recipe's data: lower bars than the default
    // model's (about 160 English and 190 Korean injected test documents, so
    // a few points of sampling noise), but far above what a broken pipeline
    // or a dropped feature gives.
    assert!(en_exact >= 95.0, "English exact restoration {en_exact}%");
    assert!(
        en_chars >= 99.5,
        "English injected characters removed {en_chars}%"
    );
    assert!(ko_exact >= 78.0, "Korean exact restoration {ko_exact}%");
    assert!(
        ko_chars >= 97.5,
        "Korean injected characters removed {ko_chars}%"
    );
    assert!(clean_pass >= 98.0, "clean pass-through {clean_pass}%");
    assert!(all_exact >= 86.0, "overall exact restoration {all_exact}%");
    // `eval` judges with the test file's memory of its own words (the
    // campaign stage); each document alone, Korean restores fewer, while
    // clean documents still pass.
    let alone = eval(&["--no-campaign"]);
    eprintln!("{alone}");
    let (ko_alone, _, _) = row(&alone, "injected, Korean");
    let (_, clean_alone, _) = row(&alone, "clean, all");
    assert!(
        ko_exact >= ko_alone + 3.0,
        "Korean exact restoration {ko_exact}% with the campaign stage, {ko_alone}% without"
    );
    assert!(
        clean_alone >= 98.0,
        "clean pass-through alone {clean_alone}%"
    );
    // The small model removes all five of the seed's fragments (the exact
    // byte-for-byte check is the default model's, in tests/seed.rs).
    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seed");
    let got = run(&[
        "filter",
        "--quiet",
        "--model",
        model.to_str().unwrap(),
        seed.join("000_25d65b13181b6f2f.txt").to_str().unwrap(),
    ]);
    for frag in [
        "¹Ù´ÙÀ̾߱â°ÔÀÓÀå",
        "¾ß¸¶Å俬Ÿ",
        "¿À¼Ç¸±°ÔÀÓ",
        "Ȳ±Ý¼º»çÀÌÆ®",
        "¸±°ÔÀÓ5¸¸",
    ] {
        assert!(
            !got.contains(frag),
            "the small model left {frag} in the seed article"
        );
    }
    assert!(
        got.contains("¡°This summit"),
        "the article's own mojibake quotes must stay"
    );
}
