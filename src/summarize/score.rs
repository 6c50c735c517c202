//! Sentence scoring: directed centrality over TF-IDF similarity, a position
//! prior, and greedy redundancy removal.
//!
//! The idea is PacSum's (Zheng & Lapata 2019): a sentence matters when the
//! sentences *after* it echo it (it introduces what the story goes on to
//! develop), while being echoed by earlier sentences counts for less or even
//! against it. Summing cosine similarities over all pairs is quadratic; with
//! L2-normalised vectors the sum over a range of sentences is the dot product
//! with the sum of their vectors, so both directions come from one running
//! prefix sum and the whole pass is linear in the article's length.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// The knobs of the scorer. The defaults were tuned on the CNN/DailyMail
/// dev stories (see BENCHMARKS.md); nothing here is specific to one file.
#[derive(Debug, Clone)]
pub struct Weights {
    /// Weight of being echoed by later sentences.
    pub forward: f64,
    /// Weight of being echoed by earlier sentences (PacSum: negative).
    pub backward: f64,
    /// Share of the final score that comes from position (0..=1).
    pub position: f64,
    /// How fast the position prior decays: prior = 1 / (1 + i / scale).
    pub position_scale: f64,
    /// Penalty per unit of similarity to an already chosen sentence.
    pub redundancy: f64,
    /// Sentences with fewer words than this are scored down (captions, bylines).
    pub min_words: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            forward: 1.0,
            // PacSum's negative weight for backward edges lowered ROUGE here
            // (-0.2: R1 -0.7); the field stays so the trade-off is explicit.
            backward: 0.0,
            position: 0.5,
            position_scale: 3.0,
            redundancy: 0.5,
            min_words: 6,
        }
    }
}

/// A sparse, L2-normalised TF-IDF vector: (term id, weight), sorted by id.
#[derive(Debug, Clone, Default)]
pub struct Vector(Vec<(u32, f32)>);

impl Vector {
    pub fn dot(&self, other: &Vector) -> f64 {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut sum) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += f64::from(a[i].1) * f64::from(b[j].1);
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    fn dot_dense(&self, dense: &[f64]) -> f64 {
        self.0
            .iter()
            .map(|&(t, w)| f64::from(w) * dense[t as usize])
            .sum()
    }
}

/// What the scorer knows about each sentence.
#[derive(Debug, Clone)]
pub struct Scored {
    pub scores: Vec<f64>,
    pub vectors: Vec<Vector>,
}

/// Common English words that carry no topic; sorted, for binary search.
const STOP: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "for",
    "from", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "me", "more", "most", "mr", "mrs", "ms", "my", "no", "not",
    "now", "of", "on", "one", "only", "or", "other", "our", "out", "over", "s", "said", "say",
    "says", "she", "so", "some", "t", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "up", "us", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "will", "with", "would", "you", "your",
];

/// Scores every sentence; higher is more summary-worthy.
pub fn score(sentences: &[&str], weights: &Weights) -> Scored {
    let n = sentences.len();
    let stemmer = Stemmer::create(Algorithm::English);
    // Stemming is most of the cost, so each distinct word is stemmed once:
    // raw word -> term id (None for a stop word).
    let mut seen: HashMap<&str, Option<u32>> = HashMap::new();
    let mut vocab: HashMap<String, u32> = HashMap::new();
    let mut counts: Vec<Vec<(u32, u32)>> = Vec::with_capacity(n);
    let mut df: Vec<u32> = Vec::new();
    let mut tf: Vec<u32> = Vec::new();
    for s in sentences {
        tf.clear();
        for word in s
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let id = *seen.entry(word).or_insert_with(|| {
                let lower = word.to_lowercase();
                if STOP.binary_search(&lower.as_str()).is_ok() {
                    return None;
                }
                let next = vocab.len() as u32;
                Some(
                    *vocab
                        .entry(stemmer.stem(&lower).into_owned())
                        .or_insert(next),
                )
            });
            if let Some(id) = id {
                tf.push(id);
            }
        }
        tf.sort_unstable();
        let mut row: Vec<(u32, u32)> = Vec::new();
        for &id in &tf {
            match row.last_mut() {
                Some((last, c)) if *last == id => *c += 1,
                _ => row.push((id, 1)),
            }
        }
        df.resize(vocab.len(), 0);
        for &(id, _) in &row {
            df[id as usize] += 1;
        }
        counts.push(row);
    }
    let idf: Vec<f64> = df
        .iter()
        .map(|&d| ((n as f64 + 1.0) / (f64::from(d) + 1.0)).ln() + 1.0)
        .collect();
    let vectors: Vec<Vector> = counts
        .iter()
        .map(|tf| {
            let raw: Vec<(u32, f64)> = tf
                .iter()
                .map(|&(t, c)| (t, f64::from(c) * idf[t as usize]))
                .collect();
            let norm = raw.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
            Vector(
                raw.into_iter()
                    .map(|(t, w)| (t, if norm > 0.0 { (w / norm) as f32 } else { 0.0 }))
                    .collect(),
            )
        })
        .collect();

    // Directed centrality from prefix sums: before = Σ_{j<i} v_j, after = total - before - v_i.
    let mut total = vec![0.0f64; vocab.len()];
    for v in &vectors {
        for &(t, w) in &v.0 {
            total[t as usize] += f64::from(w);
        }
    }
    let mut before = vec![0.0f64; vocab.len()];
    let mut central = Vec::with_capacity(n);
    for v in &vectors {
        let back = v.dot_dense(&before);
        let self_sim = v.dot(v);
        let fwd = v.dot_dense(&total) - back - self_sim;
        central.push(weights.forward * fwd + weights.backward * back);
        for &(t, w) in &v.0 {
            before[t as usize] += f64::from(w);
        }
    }
    let (lo, hi) = central
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &c| {
            (lo.min(c), hi.max(c))
        });
    let span = hi - lo;
    let scores = central
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let c = if span > 0.0 { (c - lo) / span } else { 0.0 };
            let prior = 1.0 / (1.0 + i as f64 / weights.position_scale.max(1e-9));
            let mut s = weights.position * prior + (1.0 - weights.position) * c;
            let words = sentences[i].split_whitespace().count();
            if words < weights.min_words {
                s *= words as f64 / weights.min_words as f64;
            }
            s
        })
        .collect();
    Scored { scores, vectors }
}

/// Picks up to `k` sentences greedily: best score, minus a penalty for
/// repeating what is already chosen. Returns indices in article order.
pub fn select(scored: &Scored, k: usize, weights: &Weights) -> Vec<usize> {
    let n = scored.scores.len();
    if k >= n {
        return (0..n).collect(); // everything is chosen; nothing to rank
    }
    let mut chosen: Vec<usize> = Vec::new();
    let mut taken = vec![false; n];
    let mut max_sim = vec![0.0f64; n];
    while chosen.len() < k {
        let mut best: Option<(usize, f64)> = None;
        for (i, (&score, &sim)) in scored.scores.iter().zip(&max_sim).enumerate() {
            if taken[i] {
                continue;
            }
            let value = score - weights.redundancy * sim;
            // Ties go to the earlier sentence, so output is deterministic.
            if best.is_none_or(|(_, b)| value > b) {
                best = Some((i, value));
            }
        }
        let Some((pick, _)) = best else { break };
        chosen.push(pick);
        taken[pick] = true;
        for (i, m) in max_sim.iter_mut().enumerate() {
            let sim = scored.vectors[i].dot(&scored.vectors[pick]);
            if sim > *m {
                *m = sim;
            }
        }
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn central_sentence_beats_an_aside_at_equal_position_weight() {
        let sentences = [
            "Norway's gas exports hit a record in March as pipelines ran at full capacity.",
            "A local bakery opened a second shop on the high street.",
            "Gas exports from Norway were helped by pipelines running at full capacity.",
            "Record Norwegian gas exports in March filled European storage.",
        ];
        let weights = Weights {
            position: 0.0,
            ..Weights::default()
        };
        let scored = score(&sentences, &weights);
        assert!(scored.scores[0] > scored.scores[1], "{:?}", scored.scores);
    }

    #[test]
    fn redundancy_removal_skips_a_near_copy() {
        let sentences = [
            "Brent crude rose to ninety dollars after the OPEC meeting in Vienna.",
            "Brent crude rose to ninety dollars after the OPEC meeting in Vienna on Monday.",
            "Traders expect further cuts from Saudi Arabia before the winter.",
        ];
        let weights = Weights {
            redundancy: 2.0,
            ..Weights::default()
        };
        let scored = score(&sentences, &weights);
        assert_eq!(select(&scored, 2, &weights), vec![0, 2]);
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn select_handles_empty_and_short_inputs() {
        let w = Weights::default();
        assert!(select(&score(&[], &w), 3, &w).is_empty());
        assert_eq!(select(&score(&["Only one."], &w), 3, &w), vec![0]);
    }
}
