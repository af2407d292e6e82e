//! A Korean page in CP949 mojibake fixed by ftfy, where the re-decoding
//! leaves words two whole readings (`ÇüŰ¡` is `형태가`, read byte for byte
//! `형키징`). The embedded model's prior over characters
//! ([`spamsplice::encoding::SyllablePrior`]) must read each word of our own
//! sample article back, the article must pass through unchanged, and spam
//! injected into it must go with the article given back byte for byte.

use spamsplice::encoding::{best_reading, forward, Scratch, View};
use spamsplice::Detector;

const ARTICLE: &str = include_str!("../data/samples/article_ko_travel.clean.txt");

/// The article as a CP949 page read as Latin-1 and fixed by ftfy.
fn mojibake() -> String {
    forward::cp949_ftfy(ARTICLE).expect("the article is CP949")
}

/// Each (word, token) of the lines whose words and tokens line up (ftfy
/// eats a space after some characters), for the words with Hangul.
fn aligned(moj: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (line, mline) in ARTICLE.lines().zip(moj.lines()) {
        let (w, t): (Vec<&str>, Vec<&str>) = (
            line.split_ascii_whitespace().collect(),
            mline.split_ascii_whitespace().collect(),
        );
        if w.len() == t.len() {
            out.extend(
                w.iter()
                    .zip(&t)
                    .filter(|(w, _)| w.chars().any(spamsplice::encoding::is_hangul_syllable))
                    .map(|(w, t)| (w.to_string(), t.to_string())),
            );
        }
    }
    out
}

fn read(token: &str, scratch: &mut Scratch, det: Option<&Detector>) -> String {
    let prior = det.and_then(|d| d.syllable_prior());
    match best_reading(token, scratch, prior) {
        View::Raw => token.to_string(),
        // ftfy ate the space after `시` in `Àӽà`: the reading keeps it.
        _ => scratch.reading.trim_end_matches(' ').to_string(),
    }
}

#[test]
fn the_prior_reads_the_articles_words_back() {
    let det = Detector::embedded().expect("embedded model");
    let moj = mojibake();
    let pairs = aligned(&moj);
    assert!(pairs.len() >= 40, "{} words line up", pairs.len());
    let mut scratch = Scratch::default();
    let misread: Vec<String> = pairs
        .iter()
        .map(|(w, t)| (w, t, read(t, &mut scratch, Some(det))))
        .filter(|(w, _, r)| r != *w)
        .map(|(w, t, r)| format!("{w} ({t}) read as {r}"))
        .collect();
    assert!(misread.is_empty(), "misread:\n{}", misread.join("\n"));
    // The words this test is about: byte for byte, they read otherwise.
    let ambiguous = pairs
        .iter()
        .filter(|(w, t)| read(t, &mut scratch, None) != *w)
        .count();
    assert!(ambiguous >= 6, "only {ambiguous} words are ambiguous");
}

#[test]
fn the_article_passes_and_comes_back_from_spam() {
    let det = Detector::embedded().expect("embedded model");
    let moj = mojibake();
    assert_eq!(det.clean(&moj).text, moj);
    // A fragment before the third word of lines 2 to 4, the way hidden
    // ads sit inside a sentence.
    let terms = ["바다이야기게임장", "릴게임5만", "황금성사이트"];
    let mut lines: Vec<String> = moj.split('\n').map(str::to_string).collect();
    for (k, term) in terms.iter().enumerate() {
        let frag = forward::cp949_ftfy(term).expect("CP949 term");
        let line = &mut lines[k + 2];
        let at = line
            .match_indices(' ')
            .nth(1)
            .map(|(i, _)| i + 1)
            .expect("a word");
        line.insert_str(at, &format!("{frag} "));
    }
    let injected = lines.join("\n");
    assert_ne!(injected, moj);
    assert_eq!(det.clean(&injected).text, moj);
}
