//! Refits a model's decisions on dev (thresholds, campaign stage, their
//! thresholds: `train::calibrate`) and keeps its token stages and joiner,
//! to try a change to the campaign stage in a minute rather than a full
//! training. `spamsplice train` ends with the same step, so the recipe
//! gives the same model.
//! Usage: refit_campaign MODEL DEV_CSV OUT
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 4 {
        return Err("usage: refit_campaign MODEL DEV_CSV OUT".into());
    }
    // Decoded past `Model::from_bytes`'s check: the campaign stage of the
    // model read may have another width than this build's; it is refitted.
    let bytes = std::fs::read(&a[1])?;
    let len = u64::from_le_bytes(bytes[20..28].try_into()?) as usize;
    let payload = zstd::bulk::decompress(&bytes[28..], len)?;
    let mut model: spamsplice::model::Model = postcard::from_bytes(&payload)?;
    let dev = spamsplice::labeled::read_csv(std::path::Path::new(&a[2]))?;
    let cfg = spamsplice::train::Config::default();
    model.campaign.iter_mut().for_each(|c| *c = None);
    let mut report = spamsplice::train::Report::default();
    spamsplice::train::calibrate(&mut model, &dev, &cfg, &|s| eprintln!("{s}"), &mut report)?;
    eprintln!("campaign rows per regime: {:?}", report.campaign_rows);
    let out = model.to_bytes()?;
    spamsplice::model::Model::from_bytes(&out)?;
    std::fs::write(&a[3], out)?;
    Ok(())
}
