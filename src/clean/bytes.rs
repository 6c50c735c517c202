//! Eight bytes at a time: whole-word tests on text that the cleaner and the
//! summarizer run over every byte of every article (word counts, whitespace
//! collapsing, the search for a figure's digits). Each returns what a byte
//! loop would, and its tests say so.

/// Each byte of a word's worth set to 0x01, and to 0x80.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
pub(crate) const HIGH: u64 = ONES * 0x80;

/// Eight bytes as a little-endian word: byte `k` in bits `8k..8k + 8`.
#[inline]
fn load(eight: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(eight);
    u64::from_le_bytes(word)
}

/// For eight ASCII bytes, the whitespace among them as the high bit of each
/// byte's place in a little-endian word (byte `k` at bit `8k + 7`); `None`
/// when a byte is not ASCII. Whole-word arithmetic that cannot carry from
/// one byte into the next, because every byte is below 0x80.
#[inline]
pub(crate) fn ascii_spaces(eight: &[u8]) -> Option<u64> {
    let x = ascii_word(eight)?;
    // Tab to carriage return (0x09..=0x0d): at least 0x09 and below 0x0e.
    let at_least_9 = ((x | HIGH) - ONES * 0x09) & HIGH;
    let below_14 = !((x | HIGH) - ONES * 0x0e) & HIGH;
    Some(plain_spaces(x) | (at_least_9 & below_14))
}

/// Eight bytes as a little-endian word when all are ASCII: every byte is
/// below 0x80, so adding to the word cannot carry from one byte into the
/// next (the trick [`ascii_spaces`] and the cleaner's `plain_ascii` rest on).
#[inline]
pub(crate) fn ascii_word(eight: &[u8]) -> Option<u64> {
    let x = load(eight);
    (x & HIGH == 0).then_some(x)
}

/// The plain spaces of an [`ascii_word`], as the high bit of each byte:
/// the byte XOR 0x20 is zero exactly where adding 0x7f leaves that bit clear.
#[inline]
pub(crate) fn plain_spaces(x: u64) -> u64 {
    !((x ^ (ONES * 0x20)) + ONES * 0x7f) & HIGH
}

/// Where the first ASCII digit at or after `from` is, eight bytes at a time:
/// most of a sentence holds none. With each byte's top bit cleared, adding
/// 0x50 sets it again exactly from '0' up and adding 0x46 from ':' up, and
/// no byte carries into the next; bytes that had the top bit (UTF-8) are
/// left out.
pub(crate) fn next_digit(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(eight) = bytes.get(i..i + 8) {
        let x = load(eight);
        let low = x & !HIGH;
        let digits = (low + ONES * 0x50) & !(low + ONES * 0x46) & !x & HIGH;
        if digits != 0 {
            return Some(i + (digits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    Some(i + bytes.get(i..)?.iter().position(u8::is_ascii_digit)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eight_byte_digit_search_finds_the_first_digit() {
        let alphabet = "09/:a 5é€1\u{2014}–-, ;xyz".as_bytes();
        let mut seed = 11u64;
        for len in 0..200 {
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            for from in 0..=len {
                let naive = text[from..]
                    .iter()
                    .position(u8::is_ascii_digit)
                    .map(|n| from + n);
                assert_eq!(next_digit(&text, from), naive, "{text:?} from {from}");
            }
        }
        // Every byte value, in every lane.
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut text = [b'x'; 8];
                text[lane] = b;
                let want = b.is_ascii_digit().then_some(lane);
                assert_eq!(next_digit(&text, 0), want, "byte {b:#x} in lane {lane}");
            }
        }
    }
}
