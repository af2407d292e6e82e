//! Refits the parts of a model after its token stages, to try a change to
//! them in seconds rather than a full training:
//!
//! * `refit campaign MODEL DEV_CSV OUT`: the decisions fitted on dev
//!   (`train::calibrate`: thresholds, campaign stage, growth stage), 15 s;
//! * `refit joiner MODEL TRAIN_CSV DEV_CSV OUT`: the joiner (its clean-text
//!   counts and spacing model from TRAIN, and its regressions), then the
//!   decisions, 2 min.
//!
//! * `refit pairs MODEL TRAIN_CSV OUT`: the CP949 prior's character pairs
//!   (format 15) counted from TRAIN's clean texts, all else kept: how a
//!   format 14 model gains them without a full training, in seconds.
//!
//! `spamsplice train` ends with the same steps, and the token stages read
//! neither the joiner's regressions nor its spacing model, so a refit on
//! the model's own data gives the recipe's model byte for byte. They do
//! read the clean-text counts (the CP949 view's prior, the word counts):
//! a change to how those are made needs a full training.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let usage =
        "usage: refit campaign MODEL DEV_CSV OUT | refit joiner MODEL TRAIN_CSV DEV_CSV OUT \
                 | refit pairs MODEL TRAIN_CSV OUT";
    let mode = a.get(1).map(String::as_str);
    let (train, dev, out) = match (mode, a.len()) {
        (Some("campaign"), 5) => (None, Some(&a[3]), &a[4]),
        (Some("joiner"), 6) => (Some(&a[3]), Some(&a[4]), &a[5]),
        (Some("pairs"), 5) => (Some(&a[3]), None, &a[4]),
        _ => return Err(usage.into()),
    };
    let mut model = spamsplice::model::Model::from_bytes(&std::fs::read(&a[2])?)?;
    let read = |p: &String| spamsplice::labeled::read_csv(std::path::Path::new(p));
    let cfg = spamsplice::train::ValidConfig::default();
    let mut report = spamsplice::train::Report::default();
    if let Some(train) = train {
        let train = read(train)?;
        let texts = spamsplice::train::distinct_clean(&train);
        let stats = spamsplice::train::join_stats(&texts);
        if mode == Some("pairs") {
            model
                .joiner
                .stats
                .set_char_pairs(stats.char_pairs().clone());
        } else {
            model.set_joiner(spamsplice::train::fit_joiner(
                &train,
                &texts,
                stats,
                &cfg,
                &mut report,
            )?);
        }
    }
    if let Some(dev) = dev {
        model.campaign.iter_mut().for_each(|c| *c = None);
        let dev = read(dev)?;
        spamsplice::train::calibrate(&mut model, &dev, &cfg, &|s| eprintln!("{s}"), &mut report)?;
        eprintln!("campaign rows per regime: {:?}", report.campaign_rows);
    }
    let bytes = model.to_bytes()?;
    spamsplice::model::Model::from_bytes(&bytes)?;
    std::fs::write(out, bytes)?;
    Ok(())
}
