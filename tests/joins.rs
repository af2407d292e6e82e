//! A line break injected inside a word, or at a space, comes back as the
//! article wrote it: the joiner (counts from clean text and the learned
//! spacing model) closes `slum`+`s` up and keeps `Nov. 1,`+`in` and
//! `guru`+`swims` apart, in English and in Korean. Sentences written for
//! this test; the fragments are seed-style mojibake in the English host and
//! Hangul in the Korean.

use spamsplice::encoding::forward;
use spamsplice::Detector;

/// `clean` with `fragment` injected the seed's way at byte `at`: a line
/// break, the fragment and a space. At a space, the article's space stays
/// after the fragment (`Nov. 1,\nF in`); inside a word, the injection
/// brings its own (`restorin\nF g`).
fn inject(clean: &str, at: usize, fragment: &str) -> String {
    let (l, r) = clean.split_at(at);
    match r.strip_prefix(' ') {
        Some(rest) => format!("{l}\n{fragment} {rest}"),
        None => format!("{l}\n{fragment} {r}"),
    }
}

#[test]
fn cut_words_close_up_and_spaces_stay() {
    let det = Detector::embedded().expect("embedded model");
    let en_frag = forward::cp949_ftfy("바다이야기게임장").expect("CP949");
    let ko_frag = "릴게임5만 사이트";
    let cases: [(&str, &str, &str); 9] = [
        // (clean line, text before the cut, fragment)
        (
            "Families in the slums gathered near the river at dawn.",
            "Families in the slum",
            &en_frag,
        ),
        (
            "The council met on Nov. 1, in the old town hall.",
            "The council met on Nov. 1,",
            &en_frag,
        ),
        (
            "Officials hope the talks will help restoring trade between the ports.",
            "Officials hope the talks will help restorin",
            &en_frag,
        ),
        // `guru` is a word that rarely goes on, and `swims` is `swim`+`s`.
        (
            "The fitness guru swims across the bay every morning.",
            "The fitness guru",
            &en_frag,
        ),
        (
            "The river authority opened three new locks this spring.",
            "The river authority opened three",
            &en_frag,
        ),
        (
            "그는 대통령 선거에서 큰 표 차이로 이겼다.",
            "그는 대통령",
            ko_frag,
        ),
        (
            "시민들은 새 도서관을 정말 좋아한다고 말했다.",
            "시민들은 새 도서",
            ko_frag,
        ),
        (
            "주민들이 공원 근처에서 축제를 열었다.",
            "주민들이 공원 근처에서 축제",
            ko_frag,
        ),
        (
            "올해 겨울은 지난해보다 따뜻할 것으로 보인다.",
            "올해 겨울은 지난해보다",
            ko_frag,
        ),
    ];
    for (clean, before, frag) in cases {
        let text = inject(clean, before.len(), frag);
        assert_ne!(text, clean);
        let got = det.clean(&text);
        assert_eq!(got.text, clean, "injected: {text:?}");
    }
}

/// A fragment glued into a word (no whitespace either side) is cut at its
/// edges, and the word comes back whole; one glued to a word's end takes a
/// domain glued after it, and the article's space stays.
#[test]
fn a_glued_fragment_is_cut_at_its_edges() {
    let det = Detector::embedded().expect("embedded model");
    let m = forward::cp949_ftfy("바카라사이트").expect("CP949-encodable");
    for (doc, want) in [
        (
            "Investors reviewed their posi바카라사이트tion ahead of the vote.\nThe vote is on Monday.\n".to_string(),
            "Investors reviewed their position ahead of the vote.\nThe vote is on Monday.\n",
        ),
        (
            format!("Investors reviewed their posi{m}tion ahead of the vote.\nThe vote is on Monday.\n"),
            "Investors reviewed their position ahead of the vote.\nThe vote is on Monday.\n",
        ),
    ] {
        assert_eq!(det.clean(&doc).text, want, "{doc}");
    }
}

/// Whitespace after the injection's one space of glue, or ending the line
/// before it, is the article's (a table's tab): the glue goes, the tab stays.
#[test]
fn a_tab_beside_a_cut_is_the_article_s() {
    let det = Detector::embedded().expect("embedded model");
    let m = forward::cp949_ftfy("황금성오락실").expect("CP949-encodable");
    let doc = format!("Revenue by year\n2019\n{m} \t2018\nTotal\t1,204\t1,180\n");
    assert_eq!(
        det.clean(&doc).text,
        "Revenue by year\n2019\t2018\nTotal\t1,204\t1,180\n"
    );
}
