//! Electronic ledgers (电子台账). 三(二): "社区依法承担、协助完成的工作确需保留记录的，可依托社区
//! 管理服务信息平台，整合建立电子台账" — one platform ledger per kind of record, from a template,
//! instead of paper books and each department's own ledger. Templates are a data file
//! (`data/shared_data/ledger-templates.toml`).

use crate::text::InputText;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Line,
    Text,
    Date,
    Count,
    Choice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub code: String,
    pub name: String,
    pub purpose: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Templates {
    pub version: String,
    #[serde(rename = "template")]
    pub templates: Vec<Template>,
}

pub const SHIPPED_TEMPLATES_TOML: &str =
    include_str!("../../../../data/shared_data/ledger-templates.toml");

impl Templates {
    pub fn shipped() -> Templates {
        toml::from_str(SHIPPED_TEMPLATES_TOML).unwrap_or(Templates {
            version: "invalid".into(),
            templates: Vec::new(),
        })
    }
    pub fn get(&self, code: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.code == code)
    }
}

/// A problem with one field of a record, by field key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

const LINE_MAX: usize = 100;
const TEXT_MAX: usize = 2000;

/// Checks a record typed into a template's form; returns the cleaned values and the record's
/// day (its first date field), or every problem at once so the form can show them all.
pub fn check_record(
    t: &Template,
    input: &BTreeMap<String, String>,
) -> Result<(BTreeMap<String, String>, String), Vec<FieldProblem>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    let mut day = None;
    for f in &t.fields {
        let raw = input.get(&f.key).map(String::as_str).unwrap_or("");
        let problem = |code, message: String| FieldProblem {
            field: f.key.clone(),
            code,
            message,
        };
        if raw.trim().is_empty() {
            if f.required {
                problems.push(problem("required", format!("请填写“{}”。", f.label)));
            }
            continue;
        }
        let value = match f.kind {
            FieldKind::Line => InputText::line(raw, LINE_MAX).map(|t| t.as_str().to_string()),
            FieldKind::Text => InputText::paragraph(raw, TEXT_MAX).map(|t| t.as_str().to_string()),
            FieldKind::Date | FieldKind::Count | FieldKind::Choice => {
                Ok(crate::text::half_width_text(raw))
            }
        };
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(e.code(), e.message(&f.label)));
                continue;
            }
        };
        match f.kind {
            FieldKind::Date => {
                let Some(d) = crate::inventory::status::parse_day(&value) else {
                    problems.push(problem(
                        "invalid_date",
                        format!("“{}”请按 2026-11-28 的格式填写日期。", f.label),
                    ));
                    continue;
                };
                let value = crate::assignment::working_days::format_date(d);
                day.get_or_insert_with(|| value.clone());
                out.insert(f.key.clone(), value);
                continue;
            }
            FieldKind::Count => {
                if value.parse::<u32>().is_err() {
                    problems.push(problem(
                        "not_a_number",
                        format!("“{}”请填整数，现在是“{value}”。", f.label),
                    ));
                    continue;
                }
            }
            FieldKind::Choice => {
                if !f.options.contains(&value) {
                    problems.push(problem(
                        "unknown_option",
                        format!("“{}”只能选：{}。", f.label, f.options.join("、")),
                    ));
                    continue;
                }
            }
            FieldKind::Line | FieldKind::Text => {}
        }
        out.insert(f.key.clone(), value);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    match day {
        Some(d) => Ok((out, d)),
        None => Err(vec![FieldProblem {
            field: String::new(),
            code: "required",
            message: "记录须有日期。".into(),
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_read_and_each_has_a_required_date() {
        let t = Templates::shipped();
        assert_eq!(t.templates.len(), 3);
        for tpl in &t.templates {
            assert!(
                tpl.fields
                    .iter()
                    .any(|f| f.kind == FieldKind::Date && f.required),
                "{}",
                tpl.code
            );
            for f in &tpl.fields {
                assert_eq!(
                    f.kind == FieldKind::Choice,
                    !f.options.is_empty(),
                    "{}",
                    f.key
                );
            }
        }
    }

    #[test]
    fn a_record_is_checked_field_by_field_and_all_problems_are_told() {
        let t = Templates::shipped();
        let m = t.get("mediation").unwrap();
        let ok = BTreeMap::from([
            ("date".to_string(), "２０２６-11-20".to_string()),
            ("parties".to_string(), "3号楼张、李两户".to_string()),
            ("type".to_string(), "邻里纠纷".to_string()),
            ("outcome".to_string(), "调解成功".to_string()),
        ]);
        let (v, day) = check_record(m, &ok).unwrap();
        assert_eq!(day, "2026-11-20");
        assert_eq!(v["type"], "邻里纠纷");
        let bad = BTreeMap::from([
            ("date".to_string(), "昨天".to_string()),
            ("type".to_string(), "打架".to_string()),
        ]);
        let p = check_record(m, &bad).unwrap_err();
        let codes: Vec<_> = p.iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert!(codes.contains(&("date", "invalid_date")), "{codes:?}");
        assert!(codes.contains(&("parties", "required")));
        assert!(codes.contains(&("type", "unknown_option")));
        assert!(codes.contains(&("outcome", "required")));
    }
}
