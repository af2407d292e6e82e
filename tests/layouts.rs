//! Where an ad sits in the article's layout decides the glue that goes with
//! it. An ad in a paragraph of its own, in an article whose paragraphs are
//! set apart by blank lines (as an ad in its own `<p>` comes out of a page),
//! goes with one of the blank lines around it, so the paragraphs either side
//! stay set apart by one.

use spamsplice::encoding::forward;
use spamsplice::Detector;

const ARTICLE_EN: &str = include_str!("../data/samples/article.clean.txt");
const ARTICLE_KO: &str = include_str!("../data/samples/article_ko.clean.txt");

/// The article with its paragraphs set apart by blank lines, and the same
/// with `ad` as a paragraph of its own after the third.
fn with_ad_paragraph(article: &str, ad: &str) -> (String, String) {
    let spaced = article.replace('\n', "\n\n");
    let mut paragraphs: Vec<&str> = spaced.split("\n\n").collect();
    paragraphs.insert(3, ad);
    (spaced.clone(), paragraphs.join("\n\n"))
}

#[test]
fn an_ad_paragraph_goes_with_one_blank_line() {
    let det = Detector::embedded().expect("embedded model");
    let seed_style = forward::cp949_ftfy("바다이야기게임장").expect("CP949");
    let cases = [
        (
            "English host, seed-style mojibake",
            ARTICLE_EN.to_string(),
            seed_style.clone(),
        ),
        (
            "Korean host, Hangul",
            ARTICLE_KO.to_string(),
            "릴게임5만 사이트 bada77.com".to_string(),
        ),
    ];
    for (name, article, ad) in cases {
        let (clean, text) = with_ad_paragraph(&article, &ad);
        assert!(text.contains(&format!("\n\n{ad}\n\n")), "{name}");
        assert_eq!(det.clean(&text).text, clean, "{name}");
    }
}

#[test]
fn an_ad_line_in_a_paragraph_takes_only_its_own_newline() {
    // Between two lines of text (no blank line on either side), the line
    // goes with its newline only, as before.
    let det = Detector::embedded().expect("embedded model");
    let ad = forward::cp949_ftfy("릴게임5만").expect("CP949");
    let mut lines: Vec<&str> = ARTICLE_EN.split('\n').collect();
    lines.insert(3, &ad);
    assert_eq!(det.clean(&lines.join("\n")).text, ARTICLE_EN);
}

/// A CRLF page cleans as its LF form does, each `\r\n` kept whole: the
/// injection's line break is `\r\n` there, and both characters go.
#[test]
fn a_crlf_document_comes_back_as_its_lf_form() {
    let det = Detector::embedded().expect("embedded model");
    let m = |s: &str| forward::cp949_ftfy(s).expect("CP949-encodable");
    let seed_style = format!(
        "Analysts expect a strong fourth quar\n{} ter for the group.\nShares rose.\n",
        m("황금성오락실")
    );
    let samples = [
        include_str!("../data/samples/article.txt"),
        include_str!("../data/samples/article_ko.txt"),
        seed_style.as_str(),
    ];
    for lf in samples {
        assert!(!lf.contains('\r'));
        let crlf = lf.replace('\n', "\r\n");
        let want = det.clean(lf).text.replace('\n', "\r\n");
        assert_eq!(det.clean(&crlf).text, want);
    }
    assert_eq!(
        det.clean(&seed_style.replace('\n', "\r\n")).text,
        "Analysts expect a strong fourth quarter for the group.\r\nShares rose.\r\n"
    );
}
