//! Refits a model's joiner (its clean-text counts from TRAIN and its
//! regressions) and then its decisions on DEV (`train::calibrate`), keeping
//! the lexical scorer and token stages: to try a change to the joiner in
//! minutes rather than a full training. The token stages read none of the
//! joiner's edge tables, so a change there gives what `spamsplice train`
//! would.
//! Usage: refit_joiner MODEL TRAIN_CSV DEV_CSV OUT
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        return Err("usage: refit_joiner MODEL TRAIN_CSV DEV_CSV OUT".into());
    }
    // Decoded past `Model::from_bytes`'s check: the joiner and campaign
    // stage of the model read may differ from this build's; both are refitted.
    let bytes = std::fs::read(&a[1])?;
    let len = u64::from_le_bytes(bytes[20..28].try_into()?) as usize;
    let payload = zstd::bulk::decompress(&bytes[28..], len)?;
    let mut model: spamsplice::model::Model = postcard::from_bytes(&payload)?;
    let train = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let dev = spamsplice::labeled::read_csv(std::path::Path::new(&a[3]))?;
    let cfg = spamsplice::train::Config::default();
    let mut report = spamsplice::train::Report::default();
    let stats = spamsplice::train::join_stats(&train);
    eprintln!("joiner fit");
    model.joiner = spamsplice::train::fit_joiner(&train, stats, &cfg, &mut report)?;
    model.campaign.iter_mut().for_each(|c| *c = None);
    spamsplice::train::calibrate(&mut model, &dev, &cfg, &|s| eprintln!("{s}"), &mut report)?;
    let out = model.to_bytes()?;
    spamsplice::model::Model::from_bytes(&out)?;
    std::fs::write(&a[4], out)?;
    Ok(())
}
