//! Near-duplicate detection: the same story from several sources (wire
//! copies, syndication) is kept once, the fullest copy, with the other
//! sources recorded in `also_in`.
//!
//! Each article becomes a bottom-k MinHash sketch of its word 4-gram
//! shingles: the k smallest of their 64-bit hashes. The k smallest hashes
//! of two sketches together are the k smallest of the union of the two
//! shingle sets, and the share of them found in both sketches estimates the
//! Jaccard similarity of the sets. One hash per shingle and a sort make it
//! about a hundred times cheaper than a signature with one hash function
//! per slot, at the same accuracy. Copies that differ only by a headline, a
//! byline or a trimmed last paragraph score well above the threshold; two
//! different stories on the same topic score near zero.

use super::CleanArticle;

/// Sketch size: the error of the Jaccard estimate is about 1/sqrt(k).
const SKETCH: usize = 128;
/// Words per shingle.
const SHINGLE: usize = 4;
/// Estimated Jaccard similarity at or above which two articles are one story.
pub const THRESHOLD: f64 = 0.5;

/// FNV-1a step: a fixed, portable hash so sketches are the same on every run.
fn fnv1a(h: u64, byte: u8) -> u64 {
    (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// A strong 64-bit mixer (splitmix64's finaliser).
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The hash of a word, ignoring case, without allocating a lower-case copy.
fn word_hash(word: &str) -> u64 {
    let mut h = FNV_START;
    for c in word.chars() {
        if c.is_ascii() {
            h = fnv1a(h, c.to_ascii_lowercase() as u8);
        } else {
            let mut buf = [0u8; 4];
            for lower in c.to_lowercase() {
                h = lower.encode_utf8(&mut buf).bytes().fold(h, fnv1a);
            }
        }
    }
    h
}

/// The sketch of a text (its smallest shingle hashes, ascending, no
/// repeats), or `None` when it is too short to have a single shingle (such
/// texts are never merged).
pub fn signature(text: &str) -> Option<Vec<u64>> {
    signature_of([text])
}

/// The sketch of texts read one after the other (a title and paragraphs),
/// without joining them into one string.
fn signature_of<S: AsRef<str>>(texts: impl IntoIterator<Item = S>) -> Option<Vec<u64>> {
    let mut words: Vec<u64> = Vec::new();
    for text in texts {
        words.extend(
            text.as_ref()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(word_hash),
        );
    }
    if words.len() < SHINGLE {
        return None;
    }
    let mut hashes: Vec<u64> = words
        .windows(SHINGLE)
        .map(|window| {
            window
                .iter()
                .fold(0u64, |acc, &w| mix(acc.rotate_left(17) ^ w))
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes.truncate(SKETCH);
    Some(hashes)
}

/// The estimated Jaccard similarity of the texts of two sketches: of the
/// smallest `SKETCH` hashes in either, the share that is in both.
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut taken, mut both) = (0, 0, 0usize, 0usize);
    while taken < SKETCH {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, Some(_)) => j += 1,
            (None, None) => break,
        }
        taken += 1;
    }
    both as f64 / taken.max(1) as f64
}

/// The host of an absolute URL, without a leading "www.": "https://www.
/// example.com/a/b" gives "example.com". `None` for anything else.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    // Drop a port, but not the colons of a bracketed IPv6 address.
    let host = match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    };
    let host = host
        .strip_prefix("www.")
        .unwrap_or(host)
        .to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// How an article is named in another's `also_in`, for a reader: its
/// source, else its URL's host, else its title. Never a file path, which
/// means nothing to a reader.
pub fn source_label(a: &CleanArticle) -> String {
    a.source
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| a.url.as_deref().and_then(url_host))
        .unwrap_or_else(|| a.title.clone())
}

/// Labels equal but for case and spacing name the same source.
fn same_label(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    key(a) == key(b)
}

/// Merges articles that tell the same story, keeping the fullest (most
/// words; the earlier one on a tie) at the place of the first copy, and
/// recording the others' sources in `also_in`. Order is otherwise kept.
pub fn merge_near_duplicates(articles: Vec<CleanArticle>) -> Vec<CleanArticle> {
    let sigs: Vec<Option<Vec<u64>>> = articles
        .iter()
        .map(|a| signature_of(std::iter::once(&a.title).chain(&a.paragraphs)))
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
                    let known = same_label(&label, &own)
                        || kept.also_in.iter().any(|l| same_label(l, &label));
                    if !label.trim().is_empty() && !known {
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
    use std::path::Path;

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://www.example.com/a/b?c=d").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            url_host("http://user@News.Example.org:8080/x").as_deref(),
            Some("news.example.org")
        );
        assert_eq!(url_host("/relative/path"), None);
        assert_eq!(url_host("https:///nohost"), None);
    }

    fn copy(
        path: &str,
        title: &str,
        source: Option<&str>,
        url: Option<&str>,
        words: usize,
    ) -> CleanArticle {
        let story = "Oil prices rose to a seven-week high on Thursday after the producer group agreed to extend voluntary output cuts until the end of June";
        let mut body: Vec<String> = vec![story.to_string()];
        body.extend((0..words).map(|i| format!("Extra detail number {i} from this copy.")));
        let mut a = CleanArticle::new(Path::new(path), title.to_string(), body);
        a.source = source.map(String::from);
        a.url = url.map(String::from);
        a
    }

    #[test]
    fn also_in_names_sources_hosts_or_titles_never_paths() {
        let merged = merge_near_duplicates(vec![
            copy("./inbox/a.txt", "Oil at seven-week high", None, None, 0),
            copy(
                "./inbox/b.html",
                "Oil rises",
                None,
                Some("https://www.gulfbusiness.example/oil"),
                0,
            ),
            copy(
                "./inbox/c.txt",
                "Brent climbs",
                Some("Meridian Wire"),
                None,
                1,
            ),
            copy("./inbox/d.txt", "Oil up", Some("meridian  wire"), None, 0),
        ]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].source.as_deref(), Some("Meridian Wire"));
        // The title for the copy with neither source nor URL, the host for
        // the one with a URL, and no second "Meridian Wire".
        assert_eq!(
            merged[0].also_in,
            vec!["Oil at seven-week high", "gulfbusiness.example"]
        );
        assert!(merged[0].also_in.iter().all(|l| !l.contains("inbox")));
    }

    /// On texts far longer than the sketch, the estimate is close to the
    /// exact Jaccard similarity of the shingle sets.
    #[test]
    fn the_estimate_tracks_the_exact_similarity() {
        let words: Vec<String> = (0..3000)
            .map(|i| format!("w{}", i * 7919 % 10007))
            .collect();
        let shingles = |text: &[String]| -> std::collections::HashSet<String> {
            text.windows(SHINGLE).map(|w| w.join(" ")).collect()
        };
        for (a_end, b_start) in [(2000, 1000), (2500, 500), (1500, 1400), (3000, 0)] {
            let (a, b) = (&words[..a_end], &words[b_start..]);
            let (sa, sb) = (shingles(a), shingles(b));
            let exact = sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64;
            let estimate = similarity(
                &signature(&a.join(" ")).unwrap(),
                &signature(&b.join(" ")).unwrap(),
            );
            assert!(
                (estimate - exact).abs() < 0.12,
                "exact {exact:.3}, estimated {estimate:.3}"
            );
        }
    }

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
