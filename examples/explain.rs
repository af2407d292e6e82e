//! Shows how a model scores the tokens of labeled documents: for each
//! candidate token, its reading class, lexical score, probability and gold
//! label. With `--campaign`, the whole CSV is taken as one corpus: each
//! token's second-stage probability `p2` is shown beside the campaign
//! stage's features, and the probability is the campaign stage's.
//! With `--terms`, each wrong token also shows the largest terms of its
//! first-stage logit (coefficient times standardized feature).
//! Usage: explain MODEL CSV SLICE_PREFIX [MAX_DOCS] [--only-errors] [--all] [--campaign] [--terms]
use spamsplice::features::Regime;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let det = spamsplice::Detector::load(&a[1])?;
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let max: usize = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(5);
    let only_err = a.iter().any(|s| s == "--only-errors");
    let all = a.iter().any(|s| s == "--all");
    let terms = a.iter().any(|s| s == "--terms");
    let memory = a
        .iter()
        .any(|s| s == "--campaign")
        .then(|| spamsplice::eval::campaign_of(&det, &data));
    let m = det.model();
    let mut s = spamsplice::model::Scratch::default();
    let mut sc = spamsplice::encoding::Scratch::default();
    let mut shown = 0;
    for ex in data.iter().filter(|e| e.slice.starts_with(&a[3])) {
        m.score_tokens(&ex.text, &mut s);
        let p2 = s.probs.clone();
        let mut features = vec![None; p2.len()];
        let (th, ext) = match &memory {
            Some(memory) => {
                let own = m.scored_words(&ex.text, &mut s);
                m.apply_campaign(&mut s, memory, &own);
                for &(i, f) in &s.campaign_rows {
                    features[i] = Some(f);
                }
                (&m.campaign_thresholds, &m.campaign_extend)
            }
            None => (&m.thresholds, &m.extend),
        };
        if memory.is_some() {
            m.growth_probs(&mut s);
        }
        let spamsplice::model::Scratch {
            analysis: an,
            probs,
            z1,
            groups,
            grow,
            ..
        } = &mut s;
        let r = Regime::of(&an.stats) as usize;
        let t = 0.5;
        let grow = memory.is_some().then_some(grow.as_slice());
        spamsplice::model::Model::decide(probs, grow, groups, &an.tok.tokens, th, ext);
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
            let view =
                spamsplice::encoding::best_reading(s, &mut sc, det.model().joiner.stats.prior());
            let reading = match view {
                spamsplice::encoding::View::Raw => s,
                _ => sc.reading.as_str(),
            };
            let campaign = match features[i] {
                Some(f) => format!(" | p2 {:.3} campaign {f:.2?}", p2[i]),
                None => String::new(),
            };
            println!(
                "  {:>3} {:<28} g {} class {} lex {:>6.2} z1 {:>6.2} p {:.3} gold {}{mark} | {view:?} {}{campaign}",
                i, s, groups[i], inf.class, inf.lex, z1[i], probs[i], gold as u8, reading
            );
            if terms && !mark.is_empty() {
                let mut x = [0f32; spamsplice::features::DENSE_DIM];
                an.dense(i, &mut x);
                // A memory group (`g + REGIMES`) scores with group g's stages.
                let first = &m.tokens[usize::from(groups[i]) % spamsplice::features::REGIMES].first;
                let mut parts: Vec<(f32, &str, f32)> = first
                    .terms()
                    .zip(x)
                    .map(|((name, coef, mean, scale), v)| (coef * (v - mean) / scale, name, v))
                    .collect();
                parts.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
                let shown: Vec<String> = parts
                    .iter()
                    .take(10)
                    .map(|(t, name, v)| format!("{name}={v:.2}:{t:+.2}"))
                    .collect();
                println!(
                    "      intercept {:+.2} | {}",
                    first.intercept(),
                    shown.join(" ")
                );
            }
        }
    }
    Ok(())
}
