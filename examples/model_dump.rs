//! Prints a model file's learned weights (for people tuning features).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: model_dump MODEL")?;
    let det = spamsplice::Detector::load(&path)?;
    let m = det.model();
    println!("threshold {}", m.threshold);
    for (name, lin) in [("tokens", &m.tokens), ("joiner", &m.joiner.model)] {
        println!("{name}: intercept {:.3}", lin.intercept);
        for i in 0..lin.coef.len() {
            println!("  {:<24} coef {:>8.3}  mean {:>8.3}  scale {:>8.3}", lin.names[i], lin.coef[i], lin.mean[i], lin.scale[i]);
        }
    }
    Ok(())
}
