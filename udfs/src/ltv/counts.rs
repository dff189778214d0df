//! Counts of identical rows keyed by their values' bits: the state the model-fitting aggregates
//! keep (one entry per distinct customer summary, not one per customer) and exchange as bytes
//! between partial aggregates.

use rustc_hash::FxHashMap;

/// Rows keyed by `N` values (as `f64::to_bits`), with how many times each occurs.
pub type Counts<const N: usize> = FxHashMap<[u64; N], u64>;

/// The counts as bytes: the `N` key words then the count, little-endian, per entry.
pub fn to_bytes<const N: usize>(counts: &Counts<N>) -> Vec<u8> {
    let mut out = Vec::with_capacity(counts.len() * (N + 1) * 8);
    for (key, count) in counts {
        for v in key.iter().chain(std::iter::once(count)) {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Adds the entries of bytes written by [`to_bytes`]; `what` names the state in errors.
pub fn merge_bytes<const N: usize>(
    counts: &mut Counts<N>,
    bytes: &[u8],
    what: &str,
) -> Result<(), String> {
    let entry_bytes = (N + 1) * 8;
    if !bytes.len().is_multiple_of(entry_bytes) {
        return Err(format!(
            "corrupt {what} state: {} bytes is not a multiple of {entry_bytes}",
            bytes.len()
        ));
    }
    for chunk in bytes.chunks_exact(entry_bytes) {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&chunk[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        };
        let key: [u64; N] = std::array::from_fn(word);
        *counts.entry(key).or_insert(0) += word(N);
    }
    Ok(())
}
