//! Exact counts of words and word pairs, keyed by 64-bit hashes.
//!
//! A fixed table with one counter per hash bucket saturates once the clean
//! text holds more distinct words than buckets: an unseen joined word such
//! as `digdeep` then reads the count of whatever shares its bucket, and the
//! joiner and the detector's word features see noise where they should see
//! zero. [`KeyCounts`] keeps every key in full, so a look-up is exact up to a
//! 64-bit hash collision (about one in 2^64 / n per look-up).
//!
//! It is an open-addressing table with linear probing whose home slot for a
//! key scales the key's top bits to the table's length, so keys in
//! ascending order have ascending home slots. It is at most half full while
//! counting and two-thirds full as loaded from a model file. In the model
//! file it is stored as its entries sorted by key, so the bytes depend on the counts
//! alone and not on the order the counting threads met the words; and
//! loading inserts them in slot order, a sequential sweep rather than a
//! cache miss per key.

use serde::{Deserialize, Serialize};

use crate::blob::{self, LeBytes};

/// The empty-slot marker; [`key`] never returns it.
const EMPTY: u64 = 0;

/// The smallest table allocated on the first insertion.
const MIN_SLOTS: usize = 1 << 10;

/// Counts by 64-bit key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyCounts {
    /// Empty until the first insertion; [`EMPTY`] marks a free slot.
    keys: Vec<u64>,
    counts: Vec<u32>,
    len: usize,
}

/// A 64-bit hash finished into a table key: mixed so its top bits index
/// well, and never `EMPTY`.
#[inline]
pub fn key(h: u64) -> u64 {
    // The splitmix64 finalizer.
    let mut z = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    if z == EMPTY {
        1
    } else {
        z
    }
}

impl KeyCounts {
    /// An empty table of `slots` slots.
    fn with_slots(slots: usize) -> KeyCounts {
        KeyCounts {
            keys: vec![EMPTY; slots],
            counts: vec![0; slots],
            len: 0,
        }
    }

    /// The slot where the probe for `key` starts (the table is not empty).
    #[inline]
    fn home(&self, key: u64) -> usize {
        (((key >> 32) * self.keys.len() as u64) >> 32) as usize
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The count of `key` (a value from [`key`]); 0 when never added.
    #[inline]
    pub fn get(&self, key: u64) -> u32 {
        if self.keys.is_empty() {
            return 0;
        }
        let i = self.probe(key);
        if self.keys[i] == key {
            self.counts[i]
        } else {
            0
        }
    }

    /// The slot holding `key`, or the free slot where it would go (the table
    /// is not empty and has a free slot).
    #[inline]
    fn probe(&self, key: u64) -> usize {
        let mut i = self.home(key);
        while self.keys[i] != key && self.keys[i] != EMPTY {
            i += 1;
            if i == self.keys.len() {
                i = 0;
            }
        }
        i
    }

    /// Starts loading `key`'s home slot (key and count), so that several
    /// [`KeyCounts::get`]s of a multi-megabyte table miss the cache
    /// together rather than one after another. Only a hint.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        #[cfg(target_arch = "x86_64")]
        if !self.keys.is_empty() {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let i = self.home(key);
            if let (Some(k), Some(c)) = (self.keys.get(i), self.counts.get(i)) {
                // SAFETY: prefetching never faults; both point into live vectors.
                unsafe {
                    _mm_prefetch((k as *const u64).cast::<i8>(), _MM_HINT_T0);
                    _mm_prefetch((c as *const u32).cast::<i8>(), _MM_HINT_T0);
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// Adds `n` to the count of `key` (saturating); grows the table past half full.
    pub fn add(&mut self, key: u64, n: u32) {
        if (self.len + 1) * 2 > self.keys.len() {
            self.grow();
        }
        self.insert(key, n);
    }

    /// [`KeyCounts::add`] into a table known to have a free slot.
    fn insert(&mut self, key: u64, n: u32) {
        let i = self.probe(key);
        if self.keys[i] == EMPTY {
            self.keys[i] = key;
            self.len += 1;
        }
        self.counts[i] = self.counts[i].saturating_add(n);
    }

    fn grow(&mut self) {
        let slots = (self.keys.len() * 2).max(MIN_SLOTS);
        self.rebuild(slots, |_, _| true);
    }

    /// Re-inserts the entries for which `keep(key, count)` holds into
    /// `slots` slots (at least twice as many as they are, so each finds a
    /// free one).
    fn rebuild(&mut self, slots: usize, keep: impl Fn(u64, u32) -> bool) {
        let old = std::mem::replace(self, KeyCounts::with_slots(slots));
        for (k, c) in old.iter().filter(|&(k, c)| keep(k, c)) {
            self.insert(k, c);
        }
    }

    /// The entries, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.keys
            .iter()
            .zip(&self.counts)
            .filter(|(&k, _)| k != EMPTY)
            .map(|(&k, &c)| (k, c))
    }

    /// Adds every count of `other`.
    pub fn merge(self, other: KeyCounts) -> KeyCounts {
        let (mut big, small) = if self.len >= other.len {
            (self, other)
        } else {
            (other, self)
        };
        for (k, c) in small.iter() {
            big.add(k, c);
        }
        big
    }

    /// Keeps the entries for which `keep(key, count)` holds and shrinks the
    /// table to fit.
    pub fn retain(&mut self, keep: impl Fn(u64, u32) -> bool) {
        let kept = self.iter().filter(|&(k, c)| keep(k, c)).count();
        self.rebuild((kept * 2).max(MIN_SLOTS), keep);
    }

    /// Drops the keys counted fewer than `min` times (rare pairs are most of
    /// the distinct ones and say little) and shrinks the table to fit.
    pub fn retain_at_least(&mut self, min: u32) {
        self.retain(|_, c| c >= min);
    }
}

/// [`KeyCounts`] as written to the model file: the keys in ascending order
/// and their counts, each as one little-endian byte string, so loading
/// reads two blobs in place instead of decoding a million numbers one by one.
#[derive(Serialize)]
struct KeyCountsOut {
    keys: LeBytes,
    counts: LeBytes,
}

/// [`KeyCountsOut`] as read back, borrowing the file's bytes.
#[derive(Deserialize)]
struct KeyCountsIn<'a> {
    #[serde(deserialize_with = "crate::blob::borrowed")]
    keys: &'a [u8],
    #[serde(deserialize_with = "crate::blob::borrowed")]
    counts: &'a [u8],
}

impl KeyCounts {
    /// The table of ascending `keys` and their `counts`, two-thirds full.
    /// Home slots ascend with the keys, so each entry lands at its home slot
    /// or just after the previous entry: the layout linear probing gives
    /// for this insertion order, written in one sequential sweep.
    fn from_sorted<E: serde::de::Error>(keys: &[u8], counts: &[u8]) -> Result<KeyCounts, E> {
        let n = keys.len() / 8;
        if counts.len() != 4 * n {
            return Err(E::custom("word keys and counts differ in number"));
        }
        let keys = blob::items::<8, E>(keys, "word keys")?.map(u64::from_le_bytes);
        let counts = blob::items::<4, E>(counts, "word counts")?.map(u32::from_le_bytes);
        let mut t = KeyCounts::with_slots((n * 3 / 2 + 1).max(MIN_SLOTS));
        let mut next = 0usize;
        let mut prev = EMPTY;
        for (k, c) in keys.zip(counts) {
            if k <= prev {
                return Err(E::custom("word keys out of order"));
            }
            prev = k;
            let at = t.home(k).max(next);
            if at < t.keys.len() {
                t.keys[at] = k;
                t.counts[at] = c;
                t.len += 1;
                next = at + 1;
            } else {
                // Past the end: wrap around as probing does.
                t.insert(k, c);
            }
        }
        Ok(t)
    }
}

impl Serialize for KeyCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(u64, u32)> = self.iter().collect();
        entries.sort_unstable();
        KeyCountsOut {
            keys: LeBytes(entries.iter().flat_map(|e| e.0.to_le_bytes()).collect()),
            counts: LeBytes(entries.iter().flat_map(|e| e.1.to_le_bytes()).collect()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for KeyCounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = KeyCountsIn::deserialize(d)?;
        KeyCounts::from_sorted(p.keys, p.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_through_growth_merge_and_storage() {
        let mut a = KeyCounts::default();
        let mut b = KeyCounts::default();
        for i in 0..5000u64 {
            a.add(key(i), 1);
            if i % 2 == 0 {
                b.add(key(i), 2);
            }
        }
        let m = a.merge(b);
        assert_eq!(m.len(), 5000);
        assert_eq!(m.get(key(10)), 3);
        assert_eq!(m.get(key(11)), 1);
        assert_eq!(m.get(key(5000)), 0);
        let bytes = postcard::to_stdvec(&m).unwrap();
        let back: KeyCounts = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.len(), 5000);
        assert!((0..5001u64).all(|i| back.get(key(i)) == m.get(key(i))));
        // Storage does not depend on insertion order.
        let mut r = KeyCounts::default();
        for (k, c) in m.iter().collect::<Vec<_>>().into_iter().rev() {
            r.add(k, c);
        }
        assert_eq!(postcard::to_stdvec(&r).unwrap(), bytes);
    }

    #[test]
    fn pruning_keeps_frequent_keys_only() {
        let mut t = KeyCounts::default();
        for i in 0..3000u64 {
            t.add(key(i), (i % 3) as u32 + 1);
        }
        t.retain_at_least(2);
        assert_eq!(t.len(), 2000);
        assert_eq!(t.get(key(0)), 0);
        assert_eq!(t.get(key(1)), 2);
        assert_eq!(t.get(key(2)), 3);
    }

    #[test]
    fn loading_wraps_keys_past_the_table_end_as_probing_does() {
        // Keys whose home is the last slot: all but one spill to the front.
        let mut t = KeyCounts::default();
        let top = (0..40u64).map(|k| u64::MAX - k);
        for (c, k) in top.clone().enumerate() {
            t.add(k, c as u32 + 1);
        }
        t.add(key(1), 99);
        let back: KeyCounts = postcard::from_bytes(&postcard::to_stdvec(&t).unwrap()).unwrap();
        assert_eq!(back.len(), 41);
        for (c, k) in top.enumerate() {
            assert_eq!(back.get(k), c as u32 + 1);
        }
        assert_eq!(back.get(key(1)), 99);
        assert_eq!(back.get(key(2)), 0);
    }

    #[test]
    fn keys_are_never_the_empty_marker() {
        assert!((0..100_000u64).all(|h| key(h) != EMPTY));
    }
}
