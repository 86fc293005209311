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

/// A text normalised once, then searched many times (every negative item, every department duty,
/// the responsibility and service words).
#[derive(Debug, Clone)]
pub struct Screened(String);

impl Screened {
    pub fn new(text: &str) -> Self {
        Self(normalise(text))
    }

    fn has(&self, term: &str) -> bool {
        // Terms are normally written without punctuation; normalise only when they are not.
        if term.chars().all(char::is_alphanumeric) {
            !term.is_empty() && self.0.contains(term)
        } else {
            let t = normalise(term);
            !t.is_empty() && self.0.contains(&t)
        }
    }

    /// The first term of `terms` found in the text, if any.
    pub fn find_term<'a>(&self, terms: &'a [String]) -> Option<&'a str> {
        terms.iter().map(String::as_str).find(|t| self.has(t))
    }

    pub fn responsibility_word(&self) -> Option<&'static str> {
        RESPONSIBILITY_WORDS.into_iter().find(|w| self.has(w))
    }

    pub fn service_word(&self) -> Option<&'static str> {
        SERVICE_WORDS.into_iter().find(|w| self.has(w))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_punctuation_do_not_hide_a_term() {
        let terms = vec!["招商引资".to_string(), "招·商".to_string()];
        assert_eq!(
            Screened::new("协助开展 招 商·引 资 工作").find_term(&terms),
            Some("招商引资")
        );
        assert_eq!(Screened::new("协助开展人口普查").find_term(&terms), None);
        assert_eq!(Screened::new("招商").find_term(&terms), Some("招·商"));
        assert_eq!(
            Screened::new("由社区负责违建拆除").responsibility_word(),
            Some("负责")
        );
        assert_eq!(Screened::new("协助做好宣传").responsibility_word(), None);
        assert_eq!(
            Screened::new("为老人提供心理咨询").service_word(),
            Some("心理咨询")
        );
    }
}
