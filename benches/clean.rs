//! `clean()` on an English and a Korean article (the embedded model; skipped
//! while it is a placeholder), and the JSONL pipeline around a model-free
//! cleaner. The articles are written for this bench, not taken from a corpus.
//!
//! `cargo bench --bench clean`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use spamsplice::pipeline::mock::{IdentityCleaner, MarkerCleaner};
use spamsplice::pipeline::{self, Counters, Format, Options, Sinks, Source};

const EN: &str = "The city council voted on Tuesday to extend the night bus service to the harbour district, \
after a year in which ridership on the trial routes doubled. Officials said the extension would cost about \
four million pounds a year and would be paid for partly by a levy on late-night venues.\n\
Residents who spoke at the meeting were divided. Some welcomed the move, saying the last buses left too early \
for shift workers at the port and the hospital; others worried about noise on the narrow streets near the old \
market. The council's transport chair promised a review after six months.\n\
The plan also includes new shelters, real-time arrival boards and a pilot of electric buses on two routes. \
Construction of the depot is expected to begin in the spring, subject to planning approval.\n";

const KO: &str = "서울시는 화요일 시의회 표결을 거쳐 항만 지역까지 심야버스 운행을 확대하기로 했다. \
시범 노선의 이용객이 1년 사이 두 배로 늘어난 데 따른 것이다. 시 관계자는 확대에 연간 약 60억 원이 들 것이며 \
일부는 심야 영업장에 부과하는 분담금으로 충당할 계획이라고 밝혔다.\n\
회의에 참석한 주민들의 의견은 엇갈렸다. 일부는 항만과 병원의 교대 근무자들에게 막차 시간이 너무 이르다며 \
환영했지만, 옛 시장 주변 좁은 골목의 소음을 걱정하는 목소리도 나왔다. 교통위원장은 6개월 뒤 재검토를 약속했다.\n\
계획에는 새 정류장과 실시간 도착 안내판, 두 개 노선의 전기버스 시범 운행도 포함됐다.\n";

/// The article with spam injected at two word boundaries, seed-style
/// (`\n` + CP949-via-Latin-1 mojibake + ` `), repeated to about 32 KB.
fn article(base: &str, spam: bool) -> String {
    let mut doc = String::new();
    while doc.len() < 32 << 10 {
        doc.push_str(base);
    }
    if spam {
        let frag = spamsplice::encoding::forward::cp949_ftfy("바다이야기게임장")
            .unwrap_or_else(|| "¹Ù´ÙÀ̾߱â".into());
        for at in [doc.len() / 3, 2 * doc.len() / 3] {
            let mut at = at;
            while !doc.is_char_boundary(at) || !doc[at..].starts_with(' ') {
                at += 1;
            }
            doc.insert_str(at, &format!("\n{frag}"));
        }
    }
    doc
}

fn bench_clean(c: &mut Criterion) {
    let detector = match spamsplice::Detector::embedded() {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("clean/*: skipped, the embedded model is not available yet ({e})");
            None
        }
    };
    let mut g = c.benchmark_group("clean");
    for (name, base) in [("en", EN), ("ko", KO)] {
        for spam in [false, true] {
            let doc = article(base, spam);
            g.throughput(Throughput::Bytes(doc.len() as u64));
            let id = format!("{name}{}", if spam { "_spam" } else { "" });
            if let Some(d) = detector {
                g.bench_function(format!("detector/{id}"), |b| {
                    b.iter(|| black_box(d.clean(black_box(&doc))).spans.len())
                });
            }
            g.bench_function(format!("marker_mock/{id}"), |b| {
                b.iter(|| {
                    pipeline::Cleaner::clean(&MarkerCleaner, black_box(&doc))
                        .spans
                        .len()
                })
            });
        }
    }
    g.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    let mut input = Vec::new();
    let mut i = 0;
    while input.len() < 8 << 20 {
        let text = if i % 33 == 0 {
            format!("{EN}\n<<spam>> {EN}")
        } else {
            EN.to_string()
        };
        serde_json::to_writer(
            &mut input,
            &serde_json::json!({"id": format!("doc-{i}"), "text": text, "source": "bench"}),
        )
        .unwrap();
        input.push(b'\n');
        i += 1;
    }
    let mut g = c.benchmark_group("pipeline_jsonl");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.sample_size(10);
    for threads in [1, 2] {
        let opts = Options {
            format: Format::Jsonl,
            threads,
            ..Options::default()
        };
        g.bench_function(format!("identity/threads{threads}"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(input.len());
                let src = Source::new("bench", std::io::Cursor::new(input.clone()));
                let s = pipeline::run_streams(
                    &IdentityCleaner,
                    vec![src],
                    Sinks {
                        output: &mut out,
                        spans: None,
                        report: None,
                    },
                    &opts,
                    &Counters::default(),
                )
                .unwrap();
                s.documents
            })
        });
        g.bench_function(format!("marker/threads{threads}"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(input.len());
                let src = Source::new("bench", std::io::Cursor::new(input.clone()));
                let s = pipeline::run_streams(
                    &MarkerCleaner,
                    vec![src],
                    Sinks {
                        output: &mut out,
                        spans: None,
                        report: None,
                    },
                    &opts,
                    &Counters::default(),
                )
                .unwrap();
                s.changed
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_clean, bench_pipeline);
criterion_main!(benches);
