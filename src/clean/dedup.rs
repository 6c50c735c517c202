//! Near-duplicate detection: the same story from several sources (wire
//! copies, syndication) is kept once, the fullest copy, with the other
//! sources recorded in `also_in`.
//!
//! Each article becomes a MinHash signature over its word 4-gram shingles;
//! the share of equal signature slots estimates the Jaccard similarity of
//! the shingle sets. Copies that differ only by a headline, a byline or a
//! trimmed last paragraph score well above the threshold; two different
//! stories on the same topic score near zero.

use super::CleanArticle;

/// Signature length: the error of the Jaccard estimate is about 1/sqrt(N).
const SLOTS: usize = 128;
/// Words per shingle.
const SHINGLE: usize = 4;
/// Estimated Jaccard similarity at or above which two articles are one story.
pub const THRESHOLD: f64 = 0.5;

/// FNV-1a: a fixed, portable hash so signatures are the same on every run.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A strong 64-bit mixer (splitmix64's finaliser), one "permutation" per seed.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The MinHash signature of a text, or `None` when it is too short to have a
/// single shingle (such texts are never merged).
pub fn signature(text: &str) -> Option<Vec<u64>> {
    let words: Vec<u64> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| fnv1a(w.to_lowercase().as_bytes()))
        .collect();
    if words.len() < SHINGLE {
        return None;
    }
    let mut sig = vec![u64::MAX; SLOTS];
    for window in words.windows(SHINGLE) {
        let shingle = window
            .iter()
            .fold(0u64, |acc, &w| mix(acc.rotate_left(17) ^ w));
        for (slot, min) in sig.iter_mut().enumerate() {
            let h = mix(shingle ^ (slot as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            if h < *min {
                *min = h;
            }
        }
    }
    Some(sig)
}

/// The estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// How an article is named in another's `also_in`.
fn source_label(a: &CleanArticle) -> String {
    a.source
        .clone()
        .or_else(|| a.url.clone())
        .unwrap_or_else(|| a.path.display().to_string())
}

/// Merges articles that tell the same story, keeping the fullest (most
/// words; the earlier one on a tie) at the place of the first copy, and
/// recording the others' sources in `also_in`. Order is otherwise kept.
pub fn merge_near_duplicates(articles: Vec<CleanArticle>) -> Vec<CleanArticle> {
    let sigs: Vec<Option<Vec<u64>>> = articles
        .iter()
        .map(|a| signature(&format!("{}\n{}", a.title, a.body())))
        .collect();
    // group[i] = index of the first article of i's cluster.
    let mut group: Vec<usize> = (0..articles.len()).collect();
    for i in 0..articles.len() {
        if group[i] != i {
            continue;
        }
        let Some(si) = &sigs[i] else { continue };
        for j in i + 1..articles.len() {
            if group[j] != j {
                continue;
            }
            if let Some(sj) = &sigs[j] {
                if similarity(si, sj) >= THRESHOLD {
                    group[j] = i;
                }
            }
        }
    }
    let mut slots: Vec<Option<CleanArticle>> = articles.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for first in 0..slots.len() {
        if group[first] != first {
            continue;
        }
        let members: Vec<usize> = (first..slots.len())
            .filter(|&k| group[k] == first)
            .collect();
        let best = members
            .iter()
            .copied()
            .max_by_key(|&k| {
                let words = slots[k].as_ref().map_or(0, CleanArticle::word_count);
                (words, std::cmp::Reverse(k))
            })
            .unwrap_or(first);
        let Some(mut kept) = slots[best].take() else {
            continue;
        };
        let own = source_label(&kept);
        for &k in &members {
            if let Some(other) = slots[k].take() {
                for label in std::iter::once(source_label(&other)).chain(other.also_in) {
                    if label != own && !kept.also_in.contains(&label) {
                        kept.also_in.push(label);
                    }
                }
            }
        }
        out.push(kept);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_have_similarity_one_and_different_texts_near_zero() {
        let a = signature("the quick brown fox jumps over the lazy dog again and again").unwrap();
        let b = signature("the quick brown fox jumps over the lazy dog again and again").unwrap();
        let c = signature("oil prices fell on tuesday as opec signalled higher output next month")
            .unwrap();
        assert_eq!(similarity(&a, &b), 1.0);
        assert!(similarity(&a, &c) < 0.1);
        assert!(signature("too short").is_none());
    }
}
