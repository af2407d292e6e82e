//! The behaviour pin: the embedded model's spans and output over a fixed check
//! set (the repository's samples and negatives, plus texts of ours that cover
//! every token group, layout and encoding) hash to one digest. A refactor that
//! claims "behaviour unchanged" must leave this digest as it is; a change to
//! the model or the algorithm updates it on purpose, in the same commit.
//!
//! On a mismatch the per-document results are written to
//! `target/tmp/check_set/actual.txt`, so two builds can be diffed.

use spamsplice::encoding::forward;
use spamsplice::{Campaign, Cleaned, Detector};

/// FNV-1a 64: stable across platforms and releases, unlike `DefaultHasher`.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // a length mark, so ("ab", "c") and ("a", "bc") differ
        self.0 ^= b.len() as u64;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

fn mojibake(s: &str) -> String {
    forward::cp949_ftfy(s).expect("CP949-encodable")
}

fn latin1(s: &str) -> String {
    forward::cp949_latin1(s).expect("CP949-encodable")
}

/// Our own texts, one per token group, layout and encoding the model meets.
fn written() -> Vec<String> {
    let m = mojibake;
    vec![
        // English host, seed style: a mojibake fragment on its own line cuts a word.
        format!(
            "The two leaders laid a foundation stone for restorin\n{} g trade ties, officials said.\nTalks resume in March.\n",
            m("바다이야기게임장")
        ),
        // English host, the cut at a space, the article's own mojibake quotes kept.
        format!(
            "The council¡¯s budget passed on Monday.\n{} The mayor said it was ¡°a fair deal¡±.\n",
            m("릴게임 사이트 추천")
        ),
        // English host, raw Hangul spam with a domain at a line's end.
        "Rain is expected across the region through Thursday. 야마토게임 주소 yamato77.com\nFarmers welcomed the forecast.\n".to_string(),
        // English host, a fragment glued inside a word.
        "Investors reviewed their posi바카라사이트tion ahead of the vote.\n".to_string(),
        // English host, a CRLF document with a seed-style injection.
        format!(
            "Shares of the shipbuilder rose 3 pct in early trade.\r\nAnalysts expect a strong fourth quar\r\n{} ter for the group.\r\n",
            m("황금성오락실")
        ),
        // English host, mojibake read as true Latin-1 (C1 controls kept).
        format!(
            "The museum reopened after a two-year renovation {} and drew 4,000 visitors.\n",
            latin1("오션파라다이스 5만")
        ),
        // English host, obfuscated spam: symbols inside a keyword, full-width domain.
        format!(
            "The festival ends on Sunday. 바@카@라 {} \nTickets remain on sale.\n",
            forward::fullwidth("SOGO9.COM")
        ),
        // Korean host (UTF-8), raw Hangul spam inside a paragraph.
        "서울시는 내년부터 공공자전거 대여소를 두 배로 늘린다고 밝혔다. 바다이야기 릴게임 5만 시 관계자는 시민 만족도가 높다고 말했다.\n이용 요금은 그대로 유지된다.\n".to_string(),
        // Korean host, spam cutting a word.
        "정부는 수출 회복세가 이어질 것으로 전망했\n토토사이트 추천 다. 반도체 수출은 석 달 연속 늘었다.\n".to_string(),
        // Korean host whose CP949 bytes were mis-decoded whole, with mojibake spam.
        format!(
            "{}\n{} {}\n",
            m("부산항 물동량이 지난달 역대 최대를 기록했다."),
            m("항만공사는 신규 항로 개설이 효과를 냈다고 설명했다."),
            m("황금성게임랜드 주소")
        ),
        // Korean mojibake host with raw Hangul spam.
        format!(
            "{} 카지노사이트 추천\n{}\n",
            m("올해 김장 비용은 지난해보다 조금 내려갈 전망이다."),
            m("배추 작황이 좋아진 덕분이다.")
        ),
        // Clean texts that must pass untouched, one per script.
        "Der Bürgermeister eröffnete am Freitag die neue Brücke über die Spree.\n".to_string(),
        "Le président a prononcé un discours à l'Élysée, très attendu.\n".to_string(),
        "İstanbul'da yağmur bekleniyor; sürücüler dikkatli olmalı.\n".to_string(),
        "Правительство утвердило бюджет на следующий год.\n".to_string(),
        "東京都は来年度の予算案を発表した。観光客の増加が見込まれる。\n".to_string(),
        "上海市政府宣布将扩建地铁网络，预计明年完工。\n".to_string(),
        "Amazon.com said on Tuesday it would open a new warehouse in Ohio.\n".to_string(),
        "The 2-1 win left the club five points clear; 17.00 dlrs a share, up 5 pct.\n".to_string(),
        "기자는 카지노 산업의 고용 효과를 분석한 보고서를 인용했다.\n".to_string(),
        m("미국의 성모 병원은 새 병동을 열었다."),
        // UTF-8 read as windows-1252: ftfy's job, not spam.
        forward::utf8_as_windows1252("Café owners said the déjà vu was “unreal”.\n"),
        String::new(),
        "\n\n".to_string(),
    ]
}

/// The repository's own sample documents (all written for this project).
fn samples() -> Vec<String> {
    let mut docs = vec![
        include_str!("../data/samples/article.txt").to_string(),
        include_str!("../data/samples/article.clean.txt").to_string(),
        include_str!("../data/samples/article_ko.txt").to_string(),
        include_str!("../data/samples/article_ko.clean.txt").to_string(),
        include_str!("../data/samples/article_ko_travel.clean.txt").to_string(),
    ];
    for negatives in [
        include_str!("../data/negatives/gambling_news_en.txt"),
        include_str!("../data/negatives/gambling_news_ko.txt"),
    ] {
        docs.extend(
            negatives
                .split("\n\n")
                .filter(|p| !p.starts_with('#') && !p.trim().is_empty())
                .map(str::to_string),
        );
    }
    docs
}

fn campaign_docs() -> Vec<String> {
    include_str!("../data/samples/campaign.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
            v["text"].as_str().expect("text").to_string()
        })
        .collect()
}

fn record(h: &mut Fnv, log: &mut String, tag: &str, i: usize, c: &Cleaned) {
    h.bytes(tag.as_bytes());
    h.bytes(&(i as u64).to_le_bytes());
    h.bytes(c.text.as_bytes());
    log.push_str(&format!("{tag} {i} {:?}\n", c.text));
    for s in &c.spans {
        h.bytes(&(s.start as u64).to_le_bytes());
        h.bytes(&(s.end as u64).to_le_bytes());
        h.bytes(&s.score.to_bits().to_le_bytes());
        log.push_str(&format!(
            "  {}..{} {:08x}\n",
            s.start,
            s.end,
            s.score.to_bits()
        ));
    }
}

const DIGEST: u64 = 0x8006_de29_2a2c_c479;

#[test]
fn the_check_set_digest_is_unchanged() {
    let det = Detector::embedded().expect("embedded model");
    let (mut h, mut log) = (Fnv::new(), String::new());
    let alone: Vec<String> = written().into_iter().chain(samples()).collect();
    for (i, d) in alone.iter().enumerate() {
        record(&mut h, &mut log, "alone", i, &det.clean(d));
    }
    // The corpus memory's two rounds over the campaign sample, then cleaning
    // with it: the path `filter --campaign` takes.
    let docs = campaign_docs();
    let first: Campaign = docs
        .iter()
        .map(|d| det.campaign_words(d))
        .collect::<Vec<_>>()
        .iter()
        .collect();
    let second: Campaign = docs
        .iter()
        .map(|d| det.campaign_words_with(d, &first))
        .collect::<Vec<_>>()
        .iter()
        .collect();
    for (i, d) in docs.iter().chain(alone.iter()).enumerate() {
        record(&mut h, &mut log, "memory", i, &det.clean_with(d, &second));
    }
    if h.0 != DIGEST {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_set");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("actual.txt"), &log).unwrap();
        panic!(
            "check-set digest {:#018x}, pinned {DIGEST:#018x}; per-document results in {}",
            h.0,
            dir.join("actual.txt").display()
        );
    }
}
