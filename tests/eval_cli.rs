//! `spamsplice eval` as a command: the threshold sweep's SVG (`--plot`) and
//! the repair report (`--repair-corpus`), on small hand-written inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::model_ready;

fn eval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spamsplice"))
        .arg("eval")
        .args(args)
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    common::tmp("eval_cli", name)
}

/// Our own two-line paragraph (not corpus text).
const KOREAN: &str = "오늘 아침 시청 앞 광장에서 작은 음악회가 열렸다. 시민들은 따뜻한 차를 마시며 노래를 들었다.\n행사를 준비한 주민 대표는 내년에도 같은 자리에서 모이자고 말했다.";

/// A labeled CSV as `synth` writes it: `cut`, where given, is the spam.
fn labeled_csv(path: &Path, docs: &[(&str, &str)]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["id", "lang", "slice", "text", "clean", "spans"])
        .unwrap();
    for (i, (text, cut)) in docs.iter().enumerate() {
        let (clean, spans) = match text.find(cut).filter(|_| !cut.is_empty()) {
            Some(s) => {
                let start = text[..s].chars().count();
                let end = start + cut.chars().count();
                (
                    format!("{}{}", &text[..s], &text[s + cut.len()..]),
                    format!("[{{\"start\":{start},\"end\":{end}}}]"),
                )
            }
            None => (text.to_string(), "[]".to_string()),
        };
        w.write_record([&i.to_string(), "en", "en.hand", text, &clean, &spans])
            .unwrap();
    }
    w.flush().unwrap();
}

#[test]
fn plot_writes_a_polyline_per_curve_and_a_mark_per_group() {
    if !model_ready() {
        return;
    }
    let dir = tmp("plot");
    let data = dir.join("dev.csv");
    labeled_csv(
        &data,
        &[
            (
                "a foundation stone for restorin\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå g Korea-China relations",
                "\n¹Ù´ÙÀ̾߱â°ÔÀÓÀå ",
            ),
            (
                "City officials said on Monday that the new bridge will open next spring.",
                "",
            ),
        ],
    );
    let out_dir = dir.join("plots");
    let o = eval(&[
        "--data",
        data.to_str().unwrap(),
        "--plot",
        out_dir.to_str().unwrap(),
        "--plot-steps",
        "4",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svg = std::fs::read_to_string(out_dir.join("thresholds.svg")).unwrap();
    let groups = spamsplice::Detector::embedded().unwrap().thresholds().len();
    // Three curves and the chosen threshold's line per group; the other
    // lines are the axes and their ticks, in black.
    let coloured = svg
        .split("<polyline")
        .skip(1)
        .filter(|l| !l.split('>').next().unwrap().contains("stroke=\"#000000\""))
        .count();
    assert_eq!(coloured, 4 * groups);
    assert_eq!(svg.matches("(chosen ").count(), groups);
    assert!(svg.contains("threshold"));
}

#[test]
fn repair_corpus_reports_per_corpus_and_total() {
    if !model_ready() {
        return;
    }
    let dir = tmp("repair").join("hand_ko");
    std::fs::create_dir_all(&dir).unwrap();
    let corpus = dir.join("docs.jsonl");
    let line = |id: &str, text: &str| serde_json::json!({"id": id, "text": text}).to_string();
    std::fs::write(
        &corpus,
        format!(
            "{}\n{}\n",
            line("1", KOREAN),
            line("2", "행사는 오후 세 시에 끝났다.")
        ),
    )
    .unwrap();
    let o = eval(&["--repair-corpus", corpus.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{stdout}"))
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // whole, exact%, chars%, lines, exact%, clean, changed, changed%
    assert_eq!(row("hand_ko")[0], "2", "{stdout}");
    assert_eq!(row("hand_ko")[3], "1", "{stdout}");
    assert_eq!(row("hand_ko")[5], "2", "{stdout}");
    assert_eq!(row("hand_ko")[6], "0", "{stdout}");
    assert_eq!(row("total"), row("hand_ko"));
}

#[test]
fn eval_needs_data_or_a_repair_corpus() {
    let o = eval(&[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--data"));
}
