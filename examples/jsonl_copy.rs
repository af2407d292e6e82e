//! Baseline for `scripts/bench.sh`: the plainest Rust JSONL loop — read a
//! line, parse it into a `serde_json::Value`, write it back — to compare
//! `spamsplice filter --format jsonl` with.
//!
//! `cargo run --release --example jsonl_copy -- INPUT > OUTPUT`

use std::io::{BufRead, BufReader, BufWriter, Write};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).expect("usage: jsonl_copy INPUT");
    let reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for line in reader.lines() {
        let line = line?;
        let v: serde_json::Value = serde_json::from_str(&line).map_err(std::io::Error::other)?;
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
