//! Shows how a model scores the tokens of labeled documents: for each
//! candidate token, its reading class, lexical score, probability and gold
//! label. Usage: explain MODEL CSV SLICE_PREFIX [MAX_DOCS] [--only-errors]
use spamsplice::features::Regime;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let det = spamsplice::Detector::load(&a[1])?;
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let max: usize = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(5);
    let only_err = a.iter().any(|s| s == "--only-errors");
    let all = a.iter().any(|s| s == "--all");
    let m = det.model();
    let mut s = spamsplice::model::Scratch::default();
    let mut sc = spamsplice::encoding::Scratch::default();
    let mut shown = 0;
    for ex in data.iter().filter(|e| e.slice.starts_with(&a[3])) {
        m.score_tokens(&ex.text, &mut s);
        let spamsplice::model::Scratch {
            analysis: an,
            probs,
            z1,
            groups,
            ..
        } = &mut s;
        let r = Regime::of(&an.stats) as usize;
        let t = 0.5;
        spamsplice::model::Model::decide(probs, groups, &an.tok.tokens, &m.thresholds, &m.extend);
        let errs: Vec<usize> = (0..an.info.len())
            .filter(|&i| {
                an.info[i].candidate && ((probs[i] >= t) != ex.inside(an.tok.tokens[i].start))
            })
            .collect();
        if only_err && errs.is_empty() {
            continue;
        }
        shown += 1;
        if shown > max {
            break;
        }
        println!(
            "== {} {} regime {r} thr {t:.2} stats {:?}",
            ex.id, ex.slice, an.stats
        );
        for i in 0..an.info.len() {
            let inf = &an.info[i];
            let gold = ex.inside(an.tok.tokens[i].start);
            if !inf.candidate || (!all && !gold && probs[i] < 0.05 && !errs.contains(&i)) {
                continue;
            }
            let tk = an.tok.tokens[i];
            let s = &ex.text[tk.start..tk.end];
            let mark = if errs.contains(&i) { "  <-- ERROR" } else { "" };
            let view = spamsplice::encoding::best_reading(s, &mut sc);
            let reading = match view {
                spamsplice::encoding::View::Raw => s,
                _ => sc.reading.as_str(),
            };
            println!(
                "  {:>3} {:<28} g {} class {} lex {:>6.2} z1 {:>6.2} p {:.3} gold {}{mark} | {view:?} {}",
                i, s, groups[i], inf.class, inf.lex, z1[i], probs[i], gold as u8, reading
            );
        }
    }
    Ok(())
}
