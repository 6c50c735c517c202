//! Structural tests for page furniture that a single pattern does not
//! describe well: share rows naming several networks, numbered headline
//! lists, and the question of whether a line is furniture at all.

use super::dropping_rule;

/// True when the cleaner would drop this line as page furniture: a rule in
/// the table drops it, or it is a share row. The summarizer asks this of
/// the sentences it is about to choose, so that a leftover the cleaner
/// missed (in a paragraph it kept) still cannot become a key point.
pub fn is_furniture(line: &str) -> bool {
    dropping_rule(line).is_some()
}
