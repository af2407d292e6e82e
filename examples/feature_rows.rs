//! Writes the first-stage dense features of every candidate token of labeled
//! documents as TSV (doc, slice, token, its text, group, gold, first-stage features,
//! second-stage features, the model's probability), for
//! studying the token model outside the trainer.
//! Usage: feature_rows MODEL CSV [SLICE_PREFIX] > rows.tsv
use spamsplice::features::{self, Analysis, Regime, DENSE_DIM, DENSE_NAMES, STAGE2_NAMES};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        return Err("usage: feature_rows MODEL CSV [SLICE_PREFIX]".into());
    }
    let det = spamsplice::Detector::load(&a[1])?;
    let m = det.model();
    let data = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let prefix = a.get(3).map_or("", String::as_str);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    write!(out, "doc\tslice\ttoken\ttext\tgroup\tgold")?;
    for n in DENSE_NAMES.iter().chain(&STAGE2_NAMES) {
        write!(out, "\t{n}")?;
    }
    writeln!(
        out,
        "\tprob\tline_share\tleft_start\tright_end\tleft_run\tright_run"
    )?;
    let mut sc = spamsplice::model::Scratch::default();
    let lex = |b: &[u32]| m.lexical.score(b);
    let mut an = Analysis::default();
    let mut x = [0f32; DENSE_DIM];
    for (d, ex) in data.iter().enumerate() {
        if !ex.slice.starts_with(prefix) {
            continue;
        }
        an.run(&ex.text, Some(&lex), Some(&m.joiner.stats), None, |_, _| {});
        let regime = Regime::of(&an.stats);
        m.score_tokens(&ex.text, &mut sc);
        let doc = features::DocFirstStage::of(&sc.p1);
        for i in 0..an.info.len() {
            if !an.info[i].candidate {
                continue;
            }
            an.dense(i, &mut x);
            let g = features::group(regime, &an.info[i], &an.stats);
            let gold = ex.inside(an.tok.tokens[i].start);
            let t = an.tok.tokens[i];
            let text = ex.text[t.start..t.end].replace(['\t', '\n', '\r'], " ");
            write!(out, "{d}\t{}\t{i}\t{text}\t{g}\t{}", ex.slice, gold as u8)?;
            let x2 = features::stage2(
                &sc.analysis.tok.tokens,
                &sc.analysis.info,
                &sc.z1,
                &sc.p1,
                &doc,
                &sc.echo,
                &sc.fluency,
                i,
            );
            for v in x.iter().chain(&x2) {
                write!(out, "\t{v}")?;
            }
            let toks = &sc.analysis.tok.tokens;
            let p1 = &sc.p1;
            let sure = |j: usize| p1[j] >= 0.5;
            let (mut a, mut b) = (i, i);
            while !toks[a].first && a > 0 && sure(a - 1) {
                a -= 1;
            }
            while !toks[b].last && b + 1 < toks.len() && sure(b + 1) {
                b += 1;
            }
            let (mut ls, mut le) = (i, i);
            while !toks[ls].first && ls > 0 {
                ls -= 1;
            }
            while !toks[le].last && le + 1 < toks.len() {
                le += 1;
            }
            let others = (le - ls) as f32;
            let sure_others = (ls..=le).filter(|&j| j != i && sure(j)).count() as f32;
            write!(
                out,
                "\t{}\t{}\t{}\t{}\t{}\t{}",
                sc.probs[i],
                if others > 0.0 {
                    sure_others / others
                } else {
                    0.0
                },
                u8::from(a == ls && a < i),
                u8::from(b == le && b > i),
                ((i - a) as f32).ln_1p(),
                ((b - i) as f32).ln_1p()
            )?;
            writeln!(out)?;
        }
    }
    Ok(())
}
