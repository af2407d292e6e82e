//! The model file's big tables as little-endian byte strings.
//!
//! Through serde, a `Vec<u32>` of a million counts is decoded one number at
//! a time; as one byte string it is a length and a copy (postcard borrows
//! it from the file's bytes), which keeps loading the model quick. Readers
//! check lengths: a string whose length is not a whole number of items is
//! refused as corrupt.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that serialize as one byte string.
pub(crate) struct LeBytes(pub Vec<u8>);

impl Serialize for LeBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

/// A byte string borrowed from the input.
pub(crate) fn borrowed<'de, D: Deserializer<'de>>(d: D) -> Result<&'de [u8], D::Error> {
    <&'de [u8]>::deserialize(d)
}

/// `bytes` cut into items of `N` bytes, or a corrupt-file error.
pub(crate) fn items<'a, const N: usize, E: serde::de::Error>(
    bytes: &'a [u8],
    what: &str,
) -> Result<impl Iterator<Item = [u8; N]> + 'a, E> {
    if !bytes.len().is_multiple_of(N) {
        return Err(E::custom(format!(
            "{what}: {} bytes is not a whole number of {N}-byte items",
            bytes.len()
        )));
    }
    Ok(bytes.chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    }))
}

/// Serializes equal-length `u32` tables as one byte string.
pub(crate) fn ser_u32_tables<S: Serializer, const K: usize>(
    tables: &[Vec<u32>; K],
    s: S,
) -> Result<S::Ok, S::Error> {
    LeBytes(
        tables
            .iter()
            .flatten()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
    )
    .serialize(s)
}

/// Reads what [`ser_u32_tables`] wrote back into `K` equal tables.
pub(crate) fn de_u32_tables<'de, D: Deserializer<'de>, const K: usize>(
    d: D,
) -> Result<[Vec<u32>; K], D::Error> {
    let bytes = borrowed(d)?;
    if !bytes.len().is_multiple_of(4 * K) {
        return Err(serde::de::Error::custom(format!(
            "{K} tables of {} bytes do not divide evenly",
            bytes.len()
        )));
    }
    let per = bytes.len() / K;
    let mut out: [Vec<u32>; K] = std::array::from_fn(|_| Vec::new());
    for (k, t) in out.iter_mut().enumerate() {
        *t = items::<4, D::Error>(&bytes[k * per..(k + 1) * per], "table")?
            .map(u32::from_le_bytes)
            .collect();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(serialize_with = "ser_u32_tables", deserialize_with = "de_u32_tables")]
        t: [Vec<u32>; 2],
    }

    #[test]
    fn tables_round_trip_and_bad_lengths_are_refused() {
        let t = T {
            t: [vec![1, 2, 300_000], vec![4, 5, u32::MAX]],
        };
        let bytes = postcard::to_stdvec(&t).unwrap();
        assert_eq!(postcard::from_bytes::<T>(&bytes).unwrap(), t);
        // One byte string of 23 bytes: not two tables of u32.
        let mut bad = vec![23u8];
        bad.extend([0u8; 23]);
        assert!(postcard::from_bytes::<T>(&bad).is_err());
    }
}
