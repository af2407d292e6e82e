//! Spam in encodings that neither `synth` nor training ever produced: a page
//! mis-decoded twice (mojibake of CP949 or UTF-8 mojibake), and Hangul spelled
//! in conjoining jamo (Unicode's decomposed form). The encoding views read
//! them back to Hangul, so the embedded default model must splice them out
//! of our own sample articles and give the articles back byte for byte.

use spamsplice::encoding::forward;
use spamsplice::Detector;

const ARTICLE_EN: &str = include_str!("../data/samples/article.clean.txt");
const ARTICLE_KO: &str = include_str!("../data/samples/article_ko.clean.txt");

/// Text stored as UTF-8 and read back as Latin-1: one more layer of mojibake.
fn read_as_latin1(text: &str) -> String {
    forward::latin1(text.as_bytes())
}

/// Hangul syllables spelled in conjoining jamo (NFD).
fn decomposed(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let s = c as u32;
        if !(0xAC00..=0xD7A3).contains(&s) {
            out.push(c);
            continue;
        }
        let k = s - 0xAC00;
        let jamo = [0x1100 + k / 588, 0x1161 + k % 588 / 28, 0x11A7 + k % 28];
        let n = if k.is_multiple_of(28) { 2 } else { 3 };
        out.extend(jamo[..n].iter().filter_map(|&j| char::from_u32(j)));
    }
    out
}

/// The article with `frag` inserted before the `word`-th word of line
/// `line` (`F ` before a word, the way hidden ads sit inside a sentence).
fn inject(article: &str, line: usize, word: usize, frag: &str) -> String {
    let mut lines: Vec<String> = article.split('\n').map(str::to_string).collect();
    let at = lines[line]
        .match_indices(' ')
        .nth(word - 1)
        .map(|(i, _)| i + 1)
        .expect("line has the word");
    lines[line].insert_str(at, &format!("{frag} "));
    lines.join("\n")
}

fn encodings(term: &str) -> Vec<(&'static str, String)> {
    let cp949 = forward::cp949_latin1(term).expect("CP949 term");
    vec![
        ("CP949 mojibake read twice", read_as_latin1(&cp949)),
        (
            "UTF-8 mojibake read twice",
            read_as_latin1(&read_as_latin1(term)),
        ),
        ("decomposed Hangul", decomposed(term)),
    ]
}

#[test]
fn decomposed_hangul_is_what_the_test_writes() {
    assert_eq!(
        decomposed("각가"),
        "\u{1100}\u{1161}\u{11A8}\u{1100}\u{1161}"
    );
}

#[test]
fn spam_in_unseen_encodings_is_spliced_out() {
    let det = Detector::embedded().expect("embedded model");
    let terms = ["바다이야기게임장", "릴게임5만", "황금성사이트"];
    let mut failures = Vec::new();
    for (host, article) in [("English", ARTICLE_EN), ("Korean", ARTICLE_KO)] {
        for k in 0..encodings(terms[0]).len() {
            // A page carries several fragments: one per line, lines 2 to 4.
            let mut text = article.to_string();
            let mut name = "";
            for (line, term) in terms.iter().enumerate() {
                let (encoding, frag) = &encodings(term)[k];
                name = encoding;
                text = inject(&text, line + 2, 3, frag);
            }
            let got = det.clean(&text).text;
            if got != article {
                failures.push(format!("{host} host, {name}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "not restored:\n{}",
        failures.join("\n")
    );
}
