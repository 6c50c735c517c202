//! A light English stemmer, for telling when two sentences share a word.
//!
//! Similarity only needs "prices", "priced" and "pricing" to meet, not a
//! linguist's root, so this folds the regular inflections (plural -s/-es/-ies,
//! -ed, -ing, -ly and a final -e) and nothing else. The Snowball (Porter 2)
//! stemmer did more and cost about 3,800 instructions a word, which made it
//! the largest single cost of summarizing a story; this costs about 150.
//! On the ROUGE dev set it scores a little lower (R1 40.89 against 41.21;
//! still above LEAD-3 on all three measures, see BENCHMARKS.md, "Summaries").
//! Adding derivational suffixes (-ment, -ation, -er, ...) did not help there.
//!
//! Works on lower-case ASCII words; anything else is left as it is.

/// Words up to this many bytes are stemmed; longer ones (URLs glued into
/// one token, chemical names) are left alone.
const MAX_WORD: usize = 40;

/// Appends the stem of `word` (already lower-case) to `out`, which is
/// cleared first.
pub fn stem_into(word: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(word.as_bytes());
    if word.len() <= 3 || word.len() > MAX_WORD || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return;
    }
    strip_plural(out);
    strip_verb_ending(out);
    if out.len() > 5 && out.ends_with(b"ly") {
        out.truncate(out.len() - 2);
    }
    // "price" and "priced" meet at "pric".
    if out.len() > 3 && out.ends_with(b"e") {
        out.pop();
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// "companies" -> "company", "classes" -> "class", "prices" -> "price";
/// "gas", "bus", "crisis" and "press" keep their s.
fn strip_plural(w: &mut Vec<u8>) {
    if w.ends_with(b"ies") && w.len() > 4 {
        w.truncate(w.len() - 3);
        w.push(b'y');
    } else if w.ends_with(b"sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with(b"s")
        && !w.ends_with(b"ss")
        && !w.ends_with(b"us")
        && !w.ends_with(b"is")
        && w.len() > 3
    {
        w.pop();
    }
}

/// "raised" -> "rais", "stopped" -> "stop", "carried" -> "carry",
/// "running" -> "run": only when a vowel is left, so "bed" and "sing" stay.
fn strip_verb_ending(w: &mut Vec<u8>) {
    let cut = if w.ends_with(b"ied") && w.len() > 4 {
        w.truncate(w.len() - 3);
        w.push(b'y');
        return;
    } else if w.ends_with(b"ing") && w.len() > 5 {
        3
    } else if w.ends_with(b"ed") && w.len() > 4 {
        2
    } else {
        return;
    };
    let stem_len = w.len() - cut;
    if !w[..stem_len].iter().copied().any(is_vowel) {
        return;
    }
    w.truncate(stem_len);
    // A doubled final consonant was added for the ending: "stopp" -> "stop";
    // but "fall", "pass" and "buzz" end doubled in their own right.
    if let [.., a, b] = w.as_slice() {
        if a == b && !is_vowel(*b) && !matches!(b, b'l' | b's' | b'z') {
            w.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stem_into;

    fn stem(word: &str) -> String {
        let mut out = Vec::new();
        stem_into(word, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn inflections_of_a_word_meet() {
        for group in [
            &["price", "prices", "priced", "pricing"][..],
            &["company", "companies"],
            &["stop", "stops", "stopped", "stopping"],
            &["rise", "rises", "rising"],
            &["carry", "carried", "carries"],
            &["class", "classes"],
            &["quick", "quickly"],
            &["fall", "falls", "falling"],
            &["supply", "supplies", "supplied"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(
                stems.iter().all(|s| *s == stems[0]),
                "{group:?} -> {stems:?}"
            );
        }
    }

    #[test]
    fn short_words_and_words_that_only_look_inflected_stay_whole() {
        for word in [
            "gas", "bus", "news", "crisis", "press", "bed", "sing", "thing",
        ] {
            let s = stem(word);
            assert!(
                word.starts_with(&s) && s.len() + 2 >= word.len(),
                "{word} -> {s}"
            );
        }
        assert_eq!(stem("gas"), "gas");
        assert_eq!(stem("crisis"), "crisis");
        assert_eq!(stem("press"), "press");
        assert_eq!(stem("sing"), "sing");
        assert_eq!(stem("bed"), "bed");
    }

    #[test]
    fn non_ascii_and_capitalised_words_are_left_alone() {
        assert_eq!(stem("café"), "café");
        assert_eq!(stem("Prices"), "Prices");
        assert_eq!(stem("ölpreise"), "ölpreise");
    }
}
