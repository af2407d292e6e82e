//! Prints a model file's learned weights (for people tuning features).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: model_dump MODEL")?;
    let det = spamsplice::Detector::load(&path)?;
    let m = det.model();
    println!(
        "thresholds {:?}, growth thresholds {:?}",
        m.thresholds, m.extend
    );
    println!(
        "with a corpus's memory: thresholds {:?}, growth thresholds {:?}",
        m.campaign_thresholds, m.campaign_extend
    );
    let mut models: Vec<(String, &spamsplice::model::Linear)> = Vec::new();
    for (g, st) in m.tokens.iter().enumerate() {
        models.push((format!("group {g} first"), &st.first));
        models.push((format!("group {g} second"), &st.second));
    }
    for (g, c) in m.campaign.iter().enumerate() {
        if let Some(c) = c {
            models.push((format!("group {g} campaign"), c));
        }
    }
    for (k, j) in m.joiner.scripts.iter().enumerate() {
        models.push((format!("joiner, script {k}"), &j.model));
    }
    for (name, lin) in models {
        println!("{name}: intercept {:.3}", lin.intercept());
        for (feature, coef, mean, scale) in lin.terms() {
            println!("  {feature:<24} coef {coef:>8.3}  mean {mean:>8.3}  scale {scale:>8.3}");
        }
    }
    Ok(())
}
