//! Shared data elements (共享数据元): what a community enters once and every department's report
//! is read from. Each element has one definition, unit, owning department, legal basis and
//! period type, a range, and consistency rules with other elements (60岁及以上老年人数 ≤
//! 常住人口数). The district's elements are a versioned data file
//! (`data/shared_data/daxing-demo.elements.toml`); elements departments add later are stored and
//! need the access gate's approval first (the rule is `gate::burdens::shared_fields`).

use super::period::PeriodType;
use super::value::{ValueType, format_value};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Over time inside a longer report period: a stock (人口数) is read at its latest period, a
/// flow (调解件数) is added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    Stock,
    Flow,
}

impl Aggregation {
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Stock => "stock",
            Aggregation::Flow => "flow",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Aggregation::Stock, Aggregation::Flow]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Aggregation::Stock => "存量（跨期取最近一期）",
            Aggregation::Flow => "流量（跨期相加）",
        }
    }
}

/// How one element must relate to another in the same community and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relation {
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">=")]
    AtLeast,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consistency {
    pub relation: Relation,
    /// The other element's code.
    pub other: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataElement {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub unit: String,
    pub value_type: ValueType,
    /// Decimal places for [`ValueType::Decimal`]; 0 for counts.
    #[serde(default)]
    pub scale: u32,
    pub period: PeriodType,
    pub aggregation: Aggregation,
    /// Org code of the department that owns the definition.
    pub owner: String,
    /// The law or document the element is collected under.
    pub legal_basis: String,
    /// Inclusive range, in scaled units.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub rules: Vec<Consistency>,
}

impl DataElement {
    pub fn show(&self, v: i64) -> String {
        format_value(v, self.scale)
    }
}

/// The district's element register, one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementRegistry {
    pub version: String,
    /// `YYYY-MM-DD`.
    pub effective: String,
    #[serde(rename = "element")]
    pub elements: Vec<DataElement>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("数据元登记读不出：{0}")]
    Unreadable(String),
    #[error("数据元代码“{0}”重复")]
    DuplicateCode(String),
    #[error("数据元“{element}”的一致性规则引用了不存在的数据元“{other}”")]
    UnknownOther { element: String, other: String },
    #[error("数据元“{element}”与“{other}”的统计期不同，不能在同一期比较")]
    PeriodMismatch { element: String, other: String },
    #[error("数据元“{0}”的取值范围下限大于上限")]
    EmptyRange(String),
    #[error("数据元“{0}”的小数位数超过 {MAX_SCALE}")]
    ScaleTooLarge(String),
}

/// Decimal places an element may have: 10^6 still leaves room for any figure a community has.
pub const MAX_SCALE: u32 = 6;

impl Relation {
    /// The rule as a reader sees it: 不能大于“常住人口数”.
    pub fn describe(self, other: &str) -> String {
        match self {
            Relation::AtMost => format!("不能大于“{other}”"),
            Relation::AtLeast => format!("不能小于“{other}”"),
        }
    }
}

impl ElementRegistry {
    pub fn from_toml(text: &str) -> Result<Self, RegistryError> {
        let r: ElementRegistry =
            toml::from_str(text).map_err(|e| RegistryError::Unreadable(e.to_string()))?;
        r.check()?;
        Ok(r)
    }

    /// Codes unique, ranges not empty, consistency rules only between elements of one period
    /// type (otherwise "the same period" means nothing).
    pub fn check(&self) -> Result<(), RegistryError> {
        let mut seen = BTreeSet::new();
        for e in &self.elements {
            if !seen.insert(e.code.as_str()) {
                return Err(RegistryError::DuplicateCode(e.code.clone()));
            }
            if let (Some(lo), Some(hi)) = (e.min, e.max)
                && lo > hi
            {
                return Err(RegistryError::EmptyRange(e.code.clone()));
            }
            if e.scale > MAX_SCALE {
                return Err(RegistryError::ScaleTooLarge(e.code.clone()));
            }
        }
        for e in &self.elements {
            for r in &e.rules {
                let Some(o) = self.get(&r.other) else {
                    return Err(RegistryError::UnknownOther {
                        element: e.code.clone(),
                        other: r.other.clone(),
                    });
                };
                if o.period != e.period {
                    return Err(RegistryError::PeriodMismatch {
                        element: e.code.clone(),
                        other: r.other.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&DataElement> {
        self.elements.iter().find(|e| e.code == code)
    }

    /// Finds an element by code or by exact name (workbooks carry either).
    pub fn find(&self, code_or_name: &str) -> Option<&DataElement> {
        let k = code_or_name.trim();
        self.get(k)
            .or_else(|| self.elements.iter().find(|e| e.name == k))
    }

    /// Elements of one period type, in register order.
    pub fn of_period(&self, kind: PeriodType) -> impl Iterator<Item = &DataElement> {
        self.elements.iter().filter(move |e| e.period == kind)
    }

    /// The register plus elements added later (approved through the gate).
    pub fn with(&self, more: impl IntoIterator<Item = DataElement>) -> Self {
        let mut r = self.clone();
        for e in more {
            if r.get(&e.code).is_none() {
                r.elements.push(e);
            }
        }
        r
    }
}

/// A problem with one figure, named by the element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueProblem {
    pub element: String,
    /// For a consistency problem, the element compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    pub code: &'static str,
    pub message: String,
}

/// The range of one element: 三(二)'s "确需保留记录的…整合建立电子台账" asks for records that can be
/// relied on, so an impossible figure is stopped where it is typed.
pub fn check_range(e: &DataElement, v: i64) -> Option<ValueProblem> {
    let low = e.min.unwrap_or(if e.value_type == ValueType::Count {
        0
    } else {
        i64::MIN
    });
    let out = v < low || e.max.is_some_and(|hi| v > hi);
    out.then(|| {
        let range = match (
            e.min.or((e.value_type == ValueType::Count).then_some(0)),
            e.max,
        ) {
            (Some(lo), Some(hi)) => format!("{}–{}", e.show(lo), e.show(hi)),
            (Some(lo), None) => format!("不小于 {}", e.show(lo)),
            (None, Some(hi)) => format!("不大于 {}", e.show(hi)),
            (None, None) => String::new(),
        };
        ValueProblem {
            element: e.code.clone(),
            other: None,
            code: "value_out_of_range",
            message: format!(
                "“{}”填的 {}{} 超出了合理范围（{}{}）。请核对；确实如此的，请联系{}修订取值范围。",
                e.name,
                e.show(v),
                e.unit,
                range,
                e.unit,
                "数据元的主管部门"
            ),
        }
    })
}

/// The consistency rules over one community's figures for one period (`values` by element
/// code; elements without a figure are not compared).
pub fn check_consistency(
    registry: &ElementRegistry,
    values: &BTreeMap<String, i64>,
) -> Vec<ValueProblem> {
    let mut out = Vec::new();
    for (code, v) in values {
        let Some(e) = registry.get(code) else {
            continue;
        };
        for r in &e.rules {
            let (Some(o), Some(w)) = (registry.get(&r.other), values.get(&r.other)) else {
                continue;
            };
            let (ok, word) = match r.relation {
                Relation::AtMost => (v <= w, "不能大于"),
                Relation::AtLeast => (v >= w, "不能小于"),
            };
            if !ok {
                out.push(ValueProblem {
                    element: e.code.clone(),
                    other: Some(o.code.clone()),
                    code: "value_inconsistent",
                    message: format!(
                        "“{}”（{}{}）{}“{}”（{}{}）。请核对这两项。",
                        e.name,
                        e.show(*v),
                        e.unit,
                        word,
                        o.name,
                        o.show(*w),
                        o.unit
                    ),
                });
            }
        }
    }
    out
}

/// The district's shipped register.
pub const SHIPPED_ELEMENTS_TOML: &str =
    include_str!("../../../../data/shared_data/daxing-demo.elements.toml");

pub fn shipped() -> ElementRegistry {
    // Checked by the test below; a broken data file is a build-time mistake.
    ElementRegistry::from_toml(SHIPPED_ELEMENTS_TOML).unwrap_or_else(|e| ElementRegistry {
        version: format!("invalid: {e}"),
        effective: String::new(),
        elements: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_register_reads_and_is_consistent() {
        let r = ElementRegistry::from_toml(SHIPPED_ELEMENTS_TOML).unwrap();
        assert!(r.elements.len() >= 8);
        for name in [
            "常住人口数",
            "户籍人口数",
            "60岁及以上老年人数",
            "低保户数",
            "残疾人数",
            "流动人口数",
            "志愿者人数",
            "社区服务设施面积",
        ] {
            assert!(r.elements.iter().any(|e| e.name == name), "{name}");
        }
        for e in &r.elements {
            assert!(!e.legal_basis.trim().is_empty(), "{} has no basis", e.code);
            assert!(e.owner.starts_with("110115-"), "{}", e.code);
        }
    }

    fn registry() -> ElementRegistry {
        ElementRegistry::from_toml(SHIPPED_ELEMENTS_TOML).unwrap()
    }

    #[test]
    fn older_people_cannot_outnumber_residents() {
        let r = registry();
        let resident = r.find("常住人口数").unwrap().code.clone();
        let old = r.find("60岁及以上老年人数").unwrap().code.clone();
        let mut v = BTreeMap::from([(resident.clone(), 1000), (old.clone(), 300)]);
        assert!(check_consistency(&r, &v).is_empty());
        v.insert(old.clone(), 1200);
        let p = check_consistency(&r, &v);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, "value_inconsistent");
        assert_eq!(p[0].element, old);
        assert!(p[0].message.contains("常住人口数"), "{}", p[0].message);
        // Only one of the two entered: nothing to compare yet.
        v.remove(&resident);
        assert!(check_consistency(&r, &v).is_empty());
    }

    #[test]
    fn counts_are_never_negative_and_ranges_hold() {
        let r = registry();
        let e = r.find("常住人口数").unwrap();
        assert!(check_range(e, 0).is_none());
        let p = check_range(e, -1).unwrap();
        assert_eq!(p.code, "value_out_of_range");
        if let Some(hi) = e.max {
            assert!(check_range(e, hi).is_none());
            assert!(check_range(e, hi + 1).is_some());
        }
    }

    #[test]
    fn a_broken_register_is_refused() {
        let mut r = registry();
        r.elements.push(r.elements[0].clone());
        assert!(matches!(r.check(), Err(RegistryError::DuplicateCode(_))));
        let mut r = registry();
        r.elements[0].rules.push(Consistency {
            relation: Relation::AtMost,
            other: "NOPE".into(),
        });
        assert!(matches!(r.check(), Err(RegistryError::UnknownOther { .. })));
        let mut r = registry();
        let yearly = r
            .elements
            .iter()
            .position(|e| e.period == PeriodType::Yearly)
            .unwrap();
        let monthly = r
            .elements
            .iter()
            .find(|e| e.period == PeriodType::Monthly)
            .unwrap()
            .code
            .clone();
        r.elements[yearly].rules.push(Consistency {
            relation: Relation::AtMost,
            other: monthly,
        });
        assert!(matches!(
            r.check(),
            Err(RegistryError::PeriodMismatch { .. })
        ));
    }
}
