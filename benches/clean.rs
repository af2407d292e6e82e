//! Benchmarks of `clean()` (filled in below).
fn main() {}
