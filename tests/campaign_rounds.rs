//! The memory's second round: a name the first round's memory makes the
//! campaign stage sure of in more documents is remembered as found in them.
//! `data/samples/campaign.jsonl` (briefs we wrote) signs `드래곤포커` with a
//! domain or a suffix in some briefs and leaves it bare in others.

use spamsplice::Campaign;
use spamsplice::Detector;

#[test]
fn the_second_round_finds_a_name_in_more_documents() {
    let det = Detector::embedded().expect("embedded model");
    let sample = include_str!("../data/samples/campaign.jsonl");
    let docs: Vec<String> = sample
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
            v["text"].as_str().expect("text").to_string()
        })
        .collect();
    let first_words: Vec<_> = docs.iter().map(|d| det.campaign_words(d)).collect();
    let first: Campaign = first_words.iter().collect();
    let second_words: Vec<_> = docs
        .iter()
        .map(|d| det.campaign_words_with(d, &first))
        .collect();
    let count = |w: &[spamsplice::DocWords]| w.iter().filter(|d| d.found("드래곤포커")).count();
    let (one, two) = (count(&first_words), count(&second_words));
    assert!(one > 0, "the first round finds the signed name");
    assert!(two > one, "first round {one} documents, second {two}");
}
