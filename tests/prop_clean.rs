//! `clean()` never panics on any string, and what it reports is what it did:
//! the output is the input with the spans deleted; spans are sorted,
//! disjoint, non-empty and on char boundaries. Runs against the embedded
//! model; skips (with a message) while that is a placeholder.

use proptest::prelude::*;

fn detector() -> Option<&'static spamsplice::Detector> {
    match spamsplice::Detector::embedded() {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("skipped: the embedded model is not available yet ({e})");
            None
        }
    }
}

fn check(d: &spamsplice::Detector, input: &str) -> Result<(), TestCaseError> {
    let c = d.clean(input);
    let mut rebuilt = String::with_capacity(input.len());
    let mut at = 0;
    for s in &c.spans {
        prop_assert!(
            s.start >= at,
            "spans overlap or are unsorted: {:?}",
            c.spans
        );
        prop_assert!(s.start < s.end, "empty span {:?}", s);
        prop_assert!(s.end <= input.len());
        prop_assert!(
            input.is_char_boundary(s.start) && input.is_char_boundary(s.end),
            "span off a char boundary {:?}",
            s
        );
        prop_assert!((0.0..=1.0).contains(&s.score), "score off [0, 1]: {:?}", s);
        rebuilt.push_str(&input[at..s.start]);
        at = s.end;
    }
    rebuilt.push_str(&input[at..]);
    prop_assert_eq!(&*c.text, rebuilt.as_str());
    if c.spans.is_empty() {
        prop_assert!(matches!(c.text, std::borrow::Cow::Borrowed(_)));
    }
    Ok(())
}

/// Pieces that look like the real thing: CP949 mojibake (Latin-1 and
/// windows-1252 readings, ftfy-half-repaired), NBSP/NEL inside tokens,
/// full-width and spaced domains, Hangul with symbols, CJK, emoji, controls.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("¹Ù´ÙÀ̾߱â°ÔÀÓÀå".to_string()),
        Just("¾ß¸¶Å俬Ÿ".to_string()),
        Just("¡¯ ¡° ¡±".to_string()),
        Just("\u{a0}\u{85}".to_string()),
        Just("ＳＯＧＯ９．ＣＯＭ".to_string()),
        Just("W W W , S S H 9 9 6".to_string()),
        Just("바@카@라 바☆카☆라".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just(" ".to_string()),
        Just("\0".to_string()),
        "[a-zA-Z]{1,8}",
        "[가-힣]{1,6}",
        "[\u{80}-\u{ff}]{1,6}",
        "[一-龥ぁ-んァ-ン]{1,4}",
        "[😀-🙏]{1,2}",
        "\\PC{1,6}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn clean_is_total_and_honest(parts in prop::collection::vec(piece(), 0..30)) {
        let Some(d) = detector() else { return Ok(()); };
        check(d, &parts.concat())?;
    }

    #[test]
    fn clean_is_total_on_any_string(s in any::<String>()) {
        let Some(d) = detector() else { return Ok(()); };
        check(d, &s)?;
    }
}

#[test]
fn clean_handles_edge_documents() {
    let Some(d) = detector() else { return };
    for s in [
        "",
        "\n",
        "\r\n",
        "\0",
        "\u{feff}",
        &"¹".repeat(100_000),
        &"a ".repeat(200_000),
        &"\n".repeat(10_000),
    ] {
        check(d, s).unwrap();
    }
}
