//! Text screening: the gate does not trust a title. Free text is normalised (spaces and
//! punctuation removed) and searched for the negative list's terms, and for words that make the
//! community the responsible subject. What matched is named in the reason, so a department can
//! see why.

/// Removes whitespace and punctuation so "招 商-引 资" still reads 招商引资.
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// The first term of `terms` found in `text`, if any.
pub fn find_term<'a>(text: &str, terms: &'a [String]) -> Option<&'a str> {
    let hay = normalise(text);
    terms.iter().map(String::as_str).find(|t| {
        let t = normalise(t);
        !t.is_empty() && hay.contains(&t)
    })
}

/// Words that put the community in charge rather than assisting.
pub const RESPONSIBILITY_WORDS: [&str; 8] = [
    "负责",
    "牵头",
    "责任主体",
    "主体责任",
    "包干",
    "包保",
    "组织实施",
    "具体实施",
];

pub fn responsibility_word(text: &str) -> Option<&'static str> {
    let hay = normalise(text);
    RESPONSIBILITY_WORDS.into_iter().find(|w| hay.contains(w))
}

/// Public-interest, professional or technical services, for which the policy advises purchase
/// of services instead of handing them to the community.
pub const SERVICE_WORDS: [&str; 10] = [
    "专业服务",
    "技术服务",
    "公益服务",
    "养老服务",
    "心理咨询",
    "心理疏导",
    "检测",
    "维修",
    "培训服务",
    "社工服务",
];

pub fn service_word(text: &str) -> Option<&'static str> {
    let hay = normalise(text);
    SERVICE_WORDS.into_iter().find(|w| hay.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_punctuation_do_not_hide_a_term() {
        let terms = vec!["招商引资".to_string()];
        assert_eq!(
            find_term("协助开展 招 商·引 资 工作", &terms),
            Some("招商引资")
        );
        assert_eq!(find_term("协助开展人口普查", &terms), None);
        assert_eq!(responsibility_word("由社区负责违建拆除"), Some("负责"));
        assert_eq!(responsibility_word("协助做好宣传"), None);
        assert_eq!(service_word("为老人提供心理咨询"), Some("心理咨询"));
    }
}
