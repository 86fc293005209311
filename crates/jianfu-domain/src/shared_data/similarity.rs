//! No duplicate collection: a department may not define an element another already collects
//! (三(二) “精简和压缩各类报表”; 三(六) “减轻社区数据录入工作”). A name that is the same once
//! punctuation, spaces, full-width forms and the trailing 数/数量/人数-style wording are set aside
//! is a duplicate and refused; names or definitions that share most of their character pairs are
//! flagged for the approver to judge — the proposal still goes ahead, with the flag attached.

use super::element::{DataElement, ElementRegistry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Above this, a name or definition is "similar" (Dice coefficient over character bigrams).
pub const FLAG_AT: f64 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Similar {
    pub code: String,
    pub name: String,
    /// 0–100.
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlap {
    /// The same element under another wording: refused.
    Duplicate(Similar),
    /// For review, most similar first (may be empty).
    Flagged(Vec<Similar>),
}

/// The name reduced to what distinguishes it: half-width, no punctuation or spaces, and common
/// endings (数、数量、总数、情况) taken off so 低保户数 and 低保户数量 are one name.
pub fn normalise_name(name: &str) -> String {
    let mut s: String = crate::text::half_width_text(name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    for end in ["情况", "总数", "数量", "数"] {
        if let Some(t) = s.strip_suffix(end)
            && !t.is_empty()
        {
            s = t.to_string();
            break;
        }
    }
    s.replace("以上", "+").replace("及", "")
}

fn bigrams(s: &str) -> BTreeSet<(char, char)> {
    let cs: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
    cs.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Dice coefficient of character bigrams, 0.0–1.0.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    2.0 * x.intersection(&y).count() as f64 / (x.len() + y.len()) as f64
}

fn similar(e: &DataElement, score: f64) -> Similar {
    Similar {
        code: e.code.clone(),
        name: e.name.clone(),
        percent: (score * 100.0).round() as u32,
    }
}

/// How a proposed element overlaps the register.
pub fn overlap(registry: &ElementRegistry, name: &str, definition: &str) -> Overlap {
    let n = normalise_name(name);
    if let Some(e) = registry
        .elements
        .iter()
        .find(|e| !n.is_empty() && normalise_name(&e.name) == n)
    {
        return Overlap::Duplicate(similar(e, 1.0));
    }
    let mut flagged: Vec<Similar> = registry
        .elements
        .iter()
        .filter_map(|e| {
            let s =
                similarity(&n, &normalise_name(&e.name)).max(similarity(definition, &e.definition));
            (s >= FLAG_AT).then(|| similar(e, s))
        })
        .collect();
    flagged.sort_by(|a, b| b.percent.cmp(&a.percent).then(a.code.cmp(&b.code)));
    Overlap::Flagged(flagged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_data::element::{ElementRegistry, SHIPPED_ELEMENTS_TOML};

    fn r() -> ElementRegistry {
        ElementRegistry::from_toml(SHIPPED_ELEMENTS_TOML).unwrap()
    }

    #[test]
    fn the_same_name_in_other_words_is_a_duplicate() {
        for name in [
            "低保户数量",
            "低保户 数",
            "低保户数。",
            "６０岁及以上老年人数",
            "60岁以上老年人数",
        ] {
            match overlap(&r(), name, "随便写的定义") {
                Overlap::Duplicate(s) => assert_eq!(s.percent, 100, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_near_name_or_definition_is_flagged_and_a_new_one_is_not() {
        let Overlap::Flagged(f) = overlap(&r(), "户籍登记人口", "户口登记在本社区的人口数")
        else {
            panic!("not a duplicate");
        };
        assert!(f.iter().any(|s| s.name == "户籍人口数"), "{f:?}");
        let Overlap::Flagged(f) = overlap(
            &r(),
            "电动自行车充电桩数",
            "社区内公共电动自行车充电桩的个数",
        ) else {
            panic!();
        };
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn similarity_is_symmetric_and_bounded() {
        assert_eq!(similarity("低保户", "低保户"), 1.0);
        assert_eq!(similarity("", "低保户"), 0.0);
        let (a, b) = ("残疾人数", "持证残疾人数");
        assert_eq!(similarity(a, b), similarity(b, a));
        assert!(similarity(a, b) > 0.0 && similarity(a, b) < 1.0);
    }
}
