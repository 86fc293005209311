//! The lists a community works from, as versioned data (data/catalog/*.toml). Each item carries
//! its legal bases with the law's version, because the 城市居民委员会组织法 was renumbered when
//! its 2025 revision came into force on 2026-01-01: "第三条" means different things before and after.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 社区依法履行职责事项
    Duty,
    /// 社区依法协助政府工作事项
    Assist,
    /// 取消和禁入事项
    Negative,
    /// A department's or street's own duty (部门职责), which it may not pass on.
    DepartmentDuty,
    /// 社区日常出具证明事项 (retained certificates)
    Certificate,
    /// 不应由社区出具的证明事项
    CertificateNegative,
}

impl ItemKind {
    pub const ALL: [ItemKind; 6] = [
        ItemKind::Duty,
        ItemKind::Assist,
        ItemKind::Negative,
        ItemKind::DepartmentDuty,
        ItemKind::Certificate,
        ItemKind::CertificateNegative,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Duty => "duty",
            ItemKind::Assist => "assist",
            ItemKind::Negative => "negative",
            ItemKind::DepartmentDuty => "department_duty",
            ItemKind::Certificate => "certificate",
            ItemKind::CertificateNegative => "certificate_negative",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ItemKind::Duty => "依法履行职责事项",
            ItemKind::Assist => "依法协助政府工作事项",
            ItemKind::Negative => "取消和禁入事项",
            ItemKind::DepartmentDuty => "部门职责事项",
            ItemKind::Certificate => "社区出具证明事项",
            ItemKind::CertificateNegative => "不应由社区出具的证明",
        }
    }
}

/// A law or regulation in a particular version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Law {
    /// Stable key used by items, e.g. `jwh-1989`.
    pub key: String,
    /// Full name, e.g. 中华人民共和国城市居民委员会组织法.
    pub name: String,
    /// Which text: e.g. "1989年通过、2018年修正".
    pub version: String,
    /// In force from/to (YYYY-MM-DD); `to` empty while in force.
    #[serde(default)]
    pub effective_from: String,
    #[serde(default)]
    pub effective_to: String,
    /// What kind of legal text it is. Only laws, regulations and rules can be the legal basis of
    /// a retained certificate (民发〔2020〕20号: 有明确法律法规依据); `None` when not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<LawLevel>,
}

/// The rank of a legal text (《中华人民共和国立法法》).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LawLevel {
    /// 法律
    Law,
    /// 行政法规
    AdministrativeRegulation,
    /// 地方性法规
    LocalRegulation,
    /// 规章（部门规章、地方政府规章）
    Rule,
    /// 规范性文件（含经国务院同意的部门文件）
    NormativeDocument,
    /// 清单、报道等其他来源：可作来源，不能作依据
    Other,
}

impl LawLevel {
    pub const ALL: [LawLevel; 6] = [
        LawLevel::Law,
        LawLevel::AdministrativeRegulation,
        LawLevel::LocalRegulation,
        LawLevel::Rule,
        LawLevel::NormativeDocument,
        LawLevel::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            LawLevel::Law => "law",
            LawLevel::AdministrativeRegulation => "administrative_regulation",
            LawLevel::LocalRegulation => "local_regulation",
            LawLevel::Rule => "rule",
            LawLevel::NormativeDocument => "normative_document",
            LawLevel::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            LawLevel::Law => "法律",
            LawLevel::AdministrativeRegulation => "行政法规",
            LawLevel::LocalRegulation => "地方性法规",
            LawLevel::Rule => "规章",
            LawLevel::NormativeDocument => "规范性文件",
            LawLevel::Other => "其他",
        }
    }
    /// Law, regulation or rule: what can found a duty or a certificate.
    pub fn is_legislation(self) -> bool {
        matches!(
            self,
            LawLevel::Law
                | LawLevel::AdministrativeRegulation
                | LawLevel::LocalRegulation
                | LawLevel::Rule
        )
    }
}

/// One legal basis of an item: a law (by key) and an article in that version's numbering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    pub law: String,
    pub article: String,
}

/// A document an item comes from, with issuer and 文号.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDoc {
    pub title: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub code: String,
    pub kind: ItemKind,
    pub name: String,
    #[serde(default)]
    pub legal_basis: Vec<LegalBasis>,
    #[serde(default)]
    pub sources: Vec<SourceDoc>,
    /// Org code of the department responsible (for assist and department-duty items).
    #[serde(default)]
    pub responsible_department: String,
    /// Assist work must bring funding (费随事转).
    #[serde(default)]
    pub funding_required: bool,
    /// Words that identify this item in free text (negative items are screened by them).
    #[serde(default)]
    pub terms: Vec<String>,
    /// Negative items that are banned only when the community is made the responsible subject
    /// (执法、拆迁拆违、城市管理), as opposed to targets that are banned outright.
    #[serde(default)]
    pub only_as_responsible: bool,
    #[serde(default)]
    pub notes: String,
    /// Other names people use for the item (sub-items, synonyms, colloquial names), matched by
    /// meaning against what a resident types (certificates) or a department writes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Where the aliases come from (the list's own sub-items, a published 办事指南, how people ask).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aliases_source: String,
    /// For kind `certificate`: what the community stamps, for whom, on what conditions.
    /// (Boxed: most items are work items, and the diff holds items by value.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Box<CertificateSpec>>,
    /// For kind `certificate_negative`: who issues it instead and what the resident does, so a
    /// refusal is never a dead end (民发〔2020〕20号 requires 办事指南 for every item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_negative: Option<Box<NegativeCertificateSpec>>,
}

/// A retained certificate (社区日常出具证明事项), in the fields of a published certificate record:
/// 事项名称、内容及用途; 开具单位; 法律政策依据 (the item's `legal_basis`); 办理条件、材料及流程;
/// 办理时限; 要求开具单位; 证明式样.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSpec {
    /// 内容及用途, e.g. 证明申请人与被继承人的亲属关系，用于办理继承公证.
    pub content_and_purpose: String,
    /// 开具单位, e.g. 社区居民委员会.
    pub issuing_level: String,
    /// Others who may issue the same fact (so the resident has a choice), e.g. 户籍地公安派出所.
    #[serde(default)]
    pub also_issued_by: String,
    /// 要求开具单位: the units that may ask for it. A unit not listed is asking about its own
    /// matter, which it must check itself.
    #[serde(default)]
    pub requesting_units: Vec<RequestingUnit>,
    /// 办理条件, in words.
    #[serde(default)]
    pub conditions: String,
    /// 户籍或原户籍须在本社区, else not accepted: only then can the community know the facts.
    #[serde(default)]
    pub requires_household: bool,
    /// Materials the applicant brings.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// 办理时限 in working days from acceptance.
    pub time_limit_working_days: u32,
    /// 证明式样: the certificate's text with named placeholders (`{申请人}`), which the worker
    /// fills with the facts. Community name, number, date and seal area are added on printing.
    #[serde(default)]
    pub template: String,
    /// Code of the negative item this one is a narrow exception to (亲属关系证明（仅限公证）→
    /// 亲属关系证明), or empty.
    #[serde(default)]
    pub exception_to: String,
    /// For an exception: words of which the stated purpose must contain one (e.g. 公证).
    #[serde(default)]
    pub exception_purposes: Vec<String>,
}

/// A unit that may ask for a certificate, with the words that recognise it in what an applicant
/// types (大兴区不动产登记中心 → 不动产登记).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestingUnit {
    pub name: String,
    #[serde(default)]
    pub terms: Vec<String>,
}

/// A material the applicant brings: `id_card` 身份证, `hukou` 户口本, `evidence` 佐证材料….
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub required: bool,
}

/// A certificate communities must not issue, with where the resident goes instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeCertificateSpec {
    /// Sub-items as the list names them, e.g. 婚姻关系证明、分居证明.
    #[serde(default)]
    pub sub_items: Vec<String>,
    /// The unit responsible instead, e.g. 公安机关（户籍地或居住地公安派出所）.
    pub issued_by_instead: String,
    /// What the resident should do instead, concretely.
    pub resident_path: String,
}

impl RequestingUnit {
    /// Whether the unit an applicant typed is this one: its name or one of its terms appears in
    /// the text, spacing and punctuation aside.
    pub fn matches(&self, typed: &str) -> bool {
        let typed = super::screening::Screened::new(typed);
        let mut words = std::iter::once(&self.name).chain(self.terms.iter());
        words.any(|w| typed.find_term(std::slice::from_ref(w)).is_some())
    }
}

impl CertificateSpec {
    /// The listed unit the typed `asking_unit` is, if any.
    pub fn requesting_unit(&self, asking_unit: &str) -> Option<&RequestingUnit> {
        self.requesting_units
            .iter()
            .find(|u| u.matches(asking_unit))
    }

    pub fn required_materials(&self) -> impl Iterator<Item = &Material> {
        self.materials.iter().filter(|m| m.required)
    }
}

/// One version of the catalog: its issuing document and validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// e.g. `daxing-demo-2026.1`
    pub id: String,
    pub title: String,
    /// Issuing document, e.g. 大兴区社区工作事项清单（2026年版）.
    pub document: String,
    pub effective_from: String,
    #[serde(default)]
    pub effective_to: String,
    /// Shown on every page of the catalog: where the data comes from and that a district
    /// replaces it with its own.
    #[serde(default)]
    pub notice: String,
}

/// A whole catalog version as shipped in a data file or stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub version: VersionInfo,
    #[serde(default)]
    pub laws: Vec<Law>,
    /// The legal anchors of the whole regime in this version's law texts, by role
    /// ([`ANCHOR_ASSIST`], [`ANCHOR_FUNDING`]): the rules cite them next to the policy's clause.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub anchors: BTreeMap<String, Vec<LegalBasis>>,
    pub items: Vec<CatalogItem>,
}

/// Role of the 组织法 article under which work a district department needs the committee's help
/// with is agreed and arranged by the district government (1989/2018 text: 第二十条).
pub const ANCHOR_ASSIST: &str = "assist";
/// Role of the 组织法 article on the committee's working funds (1989/2018 text: 第十七条).
pub const ANCHOR_FUNDING: &str = "funding";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("清单文件格式有误：{0}")]
    Format(String),
    #[error("事项编码“{0}”重复")]
    DuplicateCode(String),
    #[error("事项“{item}”引用了未登记的法律“{law}”")]
    UnknownLaw { item: String, law: String },
    #[error("事项“{0}”的名称为空")]
    EmptyName(String),
    #[error("事项“{0}”是禁入事项，但没有用于甄别的关键词（terms）")]
    NegativeWithoutTerms(String),
    #[error("“{item}”引用的“{law}”在本清单版本施行期间并不有效：{why}")]
    LawNotInForce {
        item: String,
        law: String,
        why: String,
    },
    #[error("证明事项“{item}”有误：{problem}")]
    Certificate { item: String, problem: String },
}

impl Catalog {
    /// Parses and checks a catalog data file (TOML).
    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        let c: Catalog = toml_parse(text)?;
        c.check()?;
        Ok(c)
    }

    /// Consistency rules every stored catalog satisfies.
    pub fn check(&self) -> Result<(), CatalogError> {
        for (role, bases) in &self.anchors {
            for b in bases {
                self.check_citation(&format!("法律锚点 {role}"), b)?;
            }
        }
        let mut seen = std::collections::HashSet::new();
        for it in &self.items {
            if !seen.insert(it.code.as_str()) {
                return Err(CatalogError::DuplicateCode(it.code.clone()));
            }
            if it.name.trim().is_empty() {
                return Err(CatalogError::EmptyName(it.code.clone()));
            }
            if it.kind == ItemKind::Negative && it.terms.is_empty() {
                return Err(CatalogError::NegativeWithoutTerms(it.code.clone()));
            }
            for b in &it.legal_basis {
                self.check_citation(&it.code, b)?;
            }
            if let Some(problem) = self.certificate_problem(it) {
                return Err(CatalogError::Certificate {
                    item: it.code.clone(),
                    problem,
                });
            }
        }
        Ok(())
    }

    /// A citation names a registered law, in force throughout this version's dates: a version that
    /// takes effect on 2026-01-01 cannot cite the 组织法 in its 2018 numbering, which ended on
    /// 2025-12-31 (the 2025 revision renumbered it). A law whose dates are not recorded is not
    /// checked here; the shipped data records them all (a test says so).
    fn check_citation(&self, item: &str, b: &LegalBasis) -> Result<(), CatalogError> {
        let Some(law) = self.law(&b.law) else {
            return Err(CatalogError::UnknownLaw {
                item: item.to_string(),
                law: b.law.clone(),
            });
        };
        let v = &self.version;
        let not_in_force = |why: String| {
            Err(CatalogError::LawNotInForce {
                item: item.to_string(),
                law: format!("《{}》（{}）", law.name, law.version),
                why,
            })
        };
        let from = law.effective_from.trim();
        let to = law.effective_to.trim();
        if !from.is_empty() && from > v.effective_from.as_str() {
            return not_in_force(format!(
                "该法自 {from} 起施行，晚于本版本的生效日期 {}",
                v.effective_from
            ));
        }
        if !to.is_empty() {
            let version_to = v.effective_to.trim();
            if to < v.effective_from.as_str() {
                return not_in_force(format!(
                    "该法已于 {to} 失效，早于本版本的生效日期 {}；请引用现行文本的条文编号",
                    v.effective_from
                ));
            }
            if version_to.is_empty() || to < version_to {
                return not_in_force(format!(
                    "该法于 {to} 失效，而本版本在此之后仍然有效；请引用现行文本，或给本版本写明失效日期"
                ));
            }
        }
        Ok(())
    }

    /// What is wrong with an item's certificate fields, if anything. A retained certificate
    /// needs a legal basis, a unit that may ask, a time limit and a well-formed template (三(四));
    /// a negative one needs the unit responsible instead, the resident's path and screening
    /// words, so that no refusal is a dead end.
    fn certificate_problem(&self, it: &CatalogItem) -> Option<String> {
        let problem = |s: &str| Some(s.to_string());
        match it.kind {
            ItemKind::Certificate => {
                let Some(spec) = &it.certificate else {
                    return problem(
                        "缺少证明事项的内容（内容及用途、开具单位、要求开具单位、办理时限、证明式样）",
                    );
                };
                if it.certificate_negative.is_some() {
                    return problem("保留的证明事项不能同时带有“不应出具”的说明");
                }
                if it.legal_basis.is_empty() {
                    return problem("没有法律政策依据，社区不得出具");
                }
                // 三(四): 法律、法规和规章明确规定需社区提供证明; 民发〔2020〕20号: 有明确法律法规
                // 依据. A news report or a list is a source, not a basis.
                let founded = it.legal_basis.iter().any(|b| {
                    let level = self.law(&b.law).and_then(|l| l.level);
                    let article = b.article.trim();
                    level.is_some_and(LawLevel::is_legislation)
                        && article.starts_with('第')
                        && article.contains('条')
                });
                if !founded {
                    return problem(
                        "法律政策依据中没有法律、法规或规章的具体条款（第…条）；新闻报道、清单和规范性文件只是来源，不能作为社区出具证明的依据",
                    );
                }
                if spec.content_and_purpose.trim().is_empty() {
                    return problem("没有写明内容及用途");
                }
                if spec.issuing_level.trim().is_empty() {
                    return problem("没有写明开具单位");
                }
                if spec.requesting_units.is_empty()
                    || spec
                        .requesting_units
                        .iter()
                        .any(|u| u.name.trim().is_empty())
                {
                    return problem("没有写明要求开具单位，或单位名称为空");
                }
                if !(1..=MAX_CERTIFICATE_DAYS).contains(&spec.time_limit_working_days) {
                    return Some(format!(
                        "办理时限应为 1 至 {MAX_CERTIFICATE_DAYS} 个工作日，而不是 {}",
                        spec.time_limit_working_days
                    ));
                }
                let mut keys = std::collections::HashSet::new();
                for m in &spec.materials {
                    if m.key.trim().is_empty() || m.name.trim().is_empty() {
                        return problem("材料的代号和名称都不能为空");
                    }
                    if !keys.insert(m.key.as_str()) {
                        return Some(format!("材料代号“{}”重复", m.key));
                    }
                }
                if spec.template.trim().is_empty() {
                    return problem("没有证明式样");
                }
                if let Err(e) = crate::certificate::document::placeholders_checked(&spec.template) {
                    return Some(format!("证明式样有误：{e}"));
                }
                let exception = spec.exception_to.trim();
                if !exception.is_empty() {
                    if self
                        .item(exception)
                        .is_none_or(|n| n.kind != ItemKind::CertificateNegative)
                    {
                        return Some(format!(
                            "“例外于”应为不应出具证明清单中的事项编码，而“{exception}”不是"
                        ));
                    }
                    if spec.exception_purposes.is_empty() {
                        return problem("例外事项须写明限定的用途，例如 公证");
                    }
                }
                crate::certificate::matching::alias_problem(self, it)
            }
            ItemKind::CertificateNegative => {
                let Some(neg) = &it.certificate_negative else {
                    return problem("缺少应由哪个单位出具和居民的办理途径");
                };
                if it.certificate.is_some() {
                    return problem("不应出具的证明不能同时带有保留证明事项的内容");
                }
                if neg.issued_by_instead.trim().is_empty() {
                    return problem("没有写明应由哪个单位出具");
                }
                if neg.resident_path.trim().is_empty() {
                    return problem("没有写明居民的办理途径");
                }
                if it.terms.is_empty() {
                    return problem("没有用于识别自由填写名称的甄别词");
                }
                crate::certificate::matching::alias_problem(self, it)
            }
            _ if it.certificate.is_some() || it.certificate_negative.is_some() => {
                problem("只有证明事项才能带有证明的内容")
            }
            _ => None,
        }
    }

    pub fn item(&self, code: &str) -> Option<&CatalogItem> {
        self.items.iter().find(|i| i.code == code.trim())
    }

    /// The legal anchors of `role` (empty when the version names none).
    pub fn anchor(&self, role: &str) -> &[LegalBasis] {
        self.anchors
            .get(role)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Citations in words, joined: 《…》（…）第六条、《…》第二十八条.
    pub fn cite_all(&self, bases: &[LegalBasis]) -> String {
        bases
            .iter()
            .map(|b| self.cite(b))
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn law(&self, key: &str) -> Option<&Law> {
        self.laws.iter().find(|l| l.key == key)
    }

    pub fn items_of(&self, kind: ItemKind) -> impl Iterator<Item = &CatalogItem> {
        self.items.iter().filter(move |i| i.kind == kind)
    }

    /// A citation in words: 《中华人民共和国城市居民委员会组织法》（1989年通过、2018年修正）第三条.
    pub fn cite(&self, b: &LegalBasis) -> String {
        match self.law(&b.law) {
            Some(l) => format!("《{}》（{}）{}", l.name, l.version, b.article),
            None => format!("{} {}", b.law, b.article),
        }
    }

    /// Search by text and kind: every whitespace-separated word must appear in the code, name,
    /// notes, a citation or an alias, or for certificates in the content and purpose or a
    /// sub-item (a resident looks for 收入证明, which is a sub-item of 居民财产证明).
    pub fn search(&self, q: &str, kind: Option<ItemKind>) -> Vec<&CatalogItem> {
        let words: Vec<String> = q.split_whitespace().map(|w| w.to_lowercase()).collect();
        self.items
            .iter()
            .filter(|i| kind.is_none_or(|k| i.kind == k))
            .filter(|i| {
                let certificate = match (&i.certificate, &i.certificate_negative) {
                    (Some(c), _) => c.content_and_purpose.clone(),
                    (_, Some(n)) => n.sub_items.join(" "),
                    _ => String::new(),
                };
                let hay = format!(
                    "{} {} {} {} {} {}",
                    i.code,
                    i.name,
                    i.notes,
                    i.aliases.join(" "),
                    i.legal_basis
                        .iter()
                        .map(|b| self.cite(b))
                        .collect::<Vec<_>>()
                        .join(" "),
                    certificate
                )
                .to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .collect()
    }

    /// What changed from `old` to `self`, item by item (for the version diff view).
    pub fn diff(&self, old: &Catalog) -> Vec<ItemChange> {
        let old_items: BTreeMap<&str, &CatalogItem> =
            old.items.iter().map(|i| (i.code.as_str(), i)).collect();
        let new_items: BTreeMap<&str, &CatalogItem> =
            self.items.iter().map(|i| (i.code.as_str(), i)).collect();
        let mut out = Vec::new();
        for (code, new) in &new_items {
            match old_items.get(code) {
                None => out.push(ItemChange::Added((*new).clone())),
                Some(old) if old != new => out.push(ItemChange::Changed {
                    old: Box::new((*old).clone()),
                    new: Box::new((*new).clone()),
                }),
                _ => {}
            }
        }
        for (code, old) in &old_items {
            if !new_items.contains_key(code) {
                out.push(ItemChange::Removed((*old).clone()));
            }
        }
        out
    }
}

/// The longest time limit a certificate item may set. The 5 working days of the published
/// records are typical; a month of waiting for a stamp is not a service.
pub const MAX_CERTIFICATE_DAYS: u32 = 30;

/// 清单管理 (三(一)): items are managed as a list, and a request is judged against the list in
/// force on its date. This is the rule that picks that version.
pub const CITE_VERSION_IN_FORCE: crate::citation::Citation = crate::citation::Citation {
    document: crate::citation::DAXING_2016,
    clause: "三(一) 依照《社区依法履行职责主要事项》《社区依法协助政府工作主要事项》实行清单管理",
};

/// Whether `s` is a calendar date written `YYYY-MM-DD` (e.g. `2026-01-01`; not `2026-2-30`).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let Ok(month) = time::Month::try_from(m as u8) else {
        return false;
    };
    d >= 1 && (y as i32) >= 1 && d <= u32::from(time::util::days_in_month(month, y as i32))
}

impl VersionInfo {
    /// In force on `date` (YYYY-MM-DD): started on or before it and not ended before it.
    pub fn in_force_on(&self, date: &str) -> bool {
        self.effective_from.as_str() <= date
            && (self.effective_to.trim().is_empty() || self.effective_to.as_str() >= date)
    }
}

/// The version in force on `date` (YYYY-MM-DD): of the versions in force that day, the one that
/// took effect last; between two with the same start, the one published last (later in
/// `versions`, which is in publication order). `None` when no version covers the date.
/// Rule [`CITE_VERSION_IN_FORCE`].
pub fn version_in_force<'a, I>(versions: I, date: &str) -> Option<&'a VersionInfo>
where
    I: IntoIterator<Item = &'a VersionInfo>,
{
    let mut best: Option<&VersionInfo> = None;
    for v in versions {
        if v.in_force_on(date) && best.is_none_or(|b| v.effective_from >= b.effective_from) {
            best = Some(v);
        }
    }
    best
}

impl CatalogItem {
    /// The fields (in Chinese) that differ between two versions of an item, for the diff view.
    pub fn changed_fields(&self, new: &CatalogItem) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |differs: bool, label: &'static str| {
            if differs {
                out.push(label);
            }
        };
        check(self.code != new.code, "编码");
        check(self.kind != new.kind, "类别");
        check(self.name != new.name, "名称");
        check(self.legal_basis != new.legal_basis, "法律依据");
        check(self.sources != new.sources, "来源文件");
        check(
            self.responsible_department != new.responsible_department,
            "责任部门",
        );
        check(self.funding_required != new.funding_required, "须配经费");
        check(self.terms != new.terms, "甄别词");
        check(
            self.only_as_responsible != new.only_as_responsible,
            "仅限责任主体",
        );
        check(self.notes != new.notes, "备注");
        check(self.certificate != new.certificate, "证明事项内容");
        check(
            self.certificate_negative != new.certificate_negative,
            "替代办理途径",
        );
        out
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    fn v(id: &str, from: &str, to: &str) -> VersionInfo {
        VersionInfo {
            id: id.into(),
            title: String::new(),
            document: String::new(),
            effective_from: from.into(),
            effective_to: to.into(),
            notice: String::new(),
        }
    }

    #[test]
    fn dates_are_checked_as_calendar_dates() {
        assert!(is_iso_date("2026-01-01"));
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2026-02-29"));
        assert!(!is_iso_date("2026-13-01"));
        assert!(!is_iso_date("2026-1-01"));
        assert!(!is_iso_date("2026-01-00"));
        assert!(!is_iso_date("２０２６-01-01"));
        assert!(!is_iso_date(""));
    }

    #[test]
    fn the_latest_started_version_in_force_wins() {
        let vs = [
            v("a", "2026-01-01", ""),
            v("b", "2027-01-01", ""),
            v("c", "2026-06-01", "2026-06-30"),
        ];
        let at = |d: &str| version_in_force(&vs, d).map(|v| v.id.as_str());
        assert_eq!(at("2025-12-31"), None);
        assert_eq!(at("2026-01-01"), Some("a"));
        assert_eq!(at("2026-06-15"), Some("c"));
        assert_eq!(at("2026-06-30"), Some("c"));
        // c has ended: back to a, which never did.
        assert_eq!(at("2026-07-01"), Some("a"));
        assert_eq!(at("2027-01-01"), Some("b"));
    }

    #[test]
    fn same_start_the_later_publication_wins() {
        let vs = [v("first", "2026-01-01", ""), v("second", "2026-01-01", "")];
        assert_eq!(
            version_in_force(&vs, "2026-03-01").map(|v| v.id.as_str()),
            Some("second")
        );
    }

    #[test]
    fn changed_fields_name_what_differs() {
        let c = Catalog::from_toml(crate::gate::shipped::SHIPPED_CATALOG_TOML)
            .expect("shipped catalog");
        let old = c.item("A01").expect("A01").clone();
        let mut new = old.clone();
        assert!(old.changed_fields(&new).is_empty());
        new.funding_required = !new.funding_required;
        new.notes.push('x');
        assert_eq!(old.changed_fields(&new), vec!["须配经费", "备注"]);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemChange {
    Added(CatalogItem),
    Removed(CatalogItem),
    /// Boxed: the enum would otherwise be two items wide.
    Changed {
        old: Box<CatalogItem>,
        new: Box<CatalogItem>,
    },
}

fn toml_parse(text: &str) -> Result<Catalog, CatalogError> {
    toml::from_str(text).map_err(|e| CatalogError::Format(e.to_string()))
}

#[cfg(test)]
mod certificate_check_tests {
    use super::*;

    fn shipped() -> Catalog {
        Catalog::from_toml(crate::gate::shipped::SHIPPED_CATALOG_TOML).expect("shipped catalog")
    }

    fn broken(change: impl FnOnce(&mut Catalog)) -> String {
        let mut c = shipped();
        change(&mut c);
        match c.check() {
            Err(CatalogError::Certificate { item, problem }) => format!("{item}: {problem}"),
            other => panic!("expected a certificate problem, got {other:?}"),
        }
    }

    fn spec<'a>(c: &'a mut Catalog, code: &str) -> &'a mut CertificateSpec {
        c.items
            .iter_mut()
            .find(|i| i.code == code)
            .and_then(|i| i.certificate.as_deref_mut())
            .expect(code)
    }

    fn negative<'a>(c: &'a mut Catalog, code: &str) -> &'a mut CatalogItem {
        c.items.iter_mut().find(|i| i.code == code).expect(code)
    }

    #[test]
    fn a_retained_certificate_needs_basis_unit_time_limit_and_template() {
        assert!(
            broken(|c| negative(c, "C04").certificate = None)
                .starts_with("C04: 缺少证明事项的内容")
        );
        assert!(broken(|c| negative(c, "C04").legal_basis.clear()).contains("没有法律政策依据"));
        assert!(broken(|c| spec(c, "C04").requesting_units.clear()).contains("要求开具单位"));
        for days in [0, MAX_CERTIFICATE_DAYS + 1] {
            let p = broken(|c| spec(c, "C04").time_limit_working_days = days);
            assert!(p.contains("办理时限应为 1 至 30 个工作日"), "{p}");
        }
        let mut ok = shipped();
        spec(&mut ok, "C04").time_limit_working_days = MAX_CERTIFICATE_DAYS;
        assert!(ok.check().is_ok());
        assert!(broken(|c| spec(c, "C04").template = " ".into()).contains("没有证明式样"));
        assert!(
            broken(|c| spec(c, "C04").template = "兹证明{申请人".into()).contains("证明式样有误")
        );
        assert!(broken(|c| spec(c, "C04").content_and_purpose.clear()).contains("内容及用途"));
        let dup = broken(|c| {
            let s = spec(c, "C04");
            let first = s.materials[0].clone();
            s.materials.push(first);
        });
        assert!(dup.contains("材料代号“id_card”重复"), "{dup}");
    }

    #[test]
    fn an_exception_points_at_a_negative_item_and_names_its_purposes() {
        assert!(broken(|c| spec(c, "C05").exception_to = "C04".into()).contains("“C04”不是"));
        assert!(broken(|c| spec(c, "C05").exception_to = "NOPE".into()).contains("“NOPE”不是"));
        assert!(broken(|c| spec(c, "C05").exception_purposes.clear()).contains("限定的用途"));
    }

    #[test]
    fn a_negative_certificate_needs_who_issues_the_path_and_terms() {
        assert!(
            broken(|c| negative(c, "CN05").certificate_negative = None)
                .contains("应由哪个单位出具和居民的办理途径")
        );
        let blank_unit = broken(|c| {
            if let Some(n) = negative(c, "CN05").certificate_negative.as_deref_mut() {
                n.issued_by_instead = " ".into();
            }
        });
        assert!(blank_unit.contains("应由哪个单位出具"));
        let blank_path = broken(|c| {
            if let Some(n) = negative(c, "CN05").certificate_negative.as_deref_mut() {
                n.resident_path.clear();
            }
        });
        assert!(blank_path.contains("办理途径"));
        assert!(broken(|c| negative(c, "CN05").terms.clear()).contains("甄别词"));
    }

    #[test]
    fn certificate_fields_only_on_certificate_items() {
        let p = broken(|c| {
            let spec = c.item("C04").and_then(|i| i.certificate.clone());
            negative(c, "D01").certificate = spec;
        });
        assert!(p.starts_with("D01: 只有证明事项"), "{p}");
    }

    #[test]
    fn old_versions_without_certificate_fields_still_parse() {
        // A version written before certificates existed: no certificate fields at all.
        let old = "[version]\nid = 'v0'\ntitle = 't'\ndocument = 'd'\neffective_from = '2026-01-01'\n\
                   [[items]]\ncode = 'D01'\nkind = 'duty'\nname = '调解民间纠纷'\n";
        let c = Catalog::from_toml(old).expect("old version parses");
        assert!(c.items[0].certificate.is_none() && c.items[0].certificate_negative.is_none());
        // Work items are written without the new keys.
        let text = toml::to_string(&c).unwrap();
        assert!(!text.contains("certificate"), "{text}");
        // A certificate item round-trips whole.
        let shipped = shipped();
        let again: Catalog = toml::from_str(&toml::to_string(&shipped).unwrap()).unwrap();
        assert_eq!(again, shipped);
    }

    #[test]
    fn search_finds_a_certificate_by_sub_item_or_purpose() {
        let c = shipped();
        let codes = |q: &str| {
            c.search(q, None)
                .iter()
                .map(|i| i.code.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes("收入证明"), ["CN17"]);
        // Aliases are searched too: Beijing's old C02 is now a name of CN01.
        assert_eq!(codes("与死亡人员关系"), ["CN01"]);
        assert!(codes("监护关系").contains(&"C04".to_string()));
        assert_eq!(c.search("", Some(ItemKind::CertificateNegative)).len(), 20);
    }

    #[test]
    fn a_retained_certificate_rests_on_an_article_of_law_regulation_or_rule() {
        // C05 cites 公证法 第十一条 (a law) next to the 20号文 exception: it stands.
        assert!(shipped().check().is_ok());
        // The same item with only the normative document and a news report: refused.
        let p = broken(|c| {
            let it = negative(c, "C05");
            it.legal_basis.retain(|b| b.law == "mzb-2020-20");
            it.legal_basis.push(LegalBasis {
                law: "bj-cert-2019".into(),
                article: "保留证明事项第2项".into(),
            });
        });
        assert!(p.contains("法律、法规或规章的具体条款"), "{p}");
        // A law without an article ("第…条") is not enough either.
        let p = broken(|c| {
            negative(c, "C04").legal_basis = vec![LegalBasis {
                law: "civil-code".into(),
                article: "总则编".into(),
            }];
        });
        assert!(p.starts_with("C04: 法律政策依据中没有"), "{p}");
        // A law whose level is not stated does not count as legislation.
        let p = broken(|c| {
            if let Some(l) = c.laws.iter_mut().find(|l| l.key == "civil-code") {
                l.level = None;
            }
        });
        assert!(p.starts_with("C04: 法律政策依据中没有"), "{p}");
        // Every law of the certificate lists states its level.
        let c = shipped();
        for key in [
            "bj-cert-2019",
            "notary",
            "notary-gift",
            "mzb-2020-20",
            "bdc-rules",
            "civil-code",
            "bj-coop",
            "saic-2013-199",
        ] {
            assert!(c.law(key).and_then(|l| l.level).is_some(), "{key}");
        }
        assert_eq!(
            c.law("bj-cert-2019").and_then(|l| l.level),
            Some(LawLevel::Other)
        );
    }

    #[test]
    fn aliases_are_sourced_and_unambiguous() {
        let p = broken(|c| negative(c, "CN08").aliases_source.clear());
        assert!(p.starts_with("CN08: 写了别称，但没有写明别称的来源"), "{p}");
        let p = broken(|c| negative(c, "CN08").aliases.push("（证明）".into()));
        assert!(p.contains("为空"), "{p}");
        // 收入证明 is CN17's; giving it to CN15 as well makes the two indistinguishable.
        let p = broken(|c| negative(c, "CN15").aliases.push("收入 证明".into()));
        assert!(p.contains("CN17") && p.contains("无法区分"), "{p}");
    }
}
