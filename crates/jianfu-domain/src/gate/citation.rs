//! A legal citation as a department types it: `《法律名称》第X条` (optionally 第X款/第X项). The
//! article is required: "a law" is not a legal basis, an article of it is.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LegalCitation {
    pub law: String,
    pub article: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitationError {
    #[error(
        "法律依据“{0}”须写明法律名称，并用书名号括起，例如：《中华人民共和国城市居民委员会组织法》第四条"
    )]
    NoLawName(String),
    #[error("法律依据“{0}”没有写明具体条款（第几条），例如：《中华人民共和国禁毒法》第十七条")]
    NoArticle(String),
}

impl CitationError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoLawName(_) => "citation_without_law",
            Self::NoArticle(_) => "citation_without_article",
        }
    }
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "零〇一二三四五六七八九十百千两".contains(c)
}

impl LegalCitation {
    pub fn parse(s: &str) -> Result<Self, CitationError> {
        let t = s.trim();
        let shown: String = t.chars().take(60).collect();
        let (Some(open), Some(close)) = (t.find('《'), t.find('》')) else {
            return Err(CitationError::NoLawName(shown));
        };
        let law = t[open + '《'.len_utf8()..close].trim();
        if law.is_empty() || close < open {
            return Err(CitationError::NoLawName(shown));
        }
        let rest = &t[close + '》'.len_utf8()..];
        // 第 + numerals + 条, somewhere after the title.
        let article = rest.find('第').and_then(|i| {
            let after = &rest[i + '第'.len_utf8()..];
            let digits: String = after.chars().take_while(|c| is_numeral(*c)).collect();
            let tail = &after[digits.len()..];
            (!digits.is_empty() && tail.starts_with('条')).then(|| {
                let more: String = tail
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '；' && *c != ';')
                    .collect();
                format!("第{digits}{more}")
            })
        });
        match article {
            Some(article) => Ok(Self {
                law: law.to_string(),
                article,
            }),
            None => Err(CitationError::NoArticle(shown)),
        }
    }
}

impl TryFrom<String> for LegalCitation {
    type Error = CitationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<LegalCitation> for String {
    fn from(c: LegalCitation) -> String {
        c.to_string()
    }
}
impl std::fmt::Display for LegalCitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "《{}》{}", self.law, self.article)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_need_a_law_and_an_article() {
        let c = LegalCitation::parse("《中华人民共和国禁毒法》第十七条").unwrap();
        assert_eq!(c.law, "中华人民共和国禁毒法");
        assert_eq!(c.article, "第十七条");
        assert_eq!(
            LegalCitation::parse(" 《反恐怖主义法》第74条第二款 ")
                .unwrap()
                .article,
            "第74条第二款"
        );
        assert!(matches!(
            LegalCitation::parse("《禁毒法》"),
            Err(CitationError::NoArticle(_))
        ));
        assert!(matches!(
            LegalCitation::parse("《禁毒法》相关规定"),
            Err(CitationError::NoArticle(_))
        ));
        assert!(matches!(
            LegalCitation::parse("禁毒法第十七条"),
            Err(CitationError::NoLawName(_))
        ));
        assert!(matches!(
            LegalCitation::parse("《》第一条"),
            Err(CitationError::NoLawName(_))
        ));
        assert_eq!(
            LegalCitation::parse("《禁毒法》第十七条")
                .unwrap()
                .to_string(),
            "《禁毒法》第十七条"
        );
    }
}
