//! List update candidates (清单更新候选): off-list work the district approved after checking that
//! the cited provision names the community's duty. 三(一) manages the work by list; a provision
//! that names the duty belongs on the next list, so the approver can export a draft of the next
//! catalog version with these items added, edit it and publish it through the usual flow.

use super::catalog::{Catalog, CatalogItem, ItemKind, Law, LegalBasis, SourceDoc};
use super::citation::LegalCitation;

/// An approved case marked for the next catalog draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub assignment_id: String,
    pub title: String,
    pub department: String,
    pub access_number: Option<String>,
    pub citations: Vec<LegalCitation>,
}

/// The catalog in force plus one assist item per candidate, as the draft of the next version.
/// Item codes continue as X01, X02… (skipping codes in use); each cited law not yet registered is
/// added under a new key with its version "待核实", so the draft passes the catalog check and the
/// approver fills in the version and dates before publishing.
pub fn draft_with_candidates(current: &Catalog, candidates: &[Candidate]) -> Catalog {
    let mut draft = current.clone();
    draft.version.id = format!("{}-draft", current.version.id);
    draft.version.title = format!("{}（含清单更新候选的草稿）", current.version.title);
    draft.version.notice = format!(
        "草稿：在版本 {} 的基础上加入经区级批准的清单更新候选 {} 项（编码 X 开头）。发布前请核对条款、改定版本编号和生效日期。",
        current.version.id,
        candidates.len()
    );
    let mut next_code = 1usize;
    for c in candidates {
        let code = loop {
            let code = format!("X{next_code:02}");
            next_code += 1;
            if draft.item(&code).is_none() {
                break code;
            }
        };
        let legal_basis = c
            .citations
            .iter()
            .map(|cit| LegalBasis {
                law: law_key(&mut draft, &cit.law),
                article: cit.article.clone(),
            })
            .collect();
        draft.items.push(CatalogItem {
            code,
            kind: ItemKind::Assist,
            name: c.title.clone(),
            legal_basis,
            sources: vec![SourceDoc {
                title: format!("准入申请 {}（区级批准列入清单候选）", c.assignment_id),
                issuer: c.department.clone(),
                number: c.access_number.clone().unwrap_or_default(),
                url: String::new(),
            }],
            responsible_department: c.department.clone(),
            funding_required: true,
            terms: vec![],
            only_as_responsible: false,
            notes: "清单更新候选：申请单位说明所引条款规定了社区的这项职责，区级审批时核实并列入草稿。发布前请核对条款和法律版本。".into(),
            aliases: vec![],
            aliases_source: String::new(),
            certificate: None,
            certificate_negative: None,
        });
    }
    draft
}

/// The key of the law named `name` in the draft, registering it when new.
fn law_key(draft: &mut Catalog, name: &str) -> String {
    if let Some(l) = draft.laws.iter().find(|l| l.name == name) {
        return l.key.clone();
    }
    let key = (1..)
        .map(|n| format!("cand-{n}"))
        .find(|k| draft.law(k).is_none())
        .unwrap_or_default();
    draft.laws.push(Law {
        key: key.clone(),
        name: name.to_string(),
        version: "待核实（由申请单位引用）".into(),
        effective_from: String::new(),
        effective_to: String::new(),
        level: None,
    });
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, citation: &str) -> Candidate {
        Candidate {
            assignment_id: id.into(),
            title: format!("协助开展{id}"),
            department: "110115-MZJ".into(),
            access_number: Some("ZR2026-00001".into()),
            citations: vec![LegalCitation::parse(citation).unwrap()],
        }
    }

    #[test]
    fn the_draft_adds_one_checked_assist_item_per_candidate() {
        let current = super::super::shipped::shipped_catalog();
        let draft = draft_with_candidates(
            &current,
            &[
                candidate("a", "《中华人民共和国民法典》第三十一条"),
                candidate("b", "《某某条例》第五条"),
                candidate("c", "《某某条例》第六条"),
            ],
        );
        assert_eq!(draft.items.len(), current.items.len() + 3);
        assert!(draft.check().is_ok(), "{:?}", draft.check());
        let x1 = draft.item("X01").unwrap();
        assert_eq!(x1.kind, ItemKind::Assist);
        assert!(x1.funding_required);
        // A law already registered is reused; a new one is registered once.
        assert_eq!(x1.legal_basis[0].law, "civil-code");
        let (x2, x3) = (draft.item("X02").unwrap(), draft.item("X03").unwrap());
        assert_eq!(x2.legal_basis[0].law, x3.legal_basis[0].law);
        assert_eq!(draft.laws.len(), current.laws.len() + 1);
        assert!(draft.version.id.ends_with("-draft"));
        // The current catalog is untouched.
        assert!(current.item("X01").is_none());
    }
}
