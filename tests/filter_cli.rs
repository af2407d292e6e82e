//! `spamsplice filter` as a command: arguments, errors and exit codes; the
//! end-to-end checks that need the embedded model skip (with a message) while
//! models/default.model is a placeholder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::model_ready;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spamsplice"))
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut si = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let t = std::thread::spawn(move || {
        let _ = si.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    t.join().unwrap();
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    common::tmp("filter_cli", name)
}

/// The seed under `../shared`, or `None` (with the reason printed) on a clone
/// that has no `../shared` beside it.
fn seed_files() -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed");
    let input = dir.join("000_25d65b13181b6f2f.txt");
    let clean = dir.join("000_25d65b13181b6f2f.clean.txt");
    if input.is_file() && clean.is_file() {
        Some((input, clean))
    } else {
        eprintln!("skipping: ../shared/seed is absent (CI provides it)");
        None
    }
}

#[test]
fn help_documents_the_interface_and_exit_codes() {
    let o = run(&["filter", "--help"], b"");
    assert!(o.status.success());
    let help = String::from_utf8(o.stdout).unwrap();
    for flag in [
        "--output",
        "--format",
        "--field",
        "--model",
        "--spans",
        "--report",
        "--threads",
        "--threshold",
        "--on-error",
        "--input-encoding",
        "--quiet",
        "Exit status",
        "0  success",
        "1  usage, I/O or model error",
        "2  bad input",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn missing_model_file_is_exit_1() {
    let o = run(&["filter", "--model", "/nonexistent/model.bin"], b"text\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/nonexistent/model.bin"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn corrupt_model_file_is_exit_1_not_a_panic() {
    let d = tmp("corrupt_model");
    for (name, bytes) in [
        ("empty.model", &b""[..]),
        ("junk.model", b"\x00\x01garbage not a model"),
        ("text.model", b"{\"version\": 99}"),
    ] {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = run(&["filter", "--model", p.to_str().unwrap()], b"text\n");
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("model"), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
    }
}

#[test]
fn bad_arguments_are_refused() {
    for args in [
        &["filter", "--input-encoding", "cp949"][..],
        &["filter", "--field", "a..b"],
        &["filter", "--threshold", "NaN"],
    ] {
        let o = run(args, b"");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("error"), "{args:?}");
    }
    // clap's own usage errors.
    let o = run(&["filter", "--on-error", "explode"], b"");
    assert!(!o.status.success());
    let o = run(&["filter", "--format", "xml"], b"");
    assert!(!o.status.success());
}

#[test]
fn seed_article_is_restored_byte_for_byte() {
    if !model_ready() {
        return;
    }
    let Some((seed, clean)) = seed_files() else {
        return;
    };
    let want = std::fs::read(clean).unwrap();
    let o = run(&["filter", "--quiet", seed.to_str().unwrap()], b"");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&want)
    );
    // Also through stdin, and inside JSONL with spans a dolma mixer can apply.
    let o = run(&["filter", "--quiet"], &std::fs::read(&seed).unwrap());
    assert_eq!(o.stdout, want);
    let text = std::fs::read_to_string(&seed).unwrap();
    let d = tmp("seed");
    let rec = format!(
        "{}\n",
        serde_json::json!({"id": "seed", "text": text, "source": "x"})
    );
    std::fs::write(d.join("in.jsonl"), &rec).unwrap();
    let spans = d.join("spans.jsonl");
    let o = run(
        &[
            "filter",
            "--quiet",
            d.join("in.jsonl").to_str().unwrap(),
            "--spans",
            spans.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["text"].as_str().unwrap().as_bytes(), &want[..]);
    assert_eq!(v["source"], "x");
    // Deleting the spans (code points) from the input gives the same text.
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spans).unwrap()).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let mut keep = vec![true; chars.len()];
    for s in a["attributes"]["spamsplice__gambling_injection"]
        .as_array()
        .unwrap()
    {
        for k in keep
            .iter_mut()
            .take(s[1].as_u64().unwrap() as usize)
            .skip(s[0].as_u64().unwrap() as usize)
        {
            *k = false;
        }
    }
    let mixed: String = chars
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| c)
        .collect();
    assert_eq!(mixed.as_bytes(), &want[..]);
}

#[test]
fn bad_jsonl_line_is_exit_2_after_earlier_records() {
    if !model_ready() {
        return;
    }
    let input =
        b"{\"id\": 1, \"text\": \"A clean sentence.\"}\nnot json\n{\"id\": 3, \"text\": \"x\"}\n";
    let o = run(&["filter", "--format", "jsonl"], input);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("-:2: not JSON"), "{}", stderr(&o));
    assert_eq!(o.stdout, b"{\"id\": 1, \"text\": \"A clean sentence.\"}\n");
    let o = run(
        &["filter", "--format", "jsonl", "--on-error", "pass"],
        input,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(o.stdout, input);
    assert!(
        stderr(&o).contains("1 refused (1 passed, 0 skipped)"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &[
            "filter",
            "--format",
            "jsonl",
            "--on-error",
            "skip",
            "--quiet",
        ],
        input,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty());
}

#[test]
fn invalid_utf8_text_is_exit_2_naming_file_and_offset() {
    if !model_ready() {
        return;
    }
    let d = tmp("utf8");
    let p = d.join("latin.txt");
    std::fs::write(&p, b"Caf\xe9 society\n").unwrap();
    let o = run(&["filter", p.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("latin.txt:1: invalid UTF-8 at byte offset 3"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &[
            "filter",
            "--quiet",
            "--input-encoding",
            "windows-1252",
            p.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "Café society\n");
}

#[test]
fn clean_documents_pass_through_unchanged() {
    if !model_ready() {
        return;
    }
    let input =
        "First paragraph of a clean story.\r\n\r\nSecond one, with a NUL \0 and no final newline";
    let o = run(&["filter", "--quiet"], input.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, input.as_bytes());
    let o = run(&["filter", "--quiet"], b"");
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
}

#[test]
fn campaign_mode_refuses_standard_input() {
    let o = run(&["filter", "--campaign"], b"text\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("give files, not standard input"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn campaign_mode_stops_at_a_bad_line_before_writing_anything() {
    if !model_ready() {
        return;
    }
    let d = tmp("campaign_bad");
    let input = d.join("in.jsonl");
    std::fs::write(&input, b"{\"id\": 1, \"text\": \"fine\"}\nnot json\n").unwrap();
    let out = d.join("out.jsonl");
    let o = run(
        &[
            "filter",
            "--campaign",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("in.jsonl:2: not JSON"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// `data/samples/campaign.jsonl`: news briefs we wrote, 24 of them carrying
/// a new site name signed (a domain beside it, a suffix glued on), two with
/// the name bare in a sentence, one clean. Alone, each bare name reads as
/// a word; the corpus shows it is the campaign's.
#[test]
fn campaign_mode_finds_a_name_the_corpus_shows_signed_elsewhere() {
    if !model_ready() {
        return;
    }
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples");
    let input = samples.join("campaign.jsonl");
    let want = std::fs::read_to_string(samples.join("campaign.clean.jsonl")).unwrap();
    let o = run(
        &["filter", "--quiet", "--campaign", input.to_str().unwrap()],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);
    // One document at a time, the bare names stay.
    let o = run(&["filter", "--quiet", input.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = String::from_utf8(o.stdout).unwrap();
    let bare: Vec<&str> = got.lines().filter(|l| l.contains("드래곤포커")).collect();
    assert_eq!(bare.len(), 2, "{got}");
    assert!(bare[0].contains("협회 회원들은 드래곤포커 매주 봉사에 나선다."));
    assert!(bare[1].contains("두 달 빨리 드래곤포커 끝났다."));
}

/// The same sample as two shards: each remembered on its own, the memories
/// added up, both rounds, then each shard filtered in one pass (one from
/// standard input) gives what `--campaign` gives over the whole.
#[test]
fn shard_memories_added_up_clean_as_the_whole_corpus() {
    if !model_ready() {
        return;
    }
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples");
    let all = std::fs::read_to_string(samples.join("campaign.jsonl")).unwrap();
    let want = std::fs::read_to_string(samples.join("campaign.clean.jsonl")).unwrap();
    let d = tmp("shards");
    let lines: Vec<&str> = all.split_inclusive('\n').collect();
    let (a, b) = lines.split_at(14);
    let (s1, s2) = (d.join("s1.jsonl"), d.join("s2.jsonl"));
    std::fs::write(&s1, a.concat()).unwrap();
    std::fs::write(&s2, b.concat()).unwrap();
    let p = |x: &Path| x.to_str().unwrap().to_string();
    let (first, m) = (d.join("first.mem"), d.join("all.mem"));
    // Each round: every shard remembered on its own, then the sum.
    for (round, sum) in [(None, &first), (Some(&first), &m)] {
        let (m1, m2) = (d.join("1.mem"), d.join("2.mem"));
        for (shard, mem) in [(&s1, &m1), (&s2, &m2)] {
            let mut a = vec!["remember".to_string(), "--quiet".into(), p(shard)];
            if let Some(f) = round {
                a.extend(["--first-round".into(), p(f)]);
            }
            a.extend(["-o".into(), p(mem)]);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let o = run(&a, b"");
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        let o = run(
            &[
                "remember",
                "--memory",
                &p(&m1),
                "--memory",
                &p(&m2),
                "-o",
                &p(sum),
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o1 = run(&["filter", "--quiet", "--memory", &p(&m), &p(&s1)], b"");
    assert_eq!(o1.status.code(), Some(0), "{}", stderr(&o1));
    let o2 = run(
        &["filter", "--quiet", "--format", "jsonl", "--memory", &p(&m)],
        b.concat().as_bytes(),
    );
    assert_eq!(o2.status.code(), Some(0), "{}", stderr(&o2));
    let got = String::from_utf8([o1.stdout, o2.stdout].concat()).unwrap();
    assert_eq!(got, want);
}

#[test]
fn a_memory_from_another_model_or_damaged_is_refused() {
    if !model_ready() {
        return;
    }
    let d = tmp("memory_bad");
    let bad = d.join("bad.mem");
    std::fs::write(&bad, b"SSMEMORY\x02\0\0\0").unwrap();
    let o = run(&["filter", "--memory", bad.to_str().unwrap()], b"text\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bad.mem: truncated memory file"),
        "{}",
        stderr(&o)
    );
    // A memory whose model fingerprint is not this model's.
    let mut other = b"SSMEMORY\x02\0\0\0\x16\0\0\0".to_vec();
    other.extend_from_slice(&7u64.to_le_bytes());
    let body = [0u8; 16];
    other.extend_from_slice(&(body.len() as u64).to_le_bytes());
    other.extend_from_slice(&zstd::bulk::compress(&body, 1).unwrap());
    std::fs::write(&bad, &other).unwrap();
    let o = run(&["filter", "--memory", bad.to_str().unwrap()], b"text\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("made with another model"),
        "{}",
        stderr(&o)
    );
    // Nothing to remember is a usage error.
    let out = d.join("x.mem");
    let o = run(&["remember", "-o", out.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to remember"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// `filter --repair-mojibake` on `content` written to `dir/name`, with
/// `--spans` and `--report`: (stdout, spans file, report file, input path).
fn repair_with_sinks(dir: &str, name: &str, content: &str) -> (String, String, String, PathBuf) {
    let d = tmp(dir);
    let input = d.join(name);
    std::fs::write(&input, content).unwrap();
    let (spans, report) = (d.join("s.jsonl"), d.join("r.csv"));
    let o = run(
        &[
            "filter",
            "--repair-mojibake",
            "--quiet",
            "--spans",
            spans.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    (
        String::from_utf8(o.stdout).unwrap(),
        std::fs::read_to_string(&spans).unwrap(),
        std::fs::read_to_string(&report).unwrap(),
        input,
    )
}

#[test]
fn repairs_are_listed_in_the_spans_and_report_files() {
    if !model_ready() {
        return;
    }
    let (out, attrs, csv, _) = repair_with_sinks(
        "repair_sinks",
        "in.jsonl",
        concat!(
            "{\"id\":\"k\",\"text\":\"¹Ì±¹ÀÇ ¼º¸ð¶õ ¸»ÀÌ´Ù\"}\n",
            "{\"id\":\"s\",\"text\":\"He said ¡°we will rebuild¡± at a foundation stone for restorin\\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations.\"}\n",
            "{\"id\":\"e\",\"text\":\"plain\"}\n",
        ),
    );
    assert_eq!(
        out,
        concat!(
            "{\"id\":\"k\",\"text\":\"미국의 성모란 말이다\"}\n",
            "{\"id\":\"s\",\"text\":\"He said “we will rebuild” at a foundation stone for restoring Korea-China relations.\"}\n",
            "{\"id\":\"e\",\"text\":\"plain\"}\n",
        )
    );
    // Offsets are code points of the input: the quote after the removed
    // fragment is not moved, the fragment's own offsets are the input's.
    let lines: Vec<serde_json::Value> = attrs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let repaired = |i: usize| lines[i]["attributes"]["spamsplice__mojibake_repair"].clone();
    assert_eq!(
        repaired(0),
        serde_json::json!([[0, 6, "미국의"], [7, 13, "성모란"], [14, 20, "말이다"]])
    );
    assert_eq!(
        repaired(1),
        serde_json::json!([[8, 12, "“we"], [18, 27, "rebuild”"]])
    );
    assert_eq!(repaired(2), serde_json::json!([]));
    let removed = &lines[1]["attributes"]["spamsplice__gambling_injection"][0];
    assert_eq!(
        (removed[0].as_u64(), removed[1].as_u64()),
        (Some(62), Some(78))
    );
    let score = removed[2].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&score), "{score}");
    let rows: Vec<&str> = csv.split('\n').collect();
    assert_eq!(rows[0], "id,start,end,score,fragment,decoded,action");
    assert_eq!(rows[1], "k,0,6,,¹Ì±¹ÀÇ,미국의,repaired");
    assert!(csv.contains(",바다이야기게임장,removed\n"), "{csv}");
    assert!(
        csv.ends_with("s,18,27,,rebuild¡±,rebuild”,repaired\n"),
        "{csv}"
    );
}

#[test]
fn repair_mojibake_rewrites_a_jsonl_field_and_a_text_document() {
    if !model_ready() {
        return;
    }
    let input = "{\"id\":\"k\",\"text\":\"¹Ì±¹ÀÇ ¼º¸ð¶õ ¸»ÀÌ´Ù\"}\n{\"id\":\"e\",\"text\":\"caf\\u00e9 déjà vu\"}\n";
    let on = run(
        &[
            "filter",
            "--format",
            "jsonl",
            "--repair-mojibake",
            "--quiet",
        ],
        input.as_bytes(),
    );
    assert!(on.status.success(), "{}", stderr(&on));
    assert_eq!(
        String::from_utf8(on.stdout).unwrap(),
        "{\"id\":\"k\",\"text\":\"미국의 성모란 말이다\"}\n{\"id\":\"e\",\"text\":\"caf\\u00e9 déjà vu\"}\n"
    );
    let off = run(
        &["filter", "--format", "jsonl", "--quiet"],
        input.as_bytes(),
    );
    assert_eq!(String::from_utf8(off.stdout).unwrap(), input);
    // Text input: the document repaired line by line, the same reading.
    let doc = "¹Ì±¹ÀÇ ¼º¸ð¶õ ¸»ÀÌ´Ù\ncafé déjà vu\n";
    let text = run(&["filter", "--repair-mojibake", "--quiet"], doc.as_bytes());
    assert!(text.status.success(), "{}", stderr(&text));
    assert_eq!(
        String::from_utf8(text.stdout).unwrap(),
        "미국의 성모란 말이다\ncafé déjà vu\n"
    );
    let off = run(&["filter", "--quiet"], doc.as_bytes());
    assert!(off.status.success(), "{}", stderr(&off));
    assert_eq!(String::from_utf8(off.stdout).unwrap(), doc);
    // Its spans and report name code points of the input file, as in JSONL.
    let (out, attrs, csv, input) = repair_with_sinks(
        "repair_text_sinks",
        "in.txt",
        "He said ¡°we will rebuild¡± at a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations.\n",
    );
    assert_eq!(
        out,
        "He said “we will rebuild” at a foundation stone for restoring Korea-China relations.\n"
    );
    let line: serde_json::Value = serde_json::from_str(&attrs).unwrap();
    assert_eq!(
        line["attributes"]["spamsplice__mojibake_repair"],
        serde_json::json!([[8, 12, "“we"], [18, 27, "rebuild”"]])
    );
    let removed = &line["attributes"]["spamsplice__gambling_injection"];
    assert_eq!(removed.as_array().map(|a| a.len()), Some(1), "{removed}");
    assert_eq!(
        (removed[0][0].as_u64(), removed[0][1].as_u64()),
        (Some(62), Some(78))
    );
    let (id, score) = (input.to_str().unwrap(), removed[0][2].to_string());
    assert_eq!(
        csv,
        format!(
            "id,start,end,score,fragment,decoded,action\n\
             {id},62,78,{score},\"\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå \",바다이야기게임장,removed\n\
             {id},8,12,,¡°we,“we,repaired\n\
             {id},18,27,,rebuild¡±,rebuild”,repaired\n"
        )
    );
}
