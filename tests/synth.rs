//! The training-data generator over the shared corpora (`../shared/corpora`
//! beside the repository). Skipped, with a note, where they are absent.

use std::collections::BTreeSet;
use std::path::PathBuf;

use spamsplice::lexicon::{Lexicon, Role, Split};
use spamsplice::synth::{self, Config, FragEnc, Host, Row, Style};

fn corpora() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("docs.jsonl"))
        .filter(|p| p.exists())
        .collect();
    files.sort();
    if files.is_empty() {
        None
    } else {
        Some(files)
    }
}

fn generate(docs: usize, seed: u64) -> Option<Vec<Row>> {
    generate_with(Config {
        seed,
        docs,
        clean_share: 0.5,
        ..Config::default()
    })
}

fn generate_with(cfg: Config) -> Option<Vec<Row>> {
    let Some(files) = corpora() else {
        eprintln!("skipping: no corpora under ../shared/corpora");
        return None;
    };
    let mut sources = Vec::new();
    for f in &files {
        sources.extend(synth::read_corpus(f).unwrap());
    }
    Some(synth::generate(&sources, &cfg, &|_| {}).unwrap())
}

#[test]
fn rows_round_trip_and_cover_every_variant() {
    let Some(rows) = generate(4000, 11) else {
        return;
    };
    assert!(rows.len() >= 3990, "{} rows", rows.len());
    let lex = Lexicon::embedded();
    let mut styles = BTreeSet::new();
    let mut encs = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let (mut single, mut double) = (0, 0);
    let (mut known_dev, mut injected_dev) = (0, 0);
    let mut ids = BTreeSet::new();
    for r in &rows {
        assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        assert_eq!(synth::apply_spans(&r.text, &r.spans), r.clean, "{}", r.id);
        // spans sorted, disjoint, pure deletions, each holding Korean-bearing spam
        for w in r.spans.windows(2) {
            assert!(w[0].end <= w[1].start, "{}", r.id);
        }
        let mut parts: Vec<&str> = r.slice.split('.').collect();
        // The test split's CRLF documents carry a fifth part.
        if parts.len() == 5 {
            assert_eq!((parts[4], r.split), ("crlf", Split::Test), "{}", r.slice);
            assert!(r.text.contains("\r\n") && !r.text.replace("\r\n", "").contains('\n'));
            parts.pop();
        }
        assert_eq!(parts.len(), 4, "{}", r.slice);
        assert_eq!(parts[0], r.lang);
        if parts[2] == "clean" {
            assert!(r.spans.is_empty() && r.text == r.clean);
        } else {
            assert!((1..=6).contains(&r.spans.len()), "{}", r.id);
            assert!(r
                .spans
                .iter()
                .all(|s| s.replace.is_empty() && s.end > s.start));
            if matches!(parts[2], "s5" | "s6") {
                assert_eq!(
                    r.split,
                    Split::Test,
                    "{}: the extra shapes are the test split's",
                    r.id
                );
            }
            styles.insert(parts[2].to_string());
            encs.insert(parts[3].to_string());
            hosts.insert(parts[1].to_string());
            assert!(!r.text.is_ascii(), "{}", r.id);
        }
        if r.clean.contains("\n\n") {
            double += 1;
        } else if r.clean.contains('\n') {
            single += 1;
        }
        // head terms come from the row's own split, or, for a share of dev
        // rows, all from train (spam a lexicon already knows)
        let known = r.split == Split::Dev
            && !r.heads.is_empty()
            && r.heads
                .iter()
                .all(|h| lex.head_split(h) == Some(Split::Train));
        if known {
            known_dev += 1;
        } else {
            for h in &r.heads {
                assert_eq!(lex.head_split(h), Some(r.split), "{} uses {h}", r.id);
            }
        }
        if r.split == Split::Dev && !r.spans.is_empty() {
            injected_dev += 1;
        }
    }
    let known_share = known_dev as f64 / injected_dev as f64;
    assert!(
        (0.15..0.35).contains(&known_share),
        "{known_dev} of {injected_dev} injected dev rows use known terms"
    );
    let want = |v: Vec<&str>| v.into_iter().map(String::from).collect::<BTreeSet<_>>();
    assert_eq!(styles, want(Style::ALL.iter().map(|s| s.name()).collect()));
    assert_eq!(encs, want(FragEnc::ALL.iter().map(|e| e.name()).collect()));
    assert_eq!(hosts, want(Host::ALL.iter().map(|h| h.name()).collect()));
    assert!(
        single > 100 && double > 100,
        "layouts: {single} single, {double} double"
    );
    let slices: BTreeSet<&str> = rows.iter().map(|r| r.slice.as_str()).collect();
    for s in [
        "en.utf8.clean.none",
        "ko.mojibake.clean.none",
        "en.cp949punct.clean.none",
        "ko.gambling-news.clean.none",
        "en.gambling-news.clean.none",
        "ja.utf8.clean.none",
    ] {
        assert!(slices.contains(s), "no {s}");
    }
    let clean = rows.iter().filter(|r| r.spans.is_empty()).count() as f64 / rows.len() as f64;
    assert!((0.45..0.55).contains(&clean), "clean share {clean}");
    for split in Split::ALL {
        assert!(
            rows.iter().any(|r| r.split == split && !r.spans.is_empty()),
            "{split:?}"
        );
    }
}

#[test]
fn test_split_spam_uses_no_train_term() {
    let Some(rows) = generate(3000, 5) else {
        return;
    };
    let lex = Lexicon::embedded();
    let train: Vec<&str> = [Role::Name, Role::Genre]
        .iter()
        .flat_map(|&r| lex.heads(r, Split::Train))
        .collect();
    let mut checked = 0;
    for r in rows
        .iter()
        .filter(|r| r.split == Split::Test && !r.spans.is_empty())
    {
        for h in &r.heads {
            assert!(!train.contains(&h.as_str()), "{} uses train term {h}", r.id);
        }
        // in raw-Hangul fragments, no train term appears even as a substring
        if r.slice.ends_with(".utf8") {
            let chars: Vec<char> = r.text.chars().collect();
            for s in &r.spans {
                let frag: String = chars[s.start..s.end].iter().collect();
                for t in &train {
                    assert!(
                        !frag.contains(t),
                        "{}: {frag:?} contains train term {t}",
                        r.id
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} fragments checked");
}

#[test]
fn a_known_term_probe_points_the_test_split_at_train_terms() {
    let Some(rows) = generate_with(Config {
        seed: 5,
        docs: 2000,
        test_terms: Split::Train,
        ..Config::default()
    }) else {
        return;
    };
    let lex = Lexicon::embedded();
    let test: Vec<&Row> = rows
        .iter()
        .filter(|r| r.split == Split::Test && !r.spans.is_empty())
        .collect();
    assert!(test.len() > 50, "{} injected test rows", test.len());
    for r in test {
        for h in &r.heads {
            assert_eq!(lex.head_split(h), Some(Split::Train), "{} uses {h}", r.id);
        }
    }
}

#[test]
fn same_seed_same_rows() {
    let Some(a) = generate(400, 3) else { return };
    let b = generate(400, 3).unwrap();
    let c = generate(400, 4).unwrap();
    let key = |rows: &[Row]| {
        rows.iter()
            .map(|r| (r.id.clone(), r.text.clone(), r.spans.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b));
    assert_ne!(key(&a), key(&c));
}

#[test]
fn csv_files_are_written_and_read_back() {
    let Some(rows) = generate(300, 9) else { return };
    let dir = std::env::temp_dir().join(format!("spamsplice-synth-csv-{}", std::process::id()));
    let counts = synth::write_csvs(&rows, &dir).unwrap();
    assert_eq!(counts.iter().sum::<usize>(), rows.len());
    let mut rdr = csv::Reader::from_path(dir.join("train.csv")).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "lang", "slice", "text", "clean", "spans"]
    );
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let spans: Vec<synth::CharSpan> = serde_json::from_str(&rec[5]).unwrap();
        assert_eq!(synth::apply_spans(&rec[3], &spans), &rec[4]);
        n += 1;
    }
    assert_eq!(n, counts[0]);
    std::fs::remove_dir_all(&dir).ok();
}
