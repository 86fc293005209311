//! The organisation tree: district → street/town → community, plus the district's departments.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of organisation jianfu knows. The order of the tree is fixed by the policy:
/// departments and streets/towns sit under the district, communities under a street or town.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    District,
    Street,
    Town,
    Community,
    Department,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::District,
        OrgKind::Street,
        OrgKind::Town,
        OrgKind::Community,
        OrgKind::Department,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::District => "district",
            OrgKind::Street => "street",
            OrgKind::Town => "town",
            OrgKind::Community => "community",
            OrgKind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::District => "区",
            OrgKind::Street => "街道",
            OrgKind::Town => "镇",
            OrgKind::Community => "社区",
            OrgKind::Department => "区级部门",
        }
    }

    /// Which kinds may be this kind's parent. `None` in the result list means "no parent".
    pub fn allowed_parent(self, parent: Option<OrgKind>) -> bool {
        matches!(
            (self, parent),
            (OrgKind::District, None)
                | (
                    OrgKind::Street | OrgKind::Town | OrgKind::Department,
                    Some(OrgKind::District)
                )
                | (OrgKind::Community, Some(OrgKind::Street | OrgKind::Town))
        )
    }
}

/// An organisation code: the statistical division code for district, streets, towns and
/// communities (e.g. `110115001`), or a stable code for departments (e.g. `110115-MZJ`).
/// Parsing is the only way in, so every stored or routed code is well formed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("机构代码“{0}”格式不正确：应为 1–32 位字母、数字或连字符")]
pub struct InvalidOrgCode(pub String);

impl OrgCode {
    pub fn parse(s: &str) -> Result<Self, InvalidOrgCode> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= 32
            && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !t.starts_with('-');
        if ok {
            Ok(Self(t.to_ascii_uppercase()))
        } else {
            Err(InvalidOrgCode(s.chars().take(40).collect()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgCode {
    type Error = InvalidOrgCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OrgCode> for String {
    fn from(c: OrgCode) -> String {
        c.0
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub code: OrgCode,
    pub name: String,
    pub kind: OrgKind,
    pub parent: Option<OrgCode>,
}

/// Read-only view over all organisations, for tree questions (ancestors, children).
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    orgs: Vec<Org>,
    index: std::collections::HashMap<OrgCode, usize>,
}

impl OrgTree {
    pub fn new(mut orgs: Vec<Org>) -> Self {
        orgs.sort_by(|a, b| a.code.cmp(&b.code));
        let index = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| (o.code.clone(), i))
            .collect();
        Self { orgs, index }
    }
    /// The name for display; the code itself when it is malformed or unknown (a deleted or
    /// mistyped organisation still shows something the reader can look up).
    pub fn name_or_code(&self, code: &str) -> String {
        OrgCode::parse(code)
            .ok()
            .and_then(|c| self.get(&c).map(|o| o.name.clone()))
            .unwrap_or_else(|| code.to_string())
    }

    pub fn get(&self, code: &OrgCode) -> Option<&Org> {
        self.index.get(code).map(|&i| &self.orgs[i])
    }
    pub fn all(&self) -> &[Org] {
        &self.orgs
    }
    pub fn children<'a>(&'a self, code: &'a OrgCode) -> impl Iterator<Item = &'a Org> + 'a {
        self.orgs
            .iter()
            .filter(move |o| o.parent.as_ref() == Some(code))
    }
    /// True when `code` is `ancestor` or lies below it. Bounded by the tree's depth, so a
    /// corrupted cycle cannot loop forever.
    pub fn is_within(&self, code: &OrgCode, ancestor: &OrgCode) -> bool {
        let mut cur = Some(code.clone());
        for _ in 0..8 {
            match cur {
                Some(c) if &c == ancestor => return true,
                Some(c) => cur = self.get(&c).and_then(|o| o.parent.clone()),
                None => return false,
            }
        }
        false
    }
    pub fn count(&self, kind: OrgKind) -> usize {
        self.orgs.iter().filter(|o| o.kind == kind).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fall_back_to_the_code() {
        let tree = OrgTree::new(vec![Org {
            code: OrgCode::parse("110115").unwrap(),
            name: "北京市大兴区".into(),
            kind: OrgKind::District,
            parent: None,
        }]);
        assert_eq!(tree.name_or_code("110115"), "北京市大兴区");
        assert_eq!(tree.name_or_code("110116"), "110116");
        assert_eq!(tree.name_or_code("不是代码"), "不是代码");
    }

    fn code(s: &str) -> OrgCode {
        OrgCode::parse(s).unwrap()
    }

    #[test]
    fn org_code_accepts_division_and_department_codes() {
        assert_eq!(code("110115001").as_str(), "110115001");
        assert_eq!(code(" 110115-mzj ").as_str(), "110115-MZJ");
        for bad in ["", "-x", "a b", "社区", &"1".repeat(33), "x;drop"] {
            assert!(OrgCode::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn tree_shape_is_enforced() {
        use OrgKind::*;
        assert!(District.allowed_parent(None));
        assert!(Street.allowed_parent(Some(District)));
        assert!(Community.allowed_parent(Some(Town)));
        assert!(!Community.allowed_parent(Some(District)));
        assert!(!Department.allowed_parent(Some(Street)));
        assert!(!Street.allowed_parent(None));
    }

    #[test]
    fn within_follows_parents() {
        let t = OrgTree::new(vec![
            Org {
                code: code("110115"),
                name: "区".into(),
                kind: OrgKind::District,
                parent: None,
            },
            Org {
                code: code("110115001"),
                name: "街".into(),
                kind: OrgKind::Street,
                parent: Some(code("110115")),
            },
            Org {
                code: code("110115001901"),
                name: "社区".into(),
                kind: OrgKind::Community,
                parent: Some(code("110115001")),
            },
            Org {
                code: code("110115002901"),
                name: "别的社区".into(),
                kind: OrgKind::Community,
                parent: Some(code("110115002")),
            },
        ]);
        assert!(t.is_within(&code("110115001901"), &code("110115001")));
        assert!(t.is_within(&code("110115001901"), &code("110115")));
        assert!(!t.is_within(&code("110115002901"), &code("110115001")));
        assert_eq!(t.children(&code("110115")).count(), 1);
    }
}
