//! The crate's hashes, written once. Every hash here is part of the model
//! file's meaning (bucket indices and table keys are stored hashed), so each
//! must give the same value on every platform, run and release: none is
//! keyed, none depends on `std`'s hasher.

/// FNV-1a, 64 bit.
const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;
/// FNV-1a, 32 bit.
const FNV32_OFFSET: u32 = 0x811c_9dc5;
const FNV32_PRIME: u32 = 0x0100_0193;
/// The golden-ratio multipliers that spread a seed or a word across bits.
pub(crate) const GOLDEN32: u32 = 0x9e37_79b9;
pub(crate) const GOLDEN64: u64 = 0x9e37_79b9_7f4a_7c15;
/// FxHash's multiplier (rustc's hasher).
const FX: u64 = 0x517c_c1b7_2722_0a95;

/// FNV-1a over 64 bits, fed bytes or whole code units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv64(u64);

impl Fnv64 {
    #[inline]
    pub(crate) fn new() -> Fnv64 {
        Fnv64(FNV64_OFFSET)
    }

    /// One step over a unit: a byte, or a char as its code point.
    #[inline]
    pub(crate) fn unit(&mut self, u: u64) {
        self.0 = (self.0 ^ u).wrapping_mul(FNV64_PRIME);
    }

    #[inline]
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.unit(u64::from(b)));
    }

    #[inline]
    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// FNV-1a 64 of a byte string.
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    let mut h = Fnv64::new();
    h.bytes(bytes);
    h.finish()
}

/// FNV-1a over 32 bits and chars (as code points), seeded so that the
/// n-gram orders or window shapes that share one table never collide
/// by construction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv32(u32);

impl Fnv32 {
    #[inline]
    pub(crate) fn seeded(seed: u32) -> Fnv32 {
        Fnv32(FNV32_OFFSET ^ seed.wrapping_mul(GOLDEN32))
    }

    #[inline]
    pub(crate) fn char(&mut self, c: char) {
        self.0 = (self.0 ^ c as u32).wrapping_mul(FNV32_PRIME);
    }

    /// The hash with its high bits folded down by `shift`, so that a table
    /// indexed by the low bits sees them too.
    #[inline]
    pub(crate) fn folded(self, shift: u32) -> u32 {
        self.0 ^ (self.0 >> shift)
    }
}

/// One step of FxHash: a 64-bit word mixed into `h`.
#[inline]
pub(crate) fn fx_step(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(FX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv64_matches_the_published_vectors() {
        // From the FNV reference (draft-eastlake-fnv): "" and "a".
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fnv32_unseeded_matches_the_published_vector() {
        // Seed 0 is plain FNV-1a 32: "a" hashes to 0xe40c292c.
        let mut h = Fnv32::seeded(0);
        h.char('a');
        assert_eq!(h.0, 0xe40c_292c);
        assert_ne!(h.folded(15), h.0);
    }
}
