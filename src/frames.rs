//! The model file's payload as independent chunks, each compressed or
//! stored, decoded on every core at once.
//!
//! Loading the model is mostly decompression: one zstd frame of 27 MB took
//! 80% of a load's instructions. Much of the payload (the spacing model's
//! i16 weights, hashed counts) is near random, so zstd gains little on it
//! and still spends its Huffman decoding. Cutting the payload into chunks of
//! [`CHUNK`] bytes lets each chunk be stored as it is when compression saves
//! less than a fifth of it, and lets the chunks be decoded in parallel.
//!
//! Layout after the model header: chunk count (u32), then per chunk its kind
//! (u8: 0 stored, 1 zstd), its decoded and stored lengths (u32 each), then
//! the chunks' bytes in order. All integers little-endian.

/// Bytes of payload per chunk.
pub(crate) const CHUNK: usize = 1 << 20;

/// A chunk is kept compressed only if it shrinks to this fraction or less.
const KEEP_RATIO: f64 = 0.8;

const STORED: u8 = 0;
const ZSTD: u8 = 1;

/// Cuts `payload` into chunks, each compressed at `level` if that pays.
pub(crate) fn pack(payload: &[u8], level: i32) -> std::io::Result<Vec<u8>> {
    let chunks: Vec<&[u8]> = payload.chunks(CHUNK).collect();
    let mut packed: Vec<(u8, std::borrow::Cow<[u8]>)> = Vec::with_capacity(chunks.len());
    for c in &chunks {
        let z = zstd::bulk::compress(c, level)?;
        if (z.len() as f64) <= KEEP_RATIO * c.len() as f64 {
            packed.push((ZSTD, z.into()));
        } else {
            packed.push((STORED, (*c).into()));
        }
    }
    let body: usize = packed.iter().map(|(_, b)| b.len()).sum();
    let mut out = Vec::with_capacity(4 + 9 * packed.len() + body);
    out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
    for ((kind, b), c) in packed.iter().zip(&chunks) {
        out.push(*kind);
        out.extend_from_slice(&(c.len() as u32).to_le_bytes());
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    }
    for (_, b) in &packed {
        out.extend_from_slice(b);
    }
    Ok(out)
}

/// One chunk as the table describes it.
struct Entry<'a> {
    kind: u8,
    len: usize,
    data: &'a [u8],
}

/// Decodes what [`pack`] wrote into a payload of `len` bytes, refusing any
/// table that does not add up, on up to `threads` threads.
pub(crate) fn unpack(bytes: &[u8], len: usize, threads: usize) -> Result<Vec<u8>, String> {
    let short = || "truncated chunk table".to_string();
    let u32_at = |at: usize| -> Result<u32, String> {
        let b = bytes.get(at..at + 4).ok_or_else(short)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let n = u32_at(0)? as usize;
    if n > len / CHUNK + 1 {
        return Err(format!("{n} chunks for a payload of {len} bytes"));
    }
    let mut data_at = 4 + 9 * n;
    if bytes.len() < data_at {
        return Err(short());
    }
    let mut entries = Vec::with_capacity(n);
    let mut total = 0usize;
    for i in 0..n {
        let at = 4 + 9 * i;
        let kind = bytes[at];
        let raw = u32_at(at + 1)? as usize;
        let stored = u32_at(at + 5)? as usize;
        let data = bytes
            .get(data_at..data_at + stored)
            .ok_or_else(|| format!("chunk {i} runs past the end of the file"))?;
        match kind {
            STORED if stored != raw => return Err(format!("stored chunk {i} has two lengths")),
            STORED | ZSTD => {}
            k => return Err(format!("chunk {i} is of unknown kind {k}")),
        }
        data_at += stored;
        total += raw;
        entries.push(Entry {
            kind,
            len: raw,
            data,
        });
    }
    if total != len || data_at != bytes.len() {
        return Err(format!(
            "chunks hold {total} of {len} bytes, {} bytes left over",
            bytes.len().saturating_sub(data_at)
        ));
    }
    let mut payload = vec![0u8; len];
    let mut slots: Vec<(&Entry, &mut [u8])> = Vec::with_capacity(n);
    let mut rest = payload.as_mut_slice();
    for e in &entries {
        let (head, tail) = rest.split_at_mut(e.len);
        slots.push((e, head));
        rest = tail;
    }
    let threads = threads.clamp(1, slots.len().max(1));
    let per = slots.len().div_ceil(threads).max(1);
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = slots
            .chunks_mut(per)
            .map(|group| {
                scope.spawn(move || group.iter_mut().try_for_each(|(e, out)| decode(e, out)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a decoding thread failed".into()))
            })
            .collect()
    });
    results.into_iter().collect::<Result<(), String>>()?;
    Ok(payload)
}

fn decode(e: &Entry, out: &mut [u8]) -> Result<(), String> {
    if e.kind == STORED {
        out.copy_from_slice(e.data);
        return Ok(());
    }
    let got = zstd::bulk::decompress_to_buffer(e.data, out).map_err(|err| err.to_string())?;
    if got != out.len() {
        return Err(format!("a chunk decoded to {got} of {} bytes", out.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        // A compressible chunk, noise that zstd cannot shrink, then a short
        // compressible tail.
        let mut v: Vec<u8> = (0..CHUNK).map(|i| (i % 7) as u8).collect();
        let mut x = 0x9e37_79b9_u32;
        v.extend((0..CHUNK).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        }));
        v.extend((0..100).map(|i| (i % 7) as u8));
        v
    }

    #[test]
    fn round_trips_and_stores_what_does_not_shrink() {
        let p = sample();
        let packed = pack(&p, 3).unwrap();
        assert_eq!(u32::from_le_bytes(packed[..4].try_into().unwrap()), 3);
        let kinds: Vec<u8> = (0..3).map(|i| packed[4 + 9 * i]).collect();
        assert_eq!(kinds, [ZSTD, STORED, ZSTD]);
        for threads in [1, 2, 8] {
            assert_eq!(unpack(&packed, p.len(), threads).unwrap(), p);
        }
        assert_eq!(
            unpack(&pack(&[], 3).unwrap(), 0, 2).unwrap(),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn damaged_tables_are_refused_with_a_reason() {
        let p = sample();
        let packed = pack(&p, 3).unwrap();
        let e = unpack(&packed, p.len() + 1, 2).unwrap_err();
        assert!(e.contains("chunks hold"), "{e}");
        let e = unpack(&packed[..packed.len() - 1], p.len(), 2).unwrap_err();
        assert!(e.contains("runs past the end"), "{e}");
        let mut bad = packed.clone();
        bad[4] = 7;
        assert!(unpack(&bad, p.len(), 2)
            .unwrap_err()
            .contains("unknown kind 7"));
        let mut bad = packed.clone();
        let last = 4 + 9; // the stored chunk's decoded length
        bad[last + 1] ^= 1;
        assert!(unpack(&bad, p.len(), 2).is_err());
        let mut bad = packed;
        bad[4 + 9 * 3] ^= 0xff; // the first zstd frame's magic number
        assert!(unpack(&bad, p.len(), 2).is_err());
        assert!(unpack(&[1, 0], 10, 2).unwrap_err().contains("truncated"));
    }
}
