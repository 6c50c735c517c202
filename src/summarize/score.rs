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

use std::cell::RefCell;

use super::{shape, stem};
use crate::clean::rules;

/// The knobs of the scorer. The shipped values live in `weights.toml`
/// beside this file, fitted on the CNN/DailyMail dev stories by
/// `scripts/fit_summary_weights.py` (see BENCHMARKS.md); nothing in them is
/// specific to one file.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Weight of being echoed by later sentences.
    pub forward: f64,
    /// Weight of being echoed by earlier sentences (PacSum: negative).
    pub backward: f64,
    /// Share of the final score that comes from position (0..=1).
    pub position: f64,
    /// How fast the position prior decays: prior = 1 / (1 + i / scale).
    pub position_scale: f64,
    /// Added per word up to `words_cap` words, as a share of `words_cap`
    /// (negative: shorter sentences preferred, as reference summaries are).
    pub length: f64,
    /// Where the length term stops growing.
    pub words_cap: usize,
    /// Added to a sentence that opens with a quotation mark.
    pub opens_quote: f64,
    /// Added to a sentence that reports speech ("said", "says", "told").
    pub attributed: f64,
    /// Penalty per unit of similarity to an already chosen sentence.
    pub redundancy: f64,
    /// Sentences with fewer words than this are scored down (captions, bylines).
    pub min_words: usize,
}

/// The fitted weights, as data.
const WEIGHTS_TOML: &str = include_str!("weights.toml");

impl Default for Weights {
    /// The weights in `weights.toml` (a unit test checks that they parse).
    fn default() -> Self {
        static PARSED: std::sync::OnceLock<Weights> = std::sync::OnceLock::new();
        PARSED
            .get_or_init(|| toml::from_str(WEIGHTS_TOML).unwrap_or_else(|_| Weights::fallback()))
            .clone()
    }
}

impl Weights {
    /// The hand-set weights of the first rounds, used only should the
    /// shipped file fail to parse (a test keeps that from happening).
    fn fallback() -> Self {
        Self {
            forward: 1.0,
            backward: 0.0,
            position: 0.5,
            position_scale: 3.0,
            length: 0.0,
            words_cap: 30,
            opens_quote: 0.0,
            attributed: 0.0,
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

    /// `self.dot(self)`, summed in the same order, without the merge join.
    fn dot_self(&self) -> f64 {
        self.0
            .iter()
            .fold(0.0, |sum, &(_, w)| sum + f64::from(w) * f64::from(w))
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
    /// Raw directed centrality: how much later sentences echo each one.
    pub forward: Vec<f64>,
    /// How much earlier sentences echo each one.
    pub backward: Vec<f64>,
}

/// Common English words that carry no topic.
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

/// Word-at-a-time multiply-rotate (FxHash's step) for the [`digest`] of
/// words longer than eight bytes.
#[derive(Clone, Copy)]
struct FastHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(load_le(rest) ^ (rest.len() as u64) << 59);
        }
    }
}

/// Marks a stop word in the token cache.
const STOP_ID: u32 = u32::MAX;

/// When the per-run caches hold this many distinct tokens they are emptied
/// (between articles), so a long run or a hostile input cannot grow them
/// without bound.
const CACHE_LIMIT: usize = 1 << 20;

/// A 64-bit digest of a token or stem, used as its key in the term maps:
/// the word itself when it fits, else word-at-a-time multiply-rotate and a
/// finaliser that spreads every input bit over the result. Two different
/// long words share a digest with odds of about one in 2^64 per pair; should
/// it happen, they count as one term in the similarity, which costs a
/// summary nothing noticeable. Keys this small spare the maps an allocation
/// and a string comparison per token. Never zero, which [`KeyTable`] keeps
/// for an empty slot.
#[inline]
fn digest(bytes: &[u8]) -> u64 {
    // Most words fit in eight bytes: those are their own key, exactly (a
    // token never holds a zero byte, so the zero padding cannot clash, and
    // only the empty word loads as zero).
    if bytes.len() <= 8 {
        return load_le(bytes).max(1);
    }
    let mut h = FastHasher((bytes.len() as u64).wrapping_mul(FX_SEED));
    h.write(bytes);
    let mut x = h.0;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    (x ^ (x >> 33)).max(1)
}

/// Up to eight bytes as a little-endian number, zero-padded: what copying
/// them into a zeroed `[u8; 8]` gives, without the call to `memcpy` that a
/// copy of variable length compiles to (once per word, it showed). Two
/// overlapping loads cover every length; the bytes they share are equal.
#[inline]
fn load_le(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    match n {
        0 => 0,
        1..=3 => {
            u64::from(bytes[0])
                | u64::from(bytes[n / 2]) << (8 * (n / 2))
                | u64::from(bytes[n - 1]) << (8 * (n - 1))
        }
        _ => {
            let word = |at: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&bytes[at..at + 4]);
                u64::from(u32::from_le_bytes(w))
            };
            word(0) | word(n.min(8) - 4) << (8 * (n.min(8) - 4))
        }
    }
}

/// Asks the processor to start loading `value` into the nearest cache, so
/// that a read of it soon after need not wait on memory. Nothing elsewhere.
#[inline]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        let at: *const T = value;
        // SAFETY: SSE is part of every x86-64 processor, and a prefetch
        // reads nothing into the program and cannot fault; the pointer is
        // to a live value besides.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A map from a [`digest`] (never zero) to a `u32`, open addressing with
/// linear probing in one array of 16-byte slots: a lookup is a multiply, a
/// shift and, nearly always, one memory access that finds either the key
/// or an empty slot, and a miss tells where the key goes, so adding it
/// after a miss probes nothing again. A general hash map did the same work
/// with a second pass for every insert and was the largest cost of the
/// per-word loop. There is no removal: the tables only grow until the run
/// ends or [`CACHE_LIMIT`] empties them.
struct KeyTable {
    /// (key, value); key 0 marks an empty slot.
    slots: Vec<(u64, u32)>,
    len: usize,
    /// `slots.len() == 1 << bits`.
    bits: u32,
}

impl KeyTable {
    fn new(bits: u32) -> Self {
        Self {
            slots: vec![(0, 0); 1 << bits],
            len: 0,
            bits,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Where the search for `key` starts.
    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(FX_SEED) >> (64 - self.bits)) as usize
    }

    /// Asks the processor to start loading the slot where the search for
    /// `key` starts, so that a [`KeyTable::find`] soon after need not wait.
    #[inline]
    fn prefetch(&self, key: u64) {
        prefetch(&self.slots[self.home(key)]);
    }

    /// The value for `key`, or the slot where `key` belongs.
    #[inline]
    fn find(&self, key: u64) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(key);
        loop {
            let (k, value) = self.slots[at];
            if k == key {
                return Ok(value);
            }
            if k == 0 {
                return Err(at);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds `key`, which [`KeyTable::find`] just missed at `slot`, with no
    /// other insert in between.
    fn insert_at(&mut self, slot: usize, key: u64, value: u32) {
        self.slots[slot] = (key, value);
        self.len += 1;
        // At most three quarters full, so a miss ends in a few slots.
        if self.len * 4 > self.slots.len() * 3 {
            let old = std::mem::replace(self, Self::new(self.bits + 1));
            for (key, value) in old.slots.into_iter().filter(|&(k, _)| k != 0) {
                if let Err(slot) = self.find(key) {
                    self.slots[slot] = (key, value);
                    self.len += 1;
                }
            }
        }
    }
}

/// Term ids that live for the whole run (one per thread): news stories share
/// most of their words, so each distinct token is lower-cased, checked
/// against the stop list and stemmed once per run rather than once per
/// article.
struct Terms {
    /// Digest of a token exactly as written -> global term id, or `STOP_ID`.
    tokens: KeyTable,
    /// Digest of a stem -> global term id; "Prices" and "price" share one.
    stems: KeyTable,
    /// Global id -> (stamp, this article's dense id), the id valid where
    /// the stamp is `generation`; one pair, so one memory access a lookup.
    local: Vec<(u32, u32)>,
    generation: u32,
    /// The [`digest`]s of the stop words, sorted: compared as numbers, not
    /// as strings.
    stop_keys: Vec<u64>,
    /// Scratch space for lower-casing and stemming a new token.
    lower: String,
    stem: Vec<u8>,
    /// This article's recent words, direct-mapped by digest: a word seen
    /// earlier in the article is answered from here, a few kilobytes that
    /// stay in the first-level cache, without touching the run-wide tables.
    /// Those hold every word of the run and are looked up at random, so a
    /// lookup there waits on memory; it was a quarter of summarizing time.
    recent: Vec<Recent>,
}

/// What is known of a word before its turn comes (see
/// [`Terms::look_ahead`]).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Sight {
    /// Nothing yet.
    NotYet,
    /// A token the run has seen, with its global id (or `STOP_ID`).
    Known(u32),
    /// A token new to the run that is a stop word.
    Stop,
    /// A token new to the run, with the [`digest`] of its stem.
    Stem(u64),
}

/// One slot of [`Terms::recent`]: a token digest and this article's id for
/// it (dense id or `STOP_ID`), valid where `generation` is the article's.
#[derive(Clone, Copy, Default)]
struct Recent {
    key: u64,
    generation: u32,
    id: u32,
}

/// Slots in [`Terms::recent`] (a power of two): 16 bytes each, so 16 KiB.
const RECENT_BITS: u32 = 10;

/// The run-wide tables start with 2^14 slots (256 KiB each, room for
/// 12,288 keys): a run over a hundred news stories sees about 9,500
/// distinct tokens, and growing step by step rehashed every key each time.
const TERMS_BITS: u32 = 14;

/// The longest word in [`STOP`]: a longer token needs no stop-list search.
const LONGEST_STOP: usize = 6;

impl Terms {
    fn new() -> Self {
        Self {
            tokens: KeyTable::new(TERMS_BITS),
            stems: KeyTable::new(TERMS_BITS),
            local: Vec::with_capacity(1 << TERMS_BITS),
            generation: 0,
            stop_keys: {
                let mut keys: Vec<u64> = STOP.iter().map(|w| digest(w.as_bytes())).collect();
                keys.sort_unstable();
                keys
            },
            lower: String::new(),
            stem: Vec::new(),
            recent: vec![Recent::default(); 1 << RECENT_BITS],
        }
    }

    /// Starts a new article: forgets the previous article's dense ids.
    fn begin(&mut self) {
        if self.tokens.len() > CACHE_LIMIT {
            *self = Self::new();
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.local.iter_mut().for_each(|(stamp, _)| *stamp = 0);
            self.recent.iter_mut().for_each(|r| r.generation = 0);
            self.generation = 1;
        }
    }

    #[inline]
    fn recent_slot(key: u64) -> usize {
        (key.wrapping_mul(FX_SEED) >> (64 - RECENT_BITS)) as usize
    }

    /// This article's id for a token whose [`digest`] is `key` if its
    /// recent words have it.
    #[inline]
    fn recent_id(&self, key: u64) -> Option<u32> {
        let slot = self.recent[Self::recent_slot(key)];
        (slot.generation == self.generation && slot.key == key).then_some(slot.id)
    }

    /// Gets a word that this article's recent words did not have ready
    /// before its turn, so that the memory it will need is on its way while
    /// the words before it are counted: for a token known to the run, its
    /// global id and its entry in `local`; for a new one, what it stands for
    /// and its stem's slot in the stem table.
    #[inline]
    fn look_ahead(&mut self, token: &str, key: u64) -> Sight {
        match self.tokens.find(key) {
            Ok(g) => {
                if let Some(entry) = self.local.get(g as usize) {
                    prefetch(entry);
                }
                Sight::Known(g)
            }
            Err(_) => {
                let sight = self.sight(token);
                if let Sight::Stem(stem_key) = sight {
                    self.stems.prefetch(stem_key);
                }
                sight
            }
        }
    }

    /// This article's id for a token whose [`digest`] is `key`: its dense
    /// id (handing out `*next` on first sight) or `STOP_ID`; the run-wide
    /// tables answer what the recent words do not. `sight` is what
    /// [`Terms::look_ahead`] said of it, if it was asked.
    #[inline]
    fn article_id(&mut self, token: &str, key: u64, sight: Sight, next: &mut u32) -> u32 {
        if let Some(id) = self.recent_id(key) {
            return id;
        }
        let g = match sight {
            Sight::Known(g) => g,
            _ => match self.tokens.find(key) {
                Ok(g) => g,
                Err(slot) => self.first_sight(token, key, slot, sight),
            },
        };
        let id = if g == STOP_ID {
            STOP_ID
        } else {
            self.dense(g, next)
        };
        self.recent[Self::recent_slot(key)] = Recent {
            key,
            generation: self.generation,
            id,
        };
        id
    }

    /// The global term id of a token whose [`digest`] is `key`, or `STOP_ID`.
    #[cfg(test)]
    fn global(&mut self, token: &str, key: u64) -> u32 {
        match self.tokens.find(key) {
            Ok(id) => id,
            Err(slot) => self.first_sight(token, key, slot, Sight::NotYet),
        }
    }

    /// What a token stands for: lower-cased, a stop word or a stem.
    fn sight(&mut self, token: &str) -> Sight {
        self.lower.clear();
        if token.is_ascii() {
            self.lower.push_str(token);
            self.lower.make_ascii_lowercase();
        } else {
            self.lower
                .extend(token.chars().flat_map(char::to_lowercase));
        }
        let stop = self.lower.len() <= LONGEST_STOP
            && self
                .stop_keys
                .binary_search(&digest(self.lower.as_bytes()))
                .is_ok();
        if stop {
            Sight::Stop
        } else {
            stem::stem_into(&self.lower, &mut self.stem);
            Sight::Stem(digest(&self.stem))
        }
    }

    /// The global id of a token the run has not seen (its [`digest`] is
    /// `key`, and `slot` is where it goes in `tokens`), worked out once:
    /// `sight` when [`Terms::look_ahead`] already did, else here. Kept out
    /// of line so that the per-word loop stays small.
    #[cold]
    #[inline(never)]
    fn first_sight(&mut self, token: &str, key: u64, slot: usize, sight: Sight) -> u32 {
        let sight = match sight {
            Sight::Stop | Sight::Stem(_) => sight,
            _ => self.sight(token),
        };
        let id = match sight {
            Sight::Stem(stem_key) => match self.stems.find(stem_key) {
                Ok(id) => id,
                Err(at) => {
                    let id = self.local.len() as u32;
                    self.stems.insert_at(at, stem_key, id);
                    self.local.push((0, 0));
                    id
                }
            },
            _ => STOP_ID,
        };
        self.tokens.insert_at(slot, key, id);
        id
    }

    /// This article's dense id for a global id, handing out the next one
    /// (`*next`) on first sight.
    #[inline]
    fn dense(&mut self, global: u32, next: &mut u32) -> u32 {
        let entry = &mut self.local[global as usize];
        if entry.0 != self.generation {
            *entry = (self.generation, *next);
            *next += 1;
        }
        entry.1
    }
}

thread_local! {
    static TERMS: RefCell<Terms> = RefCell::new(Terms::new());
}

/// `u8::is_ascii_alphanumeric` as a table: one load a byte in the loop that
/// walks every word of every sentence.
static ASCII_ALNUM: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// Calls `f` with every maximal run of alphanumeric characters in `text`
/// (what `text.split(|c| !c.is_alphanumeric())` yields, minus the empty
/// pieces), decoding UTF-8 only for non-ASCII bytes, and returns the
/// sentence's [`rules::word_count`]: the scorer needs both, and counting
/// in the same walk spares a second pass over every sentence.
#[inline]
fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) -> usize {
    let bytes = text.as_bytes();
    let mut start: Option<usize> = None;
    // As `rules::word_count` counts: whitespace-separated words, or one
    // per three characters of scripts written without spaces.
    let (mut spaced, mut wide, mut in_word) = (0usize, 0usize, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (alnum, len, space) = if b.is_ascii() {
            (b.is_ascii_alphanumeric(), 1, rules::is_ascii_space(b))
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            if (c as u32) >= 0x0E00 {
                wide += 1;
            }
            (c.is_alphanumeric(), c.len_utf8(), c.is_whitespace())
        };
        if !space && !in_word {
            spaced += 1;
        }
        in_word = !space;
        if alnum {
            start.get_or_insert(i);
            i += len;
            // The rest of an ASCII word in a tight loop: no spaces in it.
            while i < bytes.len() && ASCII_ALNUM[usize::from(bytes[i])] {
                i += 1;
            }
            continue;
        }
        if let Some(from) = start.take() {
            f(&text[from..i]);
        }
        i += len;
    }
    if let Some(from) = start {
        f(&text[from..]);
    }
    spaced.max(wide / 3)
}

/// Empties this thread's per-run term cache, as at the start of a run;
/// benchmarks use it so that a pass over distinct stories starts cold.
pub fn reset_term_cache() {
    TERMS.with(|terms| *terms.borrow_mut() = Terms::new());
}

/// Scores every sentence; higher is more summary-worthy.
pub fn score(sentences: &[&str], weights: &Weights) -> Scored {
    let n = sentences.len();
    // Term counts of all sentences in one buffer: sentence i owns
    // entries[offsets[i]..offsets[i + 1]], (dense term id, count) sorted by id.
    // Sized from the text (a word is six bytes or more with its space), so
    // that the buffers do not grow step by step.
    let word_estimate = sentences.iter().map(|s| s.len()).sum::<usize>() / 6;
    let mut entries: Vec<(u32, u32)> = Vec::with_capacity(word_estimate);
    let mut offsets: Vec<usize> = Vec::with_capacity(n + 1);
    let mut word_counts: Vec<usize> = Vec::with_capacity(n);
    offsets.push(0);
    let mut df: Vec<u32> = Vec::with_capacity(word_estimate);
    let mut vocab = 0u32;
    TERMS.with(|terms| {
        let mut terms = terms.borrow_mut();
        terms.begin();
        let mut ids: Vec<u32> = Vec::with_capacity(64);
        // This sentence's words that the article's recent words did not
        // answer for, in order.
        let mut pending: Vec<(&str, u64, Sight)> = Vec::with_capacity(64);
        for s in sentences {
            ids.clear();
            pending.clear();
            // A word new to the article is looked up in the run-wide tables,
            // which are too big for the nearest caches and are read at
            // random: each lookup waited on memory, one after another. Done
            // a sentence at a time and in steps, each step asking for what
            // the next one reads, the waits overlap. Only first sightings in
            // the article hand out ids, and they keep their order, so the
            // ids are what one word after another would give.
            let words = for_each_word(s, |word| {
                let key = digest(word.as_bytes());
                match terms.recent_id(key) {
                    Some(STOP_ID) => {}
                    Some(id) => ids.push(id),
                    None => {
                        terms.tokens.prefetch(key);
                        pending.push((word, key, Sight::NotYet));
                    }
                }
            });
            word_counts.push(words);
            for (word, key, sight) in &mut pending {
                *sight = terms.look_ahead(word, *key);
            }
            for &(word, key, sight) in &pending {
                let id = terms.article_id(word, key, sight, &mut vocab);
                if id != STOP_ID {
                    ids.push(id);
                }
            }
            ids.sort_unstable();
            let from = entries.len();
            for &id in &ids {
                match entries[from..].last_mut() {
                    Some((last, c)) if *last == id => *c += 1,
                    _ => entries.push((id, 1)),
                }
            }
            df.resize(vocab as usize, 0);
            for &(id, _) in &entries[from..] {
                df[id as usize] += 1;
            }
            offsets.push(entries.len());
        }
    });
    let vocab = vocab as usize;
    // Document frequencies are small numbers shared by many terms, so each
    // distinct one takes its logarithm once.
    let mut idf_of: Vec<Option<f64>> = vec![None; n + 1];
    let idf: Vec<f64> = df
        .iter()
        .map(|&d| {
            let slot = &mut idf_of[(d as usize).min(n)];
            *slot.get_or_insert_with(|| ((n as f64 + 1.0) / (f64::from(d) + 1.0)).ln() + 1.0)
        })
        .collect();
    let vectors: Vec<Vector> = offsets
        .windows(2)
        .map(|w| {
            let tf = &entries[w[0]..w[1]];
            let weight = |&(t, c): &(u32, u32)| f64::from(c) * idf[t as usize];
            let norm = tf.iter().map(|e| weight(e).powi(2)).sum::<f64>().sqrt();
            Vector(
                tf.iter()
                    .map(|e| {
                        let w = if norm > 0.0 {
                            (weight(e) / norm) as f32
                        } else {
                            0.0
                        };
                        (e.0, w)
                    })
                    .collect(),
            )
        })
        .collect();

    // Directed centrality from prefix sums: before = Σ_{j<i} v_j, after = total - before - v_i.
    let mut total = vec![0.0f64; vocab];
    for v in &vectors {
        for &(t, w) in &v.0 {
            total[t as usize] += f64::from(w);
        }
    }
    let mut before = vec![0.0f64; vocab];
    let mut forward = Vec::with_capacity(n);
    let mut backward = Vec::with_capacity(n);
    for v in &vectors {
        let back = v.dot_dense(&before);
        let self_sim = v.dot_self();
        forward.push(v.dot_dense(&total) - back - self_sim);
        backward.push(back);
        for &(t, w) in &v.0 {
            before[t as usize] += f64::from(w);
        }
    }
    let scores = combine(sentences, &word_counts, &forward, &backward, weights);
    Scored {
        scores,
        vectors,
        forward,
        backward,
    }
}

/// The score of each sentence from its centrality and position, the part
/// `scripts/fit_summary_weights.py` re-implements to fit the weights.
pub fn combine(
    sentences: &[&str],
    word_counts: &[usize],
    forward: &[f64],
    backward: &[f64],
    weights: &Weights,
) -> Vec<f64> {
    let central: Vec<f64> = forward
        .iter()
        .zip(backward)
        .map(|(f, b)| weights.forward * f + weights.backward * b)
        .collect();
    let (lo, hi) = central
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &c| {
            (lo.min(c), hi.max(c))
        });
    let span = hi - lo;
    central
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let c = if span > 0.0 { (c - lo) / span } else { 0.0 };
            let prior = 1.0 / (1.0 + i as f64 / weights.position_scale.max(1e-9));
            let mut s = weights.position * prior + (1.0 - weights.position) * c;
            let cap = weights.words_cap.max(weights.min_words).max(1);
            // Only counts up to the largest limit matter.
            let words = word_counts[i].min(cap);
            s += weights.length * words.min(weights.words_cap) as f64
                / weights.words_cap.max(1) as f64;
            if shape::opens_quote(sentences[i]) {
                s += weights.opens_quote;
            }
            if weights.attributed != 0.0 && shape::is_attributed(sentences[i]) {
                s += weights.attributed;
            }
            if words < weights.min_words {
                s *= words as f64 / weights.min_words as f64;
            }
            s
        })
        .collect()
}

/// Picks up to `k` sentences greedily: best score, minus a penalty for
/// repeating what is already chosen. Returns indices in article order.
/// Every sentence may be chosen; see [`select_where`] for the rules a
/// summary applies.
pub fn select(scored: &Scored, k: usize, weights: &Weights) -> Vec<usize> {
    select_where(
        scored,
        k,
        weights,
        &vec![false; scored.scores.len()],
        |_| true,
    )
}

/// [`select`], choosing only sentences `fit` accepts, and a sentence that
/// `leans` on the one before it only once that one is chosen. `fit` is
/// asked only of the sentence about to be chosen, at most once each, so a
/// costly check runs a handful of times per article.
pub fn select_where(
    scored: &Scored,
    k: usize,
    weights: &Weights,
    leans: &[bool],
    mut fit: impl FnMut(usize) -> bool,
) -> Vec<usize> {
    let n = scored.scores.len();
    let mut chosen: Vec<usize> = Vec::new();
    // Taken: chosen, or found unfit.
    let mut taken = vec![false; n];
    let mut max_sim = vec![0.0f64; n];
    while chosen.len() < k {
        let mut best: Option<(usize, f64)> = None;
        for (i, (&score, &sim)) in scored.scores.iter().zip(&max_sim).enumerate() {
            if taken[i] || (leans.get(i) == Some(&true) && (i == 0 || !chosen.contains(&(i - 1)))) {
                continue;
            }
            let value = score - weights.redundancy * sim;
            // Ties go to the earlier sentence, so output is deterministic.
            if best.is_none_or(|(_, b)| value > b) {
                best = Some((i, value));
            }
        }
        let Some((pick, _)) = best else { break };
        taken[pick] = true;
        if !fit(pick) {
            continue;
        }
        chosen.push(pick);
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
    fn the_shipped_weights_parse() {
        let w: Weights = toml::from_str(WEIGHTS_TOML).expect("src/summarize/weights.toml");
        assert!(w.words_cap > 0 && w.min_words > 0 && (0.0..=1.0).contains(&w.position));
    }

    #[test]
    fn short_words_load_as_their_zero_padded_bytes() {
        let text = b"abcdefgh";
        for n in 0..=8 {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(&text[..n]);
            assert_eq!(load_le(&text[..n]), u64::from_le_bytes(word), "{n}");
        }
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(STOP.iter().map(|w| w.len()).max(), Some(LONGEST_STOP));
    }

    #[test]
    fn the_key_table_keeps_every_key_as_it_grows() {
        // Keys made to share their home slot at every size the table goes
        // through (their products with the hash multiplier differ only in
        // the low bits), so each one probes past all the others, beside
        // ordinary word digests; from 16 slots to 8,192.
        let mut inverse = FX_SEED; // Newton's iteration: FX_SEED * inverse == 1
        for _ in 0..6 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(FX_SEED.wrapping_mul(inverse)));
        }
        assert_eq!(FX_SEED.wrapping_mul(inverse), 1);
        let colliding = (1..300u64).map(|j| ((7u64 << 60) + j).wrapping_mul(inverse));
        let words = (1..4700u64).map(|i| digest(format!("k{i}").as_bytes()));
        let keys: Vec<u64> = colliding.chain(words).collect();
        let mut table = KeyTable::new(4);
        let home = table.home(keys[0]);
        assert!(keys[..299].iter().all(|&k| table.home(k) == home));
        for (value, &key) in keys.iter().enumerate() {
            let slot = table.find(key).expect_err("a new key");
            table.insert_at(slot, key, value as u32);
        }
        assert_eq!(table.len(), keys.len());
        assert_eq!(table.slots.len(), 8192);
        assert!(keys[..299]
            .iter()
            .all(|&k| table.home(k) == table.home(keys[0])));
        for (value, &key) in keys.iter().enumerate() {
            assert_eq!(table.find(key), Ok(value as u32));
        }
        assert!(table.find(digest(b"absent from it")).is_err());
    }

    #[test]
    fn select_handles_empty_and_short_inputs() {
        let w = Weights::default();
        assert!(select(&score(&[], &w), 3, &w).is_empty());
        assert_eq!(select(&score(&["Only one."], &w), 3, &w), vec![0]);
    }

    #[test]
    fn words_are_runs_of_alphanumerics_as_split_gives_them() {
        for text in [
            "Brent rose 2.4% to $91.20 — “a record”, said Dr. Ruiz.",
            "",
            "   ",
            "Ünïcödé wörds, 日本語 and émigré-led firms",
            "trailing",
            "\ttabs\u{b}and\u{c}feeds \u{a0}no-break\u{3000}ideographic\u{2009}thin — dash",
            "日本語の文章は空白なしで書かれる、とても長い一文です。",
            " “quoted” (bracketed) -- 12,000 ... end ",
        ] {
            let mut ours = Vec::new();
            let words = for_each_word(text, |w| ours.push(w.to_string()));
            assert_eq!(words, rules::word_count(text), "{text}");
            let std: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(ours, std, "{text}");
        }
    }

    #[test]
    fn the_recent_word_cache_answers_as_the_run_wide_tables_do() {
        // Far more distinct words than `Terms::recent` has slots, in two
        // cases each, back again and again over three articles: a slot is
        // taken over by other words all the time, and an answer from it
        // must be the one the tables give.
        let words: Vec<String> = (0..3000)
            .flat_map(|i| {
                [
                    format!("w{i}x"),
                    format!("W{i}x"),
                    format!("longer{i}words"),
                ]
            })
            .chain(STOP.iter().map(|w| w.to_string()))
            .collect();
        let (mut cached, mut plain) = (Terms::new(), Terms::new());
        for article in 0..3 {
            cached.begin();
            plain.begin();
            let (mut next_cached, mut next_plain) = (0, 0);
            for k in 0..20_000 {
                let word = &words[(article * 7 + k * 101) % words.len()];
                let key = digest(word.as_bytes());
                let sight = if k % 2 == 0 {
                    cached.look_ahead(word, key)
                } else {
                    Sight::NotYet
                };
                let got = cached.article_id(word, key, sight, &mut next_cached);
                let g = plain.global(word, key);
                let want = if g == STOP_ID {
                    STOP_ID
                } else {
                    plain.dense(g, &mut next_plain)
                };
                assert_eq!(got, want, "article {article}, word {k}: {word}");
            }
            assert_eq!(next_cached, next_plain);
        }
    }

    #[test]
    fn scores_do_not_depend_on_what_the_cache_saw_before() {
        let a = [
            "Gas prices in Europe rose sharply on Monday as Norwegian flows fell.",
            "Traders said the outage at the Heimdalen field would last a week.",
            "Storage sites remain almost full, which limits the rise.",
        ];
        let w = Weights::default();
        reset_term_cache();
        let cold = score(&a, &w).scores;
        // Warm the cache with other words and the same words in other case.
        score(
            &["GAS PRICES rose; storage FELL.", "Coal and wind, prices."],
            &w,
        );
        let warm = score(&a, &w).scores;
        assert_eq!(cold, warm);
    }
}
