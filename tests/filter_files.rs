//! The filter stage over real files, with the mock cleaner (no model needed):
//! compression in and out, several inputs, spans and report files, finishing
//! a compressed output when a bad record stops the run, big inputs.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use spamsplice::pipeline::mock::MarkerCleaner;
use spamsplice::pipeline::{self, Counters, Format, OnError, Options, Paths};

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("filter_files")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_plain(p: &Path, data: &[u8]) {
    std::fs::write(p, data).unwrap();
}

fn write_gz(p: &Path, data: &[u8]) {
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(p).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(data).unwrap();
    e.finish().unwrap();
}

fn write_zst(p: &Path, data: &[u8]) {
    std::fs::write(p, zstd::encode_all(data, 1).unwrap()).unwrap();
}

fn read_any(p: &Path) -> Vec<u8> {
    let raw = std::fs::read(p).unwrap();
    let mut out = Vec::new();
    match p.extension().and_then(|e| e.to_str()) {
        Some("gz") => {
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("zst") => out = zstd::decode_all(&raw[..]).unwrap(),
        _ => out = raw,
    }
    out
}

fn jsonl(n: usize, from: usize) -> String {
    (from..from + n)
        .map(|i| {
            let text = if i % 3 == 0 {
                format!("story {i}\n<<\u{be}\u{df}>> goes on")
            } else {
                format!("story {i} is clean")
            };
            format!(
                "{}\n",
                serde_json::json!({"id": format!("d{i}"), "text": text, "meta": {"n": i}})
            )
        })
        .collect()
}

fn expected(input: &str) -> String {
    input.replace("\\n<<\u{be}\u{df}>> ", "")
}

fn opts(format: Format) -> Options {
    Options {
        format,
        threads: 2,
        batch_bytes: 4096,
        window_bytes: 256,
        ..Options::default()
    }
}

#[test]
fn jsonl_compressed_inputs_and_outputs() {
    let d = dir("compressed");
    let (a, b, c) = (jsonl(500, 0), jsonl(400, 500), jsonl(300, 900));
    write_gz(&d.join("a.jsonl.gz"), a.as_bytes());
    write_zst(&d.join("b.jsonl.zst"), b.as_bytes());
    write_plain(&d.join("c.jsonl"), c.as_bytes());
    for out in ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst"] {
        let paths = Paths {
            inputs: vec![
                d.join("a.jsonl.gz"),
                d.join("b.jsonl.zst"),
                d.join("c.jsonl"),
            ],
            output: Some(d.join(out)),
            spans: Some(d.join(format!("{out}.spans.jsonl.gz"))),
            report: Some(d.join(format!("{out}.report.csv"))),
        };
        let s = pipeline::run(
            &MarkerCleaner,
            &paths,
            &opts(Format::Jsonl),
            &Counters::default(),
        )
        .unwrap();
        assert_eq!(s.documents, 1200);
        assert_eq!(s.changed, 400);
        assert_eq!(s.spans, 400);
        assert_eq!(
            String::from_utf8(read_any(&d.join(out))).unwrap(),
            expected(&format!("{a}{b}{c}"))
        );
        let spans = String::from_utf8(read_any(&d.join(format!("{out}.spans.jsonl.gz")))).unwrap();
        let lines: Vec<&str> = spans.lines().collect();
        assert_eq!(lines.len(), 1200);
        assert_eq!(
            lines[0],
            r#"{"id": "d0", "attributes": {"spamsplice__gambling_injection": [[7, 15, 0.9]]}}"#
        );
        assert_eq!(
            lines[1],
            r#"{"id": "d1", "attributes": {"spamsplice__gambling_injection": []}}"#
        );
        let report = std::fs::read_to_string(d.join(format!("{out}.report.csv"))).unwrap();
        let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(report.as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 400);
        let row = &rows[0];
        assert_eq!(&row[0], "d0");
        assert_eq!(&row[4], "\n<<\u{be}\u{df}>> ");
    }
}

#[test]
fn fail_finishes_the_compressed_output() {
    let d = dir("fail");
    let mut input = jsonl(1000, 0);
    input.push_str("{\"id\": \"bad\", \"text\": \"\\udc00\"}\n");
    input.push_str(&jsonl(10, 1000));
    write_plain(&d.join("in.jsonl"), input.as_bytes());
    let paths = Paths {
        inputs: vec![d.join("in.jsonl")],
        output: Some(d.join("out.jsonl.gz")),
        ..Paths::default()
    };
    let e = pipeline::run(
        &MarkerCleaner,
        &paths,
        &opts(Format::Jsonl),
        &Counters::default(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("in.jsonl:1001: lone surrogate escape \\udc00"),
        "{msg}"
    );
    // The gzip stream is complete and holds every earlier record.
    assert_eq!(
        String::from_utf8(read_any(&d.join("out.jsonl.gz"))).unwrap(),
        expected(&jsonl(1000, 0))
    );
}

#[test]
fn pass_keeps_line_count() {
    let d = dir("pass");
    let mut input = jsonl(50, 0);
    input.push_str("garbage\n{\"text\": null}\n\n");
    input.push_str(&jsonl(50, 50));
    write_plain(&d.join("in.jsonl"), input.as_bytes());
    let paths = Paths {
        inputs: vec![d.join("in.jsonl")],
        output: Some(d.join("out.jsonl")),
        ..Paths::default()
    };
    let mut o = opts(Format::Jsonl);
    o.on_error = OnError::Pass;
    let s = pipeline::run(&MarkerCleaner, &paths, &o, &Counters::default()).unwrap();
    assert_eq!(s.passed, 3);
    let out = std::fs::read_to_string(d.join("out.jsonl")).unwrap();
    assert_eq!(out.lines().count(), input.lines().count());
    assert_eq!(out, expected(&input));
}

#[test]
fn missing_input_is_an_io_error_before_any_output() {
    let d = dir("missing");
    write_plain(&d.join("a.txt"), b"hello\n");
    let paths = Paths {
        inputs: vec![d.join("a.txt"), d.join("nope.txt")],
        output: Some(d.join("out.txt")),
        ..Paths::default()
    };
    let e = pipeline::run(
        &MarkerCleaner,
        &paths,
        &opts(Format::Text),
        &Counters::default(),
    )
    .unwrap_err();
    assert!(matches!(e, spamsplice::Error::Io { .. }), "{e}");
    assert!(e.to_string().contains("nope.txt"));
    assert!(!d.join("out.txt").exists());
}

#[test]
fn corrupt_gzip_is_an_io_error_naming_the_file() {
    let d = dir("corrupt");
    write_plain(&d.join("bad.jsonl.gz"), b"\x1f\x8b\x08\x00garbage garbage");
    let paths = Paths {
        inputs: vec![d.join("bad.jsonl.gz")],
        output: Some(d.join("out.jsonl")),
        ..Paths::default()
    };
    let e = pipeline::run(
        &MarkerCleaner,
        &paths,
        &opts(Format::Jsonl),
        &Counters::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("bad.jsonl.gz"), "{e}");
}

#[test]
fn text_file_streams_in_windows_with_spans() {
    let d = dir("text");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("line {i} é한\r\n"));
        if i % 1000 == 999 {
            text.push_str("<<x>> ");
        }
    }
    write_zst(&d.join("doc.txt.zst"), text.as_bytes());
    let paths = Paths {
        inputs: vec![d.join("doc.txt.zst")],
        output: Some(d.join("out.txt.gz")),
        spans: Some(d.join("spans.jsonl")),
        report: None,
    };
    let s = pipeline::run(
        &MarkerCleaner,
        &paths,
        &opts(Format::Text),
        &Counters::default(),
    )
    .unwrap();
    assert_eq!((s.documents, s.changed, s.spans), (1, 1, 20));
    let whole = spamsplice::pipeline::Cleaner::clean(&MarkerCleaner, &text);
    assert_eq!(
        String::from_utf8(read_any(&d.join("out.txt.gz"))).unwrap(),
        whole.text
    );
    let spans: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("spans.jsonl")).unwrap()).unwrap();
    assert!(spans["id"].as_str().unwrap().ends_with("doc.txt.zst"));
    let got: Vec<(u64, u64)> = spans["attributes"]["spamsplice__gambling_injection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s[0].as_u64().unwrap(), s[1].as_u64().unwrap()))
        .collect();
    let want: Vec<(u64, u64)> = spamsplice::char_offsets(&text, &whole.spans)
        .into_iter()
        .map(|(a, b)| (a as u64, b as u64))
        .collect();
    assert_eq!(got, want);
}

/// A 100 MB line, in text and JSONL mode.
#[test]
fn hundred_megabyte_line() {
    let d = dir("huge");
    let mut line = "ab".repeat(50_000_000);
    line.push_str("\n<<x>> end\n");
    write_plain(&d.join("big.txt"), line.as_bytes());
    let paths = Paths {
        inputs: vec![d.join("big.txt")],
        output: Some(d.join("out.txt")),
        ..Paths::default()
    };
    let mut o = opts(Format::Text);
    o.window_bytes = 1 << 20;
    let s = pipeline::run(&MarkerCleaner, &paths, &o, &Counters::default()).unwrap();
    assert_eq!(s.spans, 1);
    let out = std::fs::read(d.join("out.txt")).unwrap();
    assert_eq!(out.len(), line.len() - "\n<<x>> ".len());
    assert!(out.ends_with(b"ababend\n"));
    drop(out);

    let rec = format!(
        "{{\"id\": 1, \"text\": {}}}\n",
        serde_json::to_string(&line).unwrap()
    );
    write_plain(&d.join("big.jsonl"), rec.as_bytes());
    let paths = Paths {
        inputs: vec![d.join("big.jsonl")],
        output: Some(d.join("out.jsonl")),
        ..Paths::default()
    };
    let s = pipeline::run(
        &MarkerCleaner,
        &paths,
        &opts(Format::Jsonl),
        &Counters::default(),
    )
    .unwrap();
    assert_eq!(s.changed, 1);
    let out = std::fs::read(d.join("out.jsonl")).unwrap();
    assert_eq!(out.len(), rec.len() - "\\n<<x>> ".len());
}
