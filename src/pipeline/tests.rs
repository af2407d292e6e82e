use super::mock::{IdentityCleaner, MarkerCleaner};
use super::*;
use crate::span::char_offsets;
use proptest::prelude::*;

struct Out {
    output: Vec<u8>,
    spans: String,
    report: String,
    summary: Summary,
}

fn run_mem<C: Cleaner + ?Sized>(c: &C, inputs: &[&[u8]], opts: &Options) -> (Result<Summary>, Out) {
    let sources = inputs
        .iter()
        .enumerate()
        .map(|(i, b)| Source::new(format!("in{i}"), std::io::Cursor::new(b.to_vec())))
        .collect();
    let (mut o, mut s, mut r) = (Vec::new(), Vec::new(), Vec::new());
    let res = run_streams(
        c,
        sources,
        Sinks {
            output: &mut o,
            spans: Some(&mut s),
            report: Some(&mut r),
        },
        opts,
        &Counters::default(),
    );
    let summary = res.as_ref().cloned().unwrap_or_default();
    (
        res,
        Out {
            output: o,
            spans: String::from_utf8(s).unwrap(),
            report: String::from_utf8(r).unwrap(),
            summary,
        },
    )
}

fn ok<C: Cleaner + ?Sized>(c: &C, inputs: &[&[u8]], opts: &Options) -> Out {
    let (r, o) = run_mem(c, inputs, opts);
    r.unwrap();
    o
}

fn text_opts(window: usize, threads: usize) -> Options {
    Options {
        format: Format::Text,
        window_bytes: window,
        threads,
        ..Options::default()
    }
}

fn jsonl_opts(batch: usize, threads: usize) -> Options {
    Options {
        format: Format::Jsonl,
        batch_bytes: batch,
        threads,
        ..Options::default()
    }
}

/// The dolma spans line the whole-document mock gives.
fn expected_spans(id: &str, text: &str) -> String {
    let spans = MarkerCleaner::spans(text);
    let items: Vec<String> = char_offsets(text, &spans)
        .iter()
        .map(|(a, b)| format!("[{a}, {b}, 0.9]"))
        .collect();
    format!(
        "{{\"id\": {}, \"attributes\": {{\"spamsplice__gambling_injection\": [{}]}}}}\n",
        serde_json::to_string(id).unwrap(),
        items.join(", ")
    )
}

#[test]
fn text_seed_like_document() {
    let input = "a foundation stone for restorin\n<<¹Ù´Ù>> g Korea-China relations\nNov. 1,\n<<x>>\n in Seoul\n";
    for window in [1, 5, 16, 1 << 20] {
        let o = ok(&MarkerCleaner, &[input.as_bytes()], &text_opts(window, 2));
        assert_eq!(
            String::from_utf8(o.output).unwrap(),
            MarkerCleaner.clean(input).text,
            "window {window}"
        );
        assert_eq!(o.spans, expected_spans("in0", input), "window {window}");
        assert_eq!(o.summary.documents, 1);
        assert_eq!(o.summary.changed, 1);
        assert_eq!(o.summary.spans, 2);
        assert!(
            o.report
                .starts_with("id,start,end,score,fragment,decoded\nin0,31,"),
            "{}",
            o.report
        );
    }
}

#[test]
fn text_edge_cases_pass_through() {
    for input in [
        &b""[..],
        b"\n",
        b"no newline",
        b"a\r\nb\r\n",
        b"nul\0byte\n\0",
        b"\n\n\n",
        "é\n한국어\n".as_bytes(),
    ] {
        for window in [1, 3, 1 << 20] {
            let o = ok(&MarkerCleaner, &[input], &text_opts(window, 1));
            assert_eq!(o.output, input, "window {window}");
            assert_eq!(
                o.spans,
                expected_spans("in0", std::str::from_utf8(input).unwrap())
            );
        }
    }
}

#[test]
fn text_crlf_marker_at_line_start() {
    let input = "one\r\n<<x>> two\r\nthree";
    let o = ok(&MarkerCleaner, &[input.as_bytes()], &text_opts(2, 2));
    assert_eq!(String::from_utf8(o.output).unwrap(), "one\rtwo\r\nthree");
}

#[test]
fn text_several_inputs_are_several_documents() {
    let o = ok(
        &MarkerCleaner,
        &[b"a <<x>>b\n", b"c\n<<y>> d"],
        &text_opts(4, 2),
    );
    assert_eq!(o.output, b"a b\ncd");
    assert_eq!(o.summary.documents, 2);
    assert_eq!(o.spans.lines().count(), 2);
    assert!(o
        .spans
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("{\"id\": \"in1\""));
}

#[test]
fn text_invalid_utf8_names_file_and_offset() {
    let input = b"line one\nline two \xff\xfe rest\n";
    let (r, _) = run_mem(&IdentityCleaner, &[input], &text_opts(1 << 20, 1));
    let e = r.unwrap_err().to_string();
    assert!(
        e.starts_with("in0:2: invalid UTF-8 at byte offset 18"),
        "{e}"
    );
    // Also when the bad byte is far into a streamed file.
    let mut big = "x\n".repeat(100_000).into_bytes();
    big.push(0xC3);
    big.extend_from_slice(b"(\n");
    let (r, _) = run_mem(&IdentityCleaner, &[&big], &text_opts(1000, 1));
    let e = r.unwrap_err().to_string();
    assert!(
        e.starts_with("in0:100001: invalid UTF-8 at byte offset 200000"),
        "{e}"
    );
}

#[test]
fn text_truncated_utf8_at_eof_is_an_error() {
    let (r, _) = run_mem(&IdentityCleaner, &[b"abc\xea\xb0"], &text_opts(1 << 20, 1));
    assert!(r.unwrap_err().to_string().contains("byte offset 3"));
}

#[test]
fn text_legacy_encodings() {
    let (korean, _, _) = encoding_rs::EUC_KR.encode("바다이야기 게임장\n뉴스 본문\n");
    let mut opts = text_opts(8, 2);
    opts.input_encoding = InputEncoding::from_label("euc-kr").unwrap();
    let o = ok(&IdentityCleaner, &[&korean], &opts);
    assert_eq!(
        String::from_utf8(o.output).unwrap(),
        "바다이야기 게임장\n뉴스 본문\n"
    );
    // UTF-8 stays UTF-8 even with a fallback named.
    let o = ok(&IdentityCleaner, &["한국 é\n".as_bytes()], &opts);
    assert_eq!(String::from_utf8(o.output).unwrap(), "한국 é\n");
    // auto: chardetng on the undecodable part.
    let long = "서울에서 열린 회의에서 정부는 새로운 경제 정책을 발표했다. 전문가들은 이번 조치가 시장에 긍정적인 영향을 줄 것이라고 말했다.\n".repeat(20);
    let (bytes, _, _) = encoding_rs::EUC_KR.encode(&long);
    opts.input_encoding = InputEncoding::Auto;
    let o = ok(&IdentityCleaner, &[&bytes], &opts);
    assert_eq!(String::from_utf8(o.output).unwrap(), long);
    assert!(InputEncoding::from_label("no-such-encoding").is_none());
    assert!(InputEncoding::from_label("cp949").is_none());
}

#[test]
fn text_huge_line_is_one_window() {
    let mut input = "start\n".to_string();
    input.push_str(&"y".repeat(3_000_000));
    input.push_str("\n<<z>> tail\n");
    let o = ok(&MarkerCleaner, &[input.as_bytes()], &text_opts(64 << 10, 2));
    assert_eq!(o.output, MarkerCleaner.clean(&input).text.as_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Windowed cleaning equals one call on the whole document, for any
    /// window size, including the code-point offsets of the spans.
    #[test]
    fn windows_equal_whole_document(
        parts in prop::collection::vec(prop_oneof![
            Just("\n".to_string()), Just("\r\n".to_string()), Just(" ".to_string()),
            Just("<<".to_string()), Just(">>".to_string()), Just("<<¾ß¸¶>>".to_string()),
            Just("\n<<x>> ".to_string()), "[a-z]{1,5}", "[가-힣é😀]{1,3}",
        ], 0..40),
        window in 1usize..40,
        threads in 1usize..3,
    ) {
        let input: String = parts.concat();
        let o = ok(&MarkerCleaner, &[input.as_bytes()], &text_opts(window, threads));
        prop_assert_eq!(String::from_utf8(o.output).unwrap(), MarkerCleaner.clean(&input).text.into_owned());
        prop_assert_eq!(o.spans, expected_spans("in0", &input));
    }
}

// ---------------------------------------------------------------- JSONL

fn jline(v: serde_json::Value) -> String {
    let mut s = serde_json::to_string(&v).unwrap();
    s.push('\n');
    s
}

#[test]
fn jsonl_splices_only_the_field() {
    let input = concat!(
        r#"{"id": "a", "text": "clean text\nhere", "n": 1.50, "x": "\u00e9"}"#,
        "\n",
        r#"{"text":"restorin\n<<\u00be\u00df>> g Korea", "id":2,"meta":{"k":[1,2e5]}}"#,
        "\r\n",
        r#"{"id": "c", "text": "mid <<x>>word \ud83d\ude00 <<y>>"}"#,
        "\n",
    );
    let o = ok(&MarkerCleaner, &[input.as_bytes()], &jsonl_opts(1 << 20, 2));
    let out = String::from_utf8(o.output).unwrap();
    let lines: Vec<&str> = out.split_inclusive('\n').collect();
    let inl: Vec<&str> = input.split_inclusive('\n').collect();
    assert_eq!(lines[0], inl[0]);
    assert_eq!(
        lines[1],
        "{\"text\":\"restoring Korea\", \"id\":2,\"meta\":{\"k\":[1,2e5]}}\r\n"
    );
    assert_eq!(
        lines[2],
        "{\"id\": \"c\", \"text\": \"mid word \\ud83d\\ude00 \"}\n"
    );
    assert_eq!(o.summary.documents, 3);
    assert_eq!(o.summary.changed, 2);
    assert_eq!(o.summary.spans, 3);
    let spans: Vec<&str> = o.spans.lines().collect();
    assert_eq!(
        spans[0],
        r#"{"id": "a", "attributes": {"spamsplice__gambling_injection": []}}"#
    );
    assert_eq!(
        spans[1],
        r#"{"id": 2, "attributes": {"spamsplice__gambling_injection": [[8, 16, 0.9]]}}"#
    );
    assert_eq!(
        spans[2],
        r#"{"id": "c", "attributes": {"spamsplice__gambling_injection": [[4, 9, 0.9], [16, 21, 0.9]]}}"#
    );
    assert!(
        o.report.contains("\n2,8,16,0.9,\"\n<<¾ß>> \","),
        "{}",
        o.report
    );
}

#[test]
fn jsonl_nested_field() {
    let input = r#"{"id": 1, "metadata": {"body": "a<<x>>b", "text": "<<y>>"}, "text": "<<z>>"}"#;
    let mut opts = jsonl_opts(1 << 20, 1);
    opts.field = "metadata.body".into();
    let o = ok(&MarkerCleaner, &[input.as_bytes()], &opts);
    assert_eq!(
        String::from_utf8(o.output).unwrap(),
        input.replace("a<<x>>b", "ab")
    );
}

fn bad_input() -> Vec<u8> {
    [
        &br#"{"id": 1, "text": "ok <<x>>"}"#[..],
        b"not json",
        b"[1]",
        br#"{"id": 4}"#,
        br#"{"id": 5, "text": 5}"#,
        br#"{"id": 6, "text": "\ud800 python"}"#,
        b"",
        b"{\"id\": 8, \"text\": \"bad \xff utf8\"}",
        br#"{"id": 9, "text": "fine"}"#,
    ]
    .join(&b'\n')
}

#[test]
fn jsonl_fail_stops_after_writing_earlier_records() {
    let input = bad_input();
    let (r, o) = run_mem(&MarkerCleaner, &[&input], &jsonl_opts(8, 2));
    match r.unwrap_err() {
        Error::Data { path, line, reason } => {
            assert_eq!(path.to_str().unwrap(), "in0");
            assert_eq!(line, 2);
            assert!(reason.starts_with("not JSON"), "{reason}");
        }
        e => panic!("{e}"),
    }
    assert_eq!(
        String::from_utf8(o.output).unwrap(),
        "{\"id\": 1, \"text\": \"ok \"}\n"
    );
}

#[test]
fn jsonl_pass_keeps_every_line_and_skip_drops_bad_ones() {
    let input = bad_input();
    let mut opts = jsonl_opts(16, 2);
    opts.on_error = OnError::Pass;
    let o = ok(&MarkerCleaner, &[&input], &opts);
    let expected = [
        &br#"{"id": 1, "text": "ok "}"#[..],
        &input[input.iter().position(|&b| b == b'\n').unwrap()..],
    ]
    .concat();
    assert_eq!(o.output, expected);
    assert_eq!(
        (o.summary.documents, o.summary.passed, o.summary.skipped),
        (9, 7, 0)
    );
    assert_eq!(o.spans.lines().count(), 9);
    assert!(o.spans.contains(r#"{"id": "in0:2", "#));
    opts.on_error = OnError::Skip;
    let o = ok(&MarkerCleaner, &[&input], &opts);
    assert_eq!(
        String::from_utf8(o.output).unwrap(),
        "{\"id\": 1, \"text\": \"ok \"}\n{\"id\": 9, \"text\": \"fine\"}"
    );
    assert_eq!((o.summary.passed, o.summary.skipped), (0, 7));
    assert_eq!(o.spans.lines().count(), 9);
}

#[test]
fn jsonl_reasons_name_the_problem() {
    let input = bad_input();
    let lines: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    let expect = [
        (3, "not a JSON object but an array"),
        (4, "no field `text`"),
        (5, "field `text` is a number, not a string"),
        (6, "lone surrogate escape \\ud800"),
        (7, "empty line, not a JSON object"),
        (8, "invalid UTF-8"),
    ];
    for (n, want) in expect {
        let line = [lines[n - 1], b"\n"].concat();
        let (r, _) = run_mem(&IdentityCleaner, &[&line], &jsonl_opts(1 << 20, 1));
        let e = r.unwrap_err().to_string();
        assert!(
            e.starts_with("in0:1: ") && e.contains(want),
            "line {n}: {e}"
        );
    }
}

#[test]
fn jsonl_empty_input_and_missing_final_newline() {
    let o = ok(&MarkerCleaner, &[b""], &jsonl_opts(1 << 20, 1));
    assert_eq!(o.output, b"");
    assert_eq!(o.summary.documents, 0);
    // Two inputs, the first without a final newline: lines stay separate.
    let o = ok(
        &MarkerCleaner,
        &[br#"{"text": "a"}"#, br#"{"text": "<<b>>"}"#],
        &jsonl_opts(1 << 20, 1),
    );
    assert_eq!(o.output, b"{\"text\": \"a\"}\n{\"text\": \"\"}");
}

#[test]
fn jsonl_order_kept_with_tiny_batches_and_threads() {
    let mut input = String::new();
    for i in 0..3000 {
        let text = if i % 7 == 0 {
            format!("doc {i}\n<<spam {i}>> rest")
        } else {
            format!("doc {i} clean")
        };
        input.push_str(&jline(serde_json::json!({"id": i, "text": text})));
    }
    for (batch, threads) in [(1, 2), (100, 2), (1 << 20, 1), (4096, 4)] {
        let o = ok(
            &MarkerCleaner,
            &[input.as_bytes()],
            &jsonl_opts(batch, threads),
        );
        let out = String::from_utf8(o.output).unwrap();
        for (i, l) in out.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["id"], i);
            let want = if i % 7 == 0 {
                format!("doc {i}rest")
            } else {
                format!("doc {i} clean")
            };
            assert_eq!(v["text"], want);
        }
        assert_eq!(out.lines().count(), 3000);
        assert_eq!(o.summary.changed, 3000 / 7 + 1);
    }
}

#[test]
fn jsonl_huge_line() {
    let text = format!("{}\n<<x>> {}", "a".repeat(3_000_000), "é".repeat(1000));
    let input = jline(serde_json::json!({"text": text, "id": "big"}));
    let o = ok(
        &MarkerCleaner,
        &[input.as_bytes()],
        &jsonl_opts(64 << 10, 2),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.output).unwrap();
    assert_eq!(v["text"].as_str().unwrap(), MarkerCleaner.clean(&text).text);
}

#[test]
fn panicking_cleaner_is_a_bad_record() {
    struct Boom;
    impl Cleaner for Boom {
        fn clean<'a>(&self, text: &'a str) -> Cleaned<'a> {
            if text.contains("boom") {
                panic!("boom");
            }
            Cleaned::unchanged(text)
        }
    }
    let input = "{\"text\": \"ok\"}\n{\"text\": \"boom\"}\n";
    let mut opts = jsonl_opts(1 << 20, 1);
    opts.on_error = OnError::Pass;
    let o = ok(&Boom, &[input.as_bytes()], &opts);
    assert_eq!(o.output, input.as_bytes());
    assert_eq!(o.summary.passed, 1);
}

/// JSON string content as Python's json.dumps writes it (ensure_ascii).
fn ascii_escaped(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever the escape style, the field decodes to the mock's cleaning of
    /// the text, and the rest of the line is unchanged.
    #[test]
    fn jsonl_field_equals_clean_text(
        parts in prop::collection::vec(prop_oneof![
            Just("\n".to_string()), Just("\"".to_string()), Just("\\".to_string()), Just("\t".to_string()),
            Just("<<".to_string()), Just(">>".to_string()), Just("\n<<¾ß¸¶Å俬Ÿ>> ".to_string()),
            "[a-z ]{1,5}", "[가-힣é😀\u{85}\u{a0}]{1,3}",
        ], 0..30),
        ascii in any::<bool>(),
    ) {
        let text: String = parts.concat();
        let lit = if ascii { format!("\"{}\"", ascii_escaped(&text)) } else { serde_json::to_string(&text).unwrap() };
        let line = format!("{{\"id\":\"x\",\"text\":{lit},\"z\":[1]}}\n");
        let o = ok(&MarkerCleaner, &[line.as_bytes()], &jsonl_opts(1 << 20, 1));
        let out = String::from_utf8(o.output).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let want = MarkerCleaner.clean(&text);
        prop_assert_eq!(v["text"].as_str().unwrap(), &*want.text);
        let (head, tail) = ("{\"id\":\"x\",\"text\":\"", "\",\"z\":[1]}\n");
        prop_assert!(out.starts_with(head));
        prop_assert!(out.ends_with(tail));
        if !want.changed() {
            prop_assert_eq!(out, line);
        }
    }

    /// The scanner accepts exactly what serde_json accepts (lone surrogates
    /// aside, which both refuse when parsing to a Value).
    #[test]
    fn scanner_agrees_with_serde_json(s in "[{}\\[\\]\",:0-9a-z .eE+\\-\\\\/\n\t]{0,30}") {
        let ours = json::locate(s.trim_end_matches('\n').as_bytes(), &["text"]);
        let theirs = serde_json::from_str::<serde_json::Value>(s.trim_end_matches('\n'));
        match (&ours, &theirs) {
            (Ok(_), Ok(v)) => prop_assert!(v.is_object()),
            (Err(e), Ok(v)) => prop_assert!(!v.is_object() && e.starts_with("not a JSON object"), "{e}"),
            (Ok(_), Err(e)) => prop_assert!(false, "we accept, serde_json says {e}"),
            (Err(_), Err(_)) => {}
        }
    }

    #[test]
    fn scanner_agrees_with_serde_json_on_objects(
        v in prop::collection::btree_map("[a-z]{1,3}", prop_oneof![
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
            "\\PC{0,8}".prop_map(serde_json::Value::from),
            Just(serde_json::Value::Null),
        ], 0..5),
        cut in 0usize..200,
    ) {
        let line = serde_json::to_string(&v).unwrap();
        let ours = json::locate(line.as_bytes(), &["text"]);
        prop_assert!(ours.is_ok());
        // Any prefix is valid exactly when serde_json says so.
        let cut = cut.min(line.len());
        if line.is_char_boundary(cut) {
            let p = &line[..cut];
            let theirs = serde_json::from_str::<serde_json::Value>(p);
            prop_assert_eq!(json::locate(p.as_bytes(), &["text"]).is_ok(), theirs.is_ok(), "{}", p);
        }
    }
}

#[test]
fn jsonl_repair_rewrites_the_field_and_keeps_every_other_byte() {
    let moji =
        crate::encoding::forward::cp949_ftfy("미국의 성모 said “hi”.").expect("CP949-encodable");
    assert!(moji.contains("¡°"), "the quotes are mojibake too: {moji}");
    let at = moji.find(" said").unwrap();
    let field = format!("{}<<x>>{}", &moji[..at], &moji[at..]);
    let line = format!(
        "{{\"id\":\"a\",\"text\":{},\"n\":1}}\n",
        serde_json::to_string(&field).unwrap()
    );
    // No mojibake: the plain path, escapes kept as they came.
    let plain = "{\"id\":\"b\",\"text\":\"caf\\u00e9 <<x>>ok\"}\n";
    let input = format!("{line}{plain}");
    let mut opts = jsonl_opts(1 << 20, 2);
    let off = ok(&MarkerCleaner, &[input.as_bytes()], &opts);
    let spliced = format!(
        "{{\"id\":\"a\",\"text\":{},\"n\":1}}\n",
        serde_json::to_string(&moji).unwrap()
    );
    assert_eq!(
        String::from_utf8(off.output).unwrap(),
        format!("{spliced}{{\"id\":\"b\",\"text\":\"caf\\u00e9 ok\"}}\n")
    );
    opts.repair_mojibake = true;
    let on = ok(&MarkerCleaner, &[input.as_bytes()], &opts);
    assert_eq!(
        String::from_utf8(on.output).unwrap(),
        "{\"id\":\"a\",\"text\":\"미국의 성모 said “hi”.\",\"n\":1}\n\
         {\"id\":\"b\",\"text\":\"caf\\u00e9 ok\"}\n"
    );
    // The spans still name the input's own characters, and the repairs do
    // too: `¡°hi¡±.` lies past the removed `<<x>>`, at 22..29 of the input.
    assert_eq!(
        off.spans,
        "{\"id\": \"a\", \"attributes\": {\"spamsplice__gambling_injection\": [[11, 16, 0.9]]}}\n\
         {\"id\": \"b\", \"attributes\": {\"spamsplice__gambling_injection\": [[5, 10, 0.9]]}}\n"
    );
    assert_eq!(
        on.spans,
        "{\"id\": \"a\", \"attributes\": {\"spamsplice__gambling_injection\": [[11, 16, 0.9]], \
         \"spamsplice__mojibake_repair\": [[0, 6, \"미국의\"], [7, 11, \"성모\"], [22, 29, \"“hi”.\"]]}}\n\
         {\"id\": \"b\", \"attributes\": {\"spamsplice__gambling_injection\": [[5, 10, 0.9]], \
         \"spamsplice__mojibake_repair\": []}}\n"
    );
    assert_eq!(on.summary.changed, 2);
    assert_eq!(on.summary.repaired, 3);
}

#[test]
fn text_repair_rewrites_the_document_across_windows() {
    let moji =
        crate::encoding::forward::cp949_ftfy("미국의 성모 said “hi”.").expect("CP949-encodable");
    let at = moji.find(" said").unwrap();
    let filler = format!("{}\n", "x".repeat(99));
    // Windows end at the last newline of each 64 KiB read: the newline after
    // `tail ¼º` is window 1's last, so the removed `\n<<x>> ` joins
    // `¼º` (window 1) and `¸ð` (window 2) into one token, `성모`.
    let mut doc0 = format!("{}<<x>>{}\n", &moji[..at], &moji[at..]);
    doc0.push_str(&filler.repeat(654));
    doc0.push_str(&format!("{}\n", "y".repeat(65520 - doc0.len() - 1)));
    assert_eq!(doc0.len(), 65520);
    doc0.push_str("tail ¼º\n<<x>> ¸ð here\n");
    assert!(doc0.len() > 1 << 16);
    // Window 3, the last: a lone quote, repaired on the strength of the
    // lines before it.
    doc0.push_str(&filler.repeat(700));
    assert!(doc0.len() > 2 << 16);
    doc0.push_str("Kelly¡¯s line\nend\n");
    // The other way round the evidence does not reach back: this lone
    // quote's window has no repaired line, the document's last window has.
    let doc1 = format!("Kelly¡¯s\n{}¹Ì±¹ÀÇ ¼º¸ð\n", filler.repeat(700));
    assert!(crate::repair::repair(&doc1).text.starts_with("Kelly’s\n"));
    let inputs = [doc0.as_bytes(), doc1.as_bytes()];

    let mut opts = text_opts(1, 2);
    let off = ok(&MarkerCleaner, &inputs, &opts);
    let spliced = format!(
        "{}{}",
        MarkerCleaner.clean(&doc0).text,
        MarkerCleaner.clean(&doc1).text
    );
    assert_eq!(String::from_utf8(off.output).unwrap(), spliced);
    assert_eq!(
        off.spans,
        format!(
            "{}{}",
            expected_spans("in0", &doc0),
            expected_spans("in1", &doc1)
        )
    );
    assert_eq!(
        off.report,
        "id,start,end,score,fragment,decoded\n\
         in0,11,16,0.9,<<x>>,\n\
         in0,65513,65520,0.9,\"\n<<x>> \",\n"
    );
    assert_eq!(off.summary.repaired, 0);

    opts.repair_mojibake = true;
    let on = ok(&MarkerCleaner, &inputs, &opts);
    let want = format!(
        "미국의 성모 said “hi”.\n{}{}\ntail 성모 here\n{}Kelly’s line\nend\n\
         Kelly¡¯s\n{}미국의 성모\n",
        filler.repeat(654),
        "y".repeat(75),
        filler.repeat(700),
        filler.repeat(700),
    );
    assert_eq!(String::from_utf8(on.output).unwrap(), want);
    // Code points of the input documents, removed spans and repairs alike.
    assert_eq!(
        on.spans,
        "{\"id\": \"in0\", \"attributes\": {\"spamsplice__gambling_injection\": \
         [[11, 16, 0.9], [65513, 65520, 0.9]], \"spamsplice__mojibake_repair\": \
         [[0, 6, \"미국의\"], [7, 11, \"성모\"], [22, 29, \"“hi”.\"], [65511, 65522, \"성모\"], \
         [135528, 135536, \"Kelly’s\"]]}}\n\
         {\"id\": \"in1\", \"attributes\": {\"spamsplice__gambling_injection\": [], \
         \"spamsplice__mojibake_repair\": [[70009, 70015, \"미국의\"], [70016, 70020, \"성모\"]]}}\n"
    );
    assert_eq!(
        on.report,
        "id,start,end,score,fragment,decoded,action\n\
         in0,11,16,0.9,<<x>>,,removed\n\
         in0,0,6,,¹Ì±¹ÀÇ,미국의,repaired\n\
         in0,7,11,,¼º¸ð,성모,repaired\n\
         in0,22,29,,¡°hi¡±.,“hi”.,repaired\n\
         in0,65513,65520,0.9,\"\n<<x>> \",,removed\n\
         in0,65511,65522,,¼º¸ð,성모,repaired\n\
         in0,135528,135536,,Kelly¡¯s,Kelly’s,repaired\n\
         in1,70009,70015,,¹Ì±¹ÀÇ,미국의,repaired\n\
         in1,70016,70020,,¼º¸ð,성모,repaired\n"
    );
    assert_eq!(on.summary.documents, 2);
    assert_eq!(on.summary.changed, 2);
    assert_eq!(on.summary.spans, 2);
    assert_eq!(on.summary.repaired, 7);
    assert_eq!(on.summary.bytes_out, want.len() as u64);
}

#[test]
fn text_repair_small_documents_and_no_spans_file() {
    // One window each; the line a span joins, and a document without a
    // final newline; without --spans/--report the repairs are still counted.
    let input = "¹Ì±¹ÀÇ ¼º\n<<x>> ¸ð\nok";
    let mut opts = text_opts(1 << 20, 1);
    opts.repair_mojibake = true;
    let mut o = Vec::new();
    let sources = vec![
        Source::new("a", std::io::Cursor::new(input.as_bytes().to_vec())),
        Source::new("b", std::io::Cursor::new(b"plain".to_vec())),
    ];
    let summary = run_streams(
        &MarkerCleaner,
        sources,
        Sinks {
            output: &mut o,
            spans: None,
            report: None,
        },
        &opts,
        &Counters::default(),
    )
    .unwrap();
    assert_eq!(String::from_utf8(o).unwrap(), "미국의 성모\nokplain");
    assert_eq!(summary.repaired, 2);
    assert_eq!(summary.changed, 1);
}
