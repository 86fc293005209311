//! No seal on a blank document: a certificate's text is its template with every named placeholder
//! (`{申请人}`) filled by a non-blank value. Anything left open — a missing value, a value the
//! template does not have, a brace — means the document is not finished and is not stamped.

use crate::Citation;
use crate::citation::DAXING_2016;
use std::collections::BTreeMap;

/// Rule of [`fill`].
pub const CITE_NO_BLANK_DOCUMENT: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 规范社区印章使用管理制度（各地社区印章管理制度的通行要求：不得在空白信笺、空白表格上加盖印章）",
};

/// The longest placeholder name accepted; names are short labels such as 申请人、身份证号.
const MAX_NAME_CHARS: usize = 30;

/// A template that cannot be read: where and why, without the surrounding text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("第 {0} 个字符处的“{{”没有对应的“}}”")]
    Unclosed(usize),
    #[error("第 {0} 个字符处有多余的“}}”")]
    StrayClose(usize),
    #[error("第 {0} 个字符处的花括号里没有名称")]
    EmptyName(usize),
    #[error("第 {0} 个字符处的名称过长或含有空格、换行（名称应为“申请人”这样的简短词语）")]
    BadName(usize),
}

/// One piece of a template: literal text or a placeholder name.
enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    // Character position (1-based) of `rest`'s start, for messages.
    let mut pos = 1;
    while !rest.is_empty() {
        let next = rest.find(['{', '}']);
        let Some(i) = next else {
            out.push(Piece::Text(rest));
            break;
        };
        let before = &rest[..i];
        if !before.is_empty() {
            out.push(Piece::Text(before));
        }
        pos += before.chars().count();
        if rest[i..].starts_with('}') {
            return Err(TemplateError::StrayClose(pos));
        }
        let after = &rest[i + 1..];
        let Some(close) = after.find(['{', '}']) else {
            return Err(TemplateError::Unclosed(pos));
        };
        if after[close..].starts_with('{') {
            return Err(TemplateError::Unclosed(pos));
        }
        let name = &after[..close];
        if name.is_empty() {
            return Err(TemplateError::EmptyName(pos));
        }
        if name.chars().count() > MAX_NAME_CHARS
            || name.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(TemplateError::BadName(pos));
        }
        out.push(Piece::Field(name));
        pos += name.chars().count() + 2;
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// The placeholder names of a template in order of first appearance, or what is wrong with it.
pub fn placeholders_checked(template: &str) -> Result<Vec<String>, TemplateError> {
    let mut names: Vec<String> = Vec::new();
    for p in pieces(template)? {
        if let Piece::Field(n) = p
            && !names.iter().any(|x| x == n)
        {
            names.push(n.to_string());
        }
    }
    Ok(names)
}

/// The placeholder names a form must ask for, in order of first appearance. A malformed template
/// (which a checked catalog never holds) has none; [`fill`] then refuses it.
pub fn placeholders(template: &str) -> Vec<String> {
    placeholders_checked(template).unwrap_or_default()
}

/// Why a document may not be stamped. Code `blank_document`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlankDocument {
    /// Fields of the template with no value, or only blanks.
    pub missing: Vec<String>,
    /// Values given for fields the template does not have.
    pub unexpected: Vec<String>,
    /// Values that contain braces (they would leave a placeholder in the text).
    pub braces: Vec<String>,
    /// The template itself cannot be read, or gives no text.
    pub template: Option<String>,
}

impl BlankDocument {
    pub fn code(&self) -> &'static str {
        "blank_document"
    }

    pub fn citation(&self) -> Citation {
        CITE_NO_BLANK_DOCUMENT
    }

    pub fn message(&self) -> String {
        let quoted = |v: &[String]| {
            v.iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("")
        };
        let mut parts = Vec::new();
        if let Some(t) = &self.template {
            parts.push(format!("证明式样有误（{t}），请联系区里修正清单后再办理。"));
        }
        if !self.missing.is_empty() {
            parts.push(format!(
                "证明内容还有空白，请填写{}。",
                quoted(&self.missing)
            ));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!(
                "填写了本证明式样中没有的项目{}，请刷新页面后按当前式样填写。",
                quoted(&self.unexpected)
            ));
        }
        if !self.braces.is_empty() {
            parts.push(format!("{}中不能含有花括号“{{ }}”。", quoted(&self.braces)));
        }
        format!("空白或未填完的证明不能盖章。{}", parts.join(""))
    }
}

impl std::fmt::Display for BlankDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for BlankDocument {}

/// Blank on paper: only spaces or the underscores of a form's fill-in line.
fn is_blank(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_whitespace() || matches!(c, '_' | '＿'))
}

/// The certificate's text: `template` with each `{name}` replaced by `values[name]` (trimmed).
/// Refused unless every placeholder has a non-blank value, every value belongs to a placeholder,
/// no value contains a brace and the result has text. Rule [`CITE_NO_BLANK_DOCUMENT`].
pub fn fill(template: &str, values: &BTreeMap<String, String>) -> Result<String, BlankDocument> {
    let pieces = match pieces(template) {
        Ok(p) => p,
        Err(e) => {
            return Err(BlankDocument {
                template: Some(e.to_string()),
                ..Default::default()
            });
        }
    };
    let names = placeholders(template);
    let mut problem = BlankDocument {
        missing: names
            .iter()
            .filter(|n| values.get(*n).is_none_or(|v| is_blank(v)))
            .cloned()
            .collect(),
        unexpected: values
            .keys()
            .filter(|k| !names.contains(k))
            .cloned()
            .collect(),
        braces: values
            .iter()
            .filter(|(_, v)| v.contains(['{', '}']))
            .map(|(k, _)| k.clone())
            .collect(),
        template: None,
    };
    if template.trim().is_empty() {
        problem.template = Some("式样为空".into());
    }
    if problem != BlankDocument::default() {
        return Err(problem);
    }
    let mut out = String::with_capacity(template.len() + 64);
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Field(n) => out.push_str(values.get(n).map(|v| v.trim()).unwrap_or_default()),
        }
    }
    if out.trim().is_empty() {
        return Err(BlankDocument {
            template: Some("填写后没有任何文字".into()),
            ..Default::default()
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const T: &str =
        "兹证明{申请人}（公民身份号码：{身份证号}）与{关系人}系{关系}关系。{申请人}户籍在本社区。";

    #[test]
    fn placeholders_are_listed_once_in_order() {
        assert_eq!(placeholders(T), ["申请人", "身份证号", "关系人", "关系"]);
        assert!(placeholders("没有占位符的文字").is_empty());
        assert!(placeholders("{坏").is_empty());
    }

    #[test]
    fn a_filled_template_reads_as_text() {
        let v = vals(&[
            ("申请人", " 张三 "),
            ("身份证号", "**************123X"),
            ("关系人", "李四"),
            ("关系", "母子"),
        ]);
        assert_eq!(
            fill(T, &v).unwrap(),
            "兹证明张三（公民身份号码：**************123X）与李四系母子关系。张三户籍在本社区。"
        );
    }

    #[test]
    fn every_placeholder_needs_a_non_blank_value() {
        let v = vals(&[("申请人", "张三"), ("身份证号", "   "), ("关系", "＿＿＿")]);
        let e = fill(T, &v).unwrap_err();
        assert_eq!(e.code(), "blank_document");
        assert_eq!(e.missing, ["身份证号", "关系人", "关系"]);
        let m = e.message();
        assert!(m.contains("“身份证号”“关系人”“关系”"), "{m}");
        assert!(m.starts_with("空白或未填完的证明不能盖章"));
        assert!(e.citation().clause.contains("空白"));
    }

    #[test]
    fn values_the_template_does_not_have_are_refused() {
        let mut v = vals(&[
            ("申请人", "张三"),
            ("身份证号", "1"),
            ("关系人", "李四"),
            ("关系", "母子"),
        ]);
        v.insert("用途".into(), "随便用".into());
        let e = fill(T, &v).unwrap_err();
        assert_eq!(e.unexpected, ["用途"]);
        assert!(e.missing.is_empty());
    }

    #[test]
    fn braces_may_not_be_left_behind() {
        let v = vals(&[
            ("申请人", "张三"),
            ("身份证号", "1"),
            ("关系人", "{关系人}"),
            ("关系", "母子"),
        ]);
        assert_eq!(fill(T, &v).unwrap_err().braces, ["关系人"]);
        for (bad, want) in [
            ("兹证明{申请人", TemplateError::Unclosed(4)),
            ("兹证明}申请人", TemplateError::StrayClose(4)),
            ("兹证明{}", TemplateError::EmptyName(4)),
            ("兹证明{申{请}人}", TemplateError::Unclosed(4)),
            ("兹证明{申 请人}", TemplateError::BadName(4)),
            ("{甲}与{乙", TemplateError::Unclosed(5)),
        ] {
            assert_eq!(placeholders_checked(bad), Err(want.clone()), "{bad}");
            let e = fill(bad, &BTreeMap::new()).unwrap_err();
            assert_eq!(e.template, Some(want.to_string()), "{bad}");
        }
    }

    #[test]
    fn an_empty_document_is_not_stamped() {
        assert!(fill("", &BTreeMap::new()).unwrap_err().template.is_some());
        assert!(
            fill("  \n ", &BTreeMap::new())
                .unwrap_err()
                .template
                .is_some()
        );
        // Only placeholders, filled: text remains, so it is a document.
        assert_eq!(fill("{甲}", &vals(&[("甲", "乙")])).unwrap(), "乙");
        // Plain text with nothing to fill is a finished document.
        assert_eq!(fill("特此证明。", &BTreeMap::new()).unwrap(), "特此证明。");
    }
}
