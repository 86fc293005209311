//! Screening an application before anyone works on it (三(四)). A community stamps only what a
//! law requires, what lies within its duty and what it can truthfully know; the certificate must be
//! on the list; a unit that asks must cite its clause; the applicant brings ID card, household
//! register and evidence, states reason and purpose and pledges the truth. What fails is not just
//! refused: every [`Refusal`] says why, on what rule, and where to go instead.
//!
//! The checks run in the order that gives the most useful explanation first: what the certificate
//! is (not on the list, on the negative list), then whether this unit may ask and this community
//! can know, then what the applicant still has to add.

use super::matching::{self, Found, MAX_REQUESTED_NAME_CHARS};
use crate::Citation;
use crate::citation::DAXING_2016;
use crate::gate::citation::LegalCitation;
use crate::gate::screening::Screened;
use crate::gate::{Catalog, CatalogItem, ItemKind};

/// The national negative list's document.
pub const MINFA_2020_20: &str =
    "民政部等六部门《关于改进和规范基层群众性自治组织出具证明工作的指导意见》(民发〔2020〕20号)";
/// Beijing's rule on certificates a unit may not demand.
pub const BEIJING_SIMPLIFY: &str = "《北京市简化优化公共服务流程方便基层群众办事创业工作方案》";

pub const CITE_ON_THE_LIST: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 对法律、法规和规章明确规定需社区提供证明，属于社区职责范围，且社区能够如实掌握情况的事项，可盖章证明，盖章范围参照北京市制定的《社区日常出具证明事项》",
};
pub const CITE_NEGATIVE_LIST: Citation = Citation {
    document: MINFA_2020_20,
    clause: "附件《不应由基层群众性自治组织出具证明事项清单（第一批）》；凡是没有法律法规依据或未经国务院批准列入保留证明事项清单的证明事项，基层群众性自治组织不予出具",
};
pub const CITE_UNIT_OWN_MATTER: Citation = Citation {
    document: BEIJING_SIMPLIFY,
    clause: "属于行政机关、企事业单位内部管理或应由其自行调查核实的事项，不得要求申请人提供证明（要旨）；另见大兴区实施意见三(四)：各部门、企事业单位、社会组织等职责范围内的证明事项，不得要求社区出具证明",
};
pub const CITE_UNIT_CITES_ARTICLE: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 各部门、企事业单位、社会组织等依法依规要求社区为居民出具证明的事项，须提供所依据的法律、法规、规章等的具体条款内容",
};
pub const CITE_TRULY_KNOWN: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 社区能够如实掌握情况的事项，可盖章证明（保留证明事项的受理条件：户籍或原户籍须在本社区，否则不予受理）",
};
pub const CITE_APPLICANT: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 居民应当提供本人身份证、户口本及证明事项的有关佐证材料，并说明出具证明的原因、用途，承诺有关证明信息属实",
};

/// What an applicant (or the worker at the window, on their behalf) submits.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplicationInput<'a> {
    /// Chosen from the list; `None` when the resident typed a name.
    pub item_code: Option<&'a str>,
    /// The name as typed, used when no item was chosen (screened against the lists' words).
    pub requested_name: &'a str,
    pub reason: &'a str,
    pub purpose: &'a str,
    /// The unit asking for the certificate. Empty only together with `self_use`.
    pub asking_unit: &'a str,
    /// The clause the unit relies on, e.g. 《不动产登记暂行条例实施细则》第十四条.
    pub asking_article: &'a str,
    pub pledge_confirmed: bool,
    /// No unit asks: the resident says they need it for themselves ([`SELF_USE`], 居民自用),
    /// recorded as such. A blank unit without this is refused (`asking_unit_missing`).
    pub self_use: bool,
    /// Org code of the community the applicant declares as 户籍（或原户籍）所在社区.
    pub household_community: &'a str,
    /// Org code of the community applied to.
    pub issuing_community: &'a str,
    /// Keys of the materials provided (`id_card`, `hukou`, `evidence`…).
    pub materials: &'a [&'a str],
}

/// Why an application is not taken up, and where to go instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable machine code, e.g. `certificate_on_negative_list`.
    pub code: &'static str,
    /// The explanation, in patient plain Chinese.
    pub message: String,
    /// What to do instead (never empty: no refusal is a dead end).
    pub go_to: String,
    pub citation: Citation,
    /// The form field it concerns (`item`, `asking_unit`, `asking_article`,
    /// `household_community`, `reason`, `purpose`, `materials`, `pledge`), for the form to mark.
    pub field: &'static str,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.message, self.go_to)
    }
}

/// What is recorded as the asking unit when no unit asks and the resident needs the certificate
/// for themselves.
pub const SELF_USE: &str = "居民自用";

/// Every stable refusal code, in the order the checks run.
pub const REFUSAL_CODES: [&str; 15] = [
    "certificate_not_chosen",
    "certificate_name_too_long",
    "certificate_not_on_list",
    "certificate_other_body",
    "certificate_on_negative_list",
    "asking_unit_missing",
    "asking_unit_conflict",
    "unit_own_matter",
    "unit_cites_no_article",
    "outside_community",
    "reason_missing",
    "purpose_missing",
    "materials_missing",
    "pledge_not_confirmed",
    // Not a refusal of screening but of the document (document.rs), listed so codes stay unique.
    "blank_document",
];

/// The first (most useful) refusal, or the retained certificate item to work on.
pub fn screen<'c>(
    input: &ApplicationInput,
    catalog: &'c Catalog,
) -> Result<&'c CatalogItem, Refusal> {
    screen_all(input, catalog).map_err(|mut all| all.swap_remove(0))
}

/// Like [`screen`], but every refusal at once (in the same order), so a form can mark all that
/// is missing in one go. The error list is never empty.
pub fn screen_all<'c>(
    input: &ApplicationInput,
    catalog: &'c Catalog,
) -> Result<&'c CatalogItem, Vec<Refusal>> {
    let item = identify(input, catalog).map_err(|r| vec![r])?;
    let Some(spec) = &item.certificate else {
        // A checked catalog gives every certificate item its spec.
        return Err(vec![not_on_list(catalog, &item.name)]);
    };
    let mut out = Vec::new();

    let unit = input.asking_unit.trim();
    let said_self_use = unit == SELF_USE;
    let unit = if said_self_use { "" } else { unit };
    if unit.is_empty() && !(input.self_use || said_self_use) {
        out.push(Refusal {
            code: "asking_unit_missing",
            message: format!(
                "请说明是哪个单位要求您开这份证明、依据哪条法律法规；如果没有单位要求，是您自己需要，请选择“{SELF_USE}”。"
            ),
            go_to: format!(
                "“{}”可以由以下单位要求开具：{}。请向要求您开证明的单位问明名称和所依据的条款后填写。",
                item.name,
                spec.requesting_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、")
            ),
            citation: CITE_UNIT_CITES_ARTICLE,
            field: "asking_unit",
        });
    } else if !unit.is_empty() && input.self_use {
        out.push(Refusal {
            code: "asking_unit_conflict",
            message: format!(
                "您既填写了要求开具的单位“{unit}”，又选择了“{SELF_USE}”。两者只能选一个。"
            ),
            go_to: format!(
                "有单位要求的，请取消“{SELF_USE}”并写明单位依据的条款；确实是自己用的，请清空单位名称。"
            ),
            citation: CITE_UNIT_CITES_ARTICLE,
            field: "asking_unit",
        });
    } else if !unit.is_empty() {
        match spec.requesting_unit(unit) {
            None => out.push(Refusal {
                code: "unit_own_matter",
                message: format!(
                    "“{unit}”不在“{}”的要求开具单位之列（可以要求开具的是：{}）。属于该单位职责范围内、应由其自行调查核实的事项，不能要求社区出具证明。",
                    item.name,
                    spec.requesting_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、")
                ),
                go_to: format!(
                    "请向“{unit}”说明：这件事请该单位依职责自行核实，或通过部门间信息共享查询。{}",
                    also_from(&spec.also_issued_by)
                ),
                citation: CITE_UNIT_OWN_MATTER,
                field: "asking_unit",
            }),
            Some(listed) => {
                if let Err(e) = LegalCitation::parse(input.asking_article) {
                    let what = if input.asking_article.trim().is_empty() {
                        "没有填写所依据的具体条款".to_string()
                    } else {
                        e.to_string()
                    };
                    out.push(Refusal {
                        code: "unit_cites_no_article",
                        message: format!(
                            "单位要求社区为居民出具证明，须提供所依据的法律、法规或规章的具体条款。{what}。"
                        ),
                        go_to: format!(
                            "请向“{unit}”（{}）问明所依据的法律名称和第几条，例如：《不动产登记暂行条例实施细则》第十四条，填写后再提交。",
                            listed.name
                        ),
                        citation: CITE_UNIT_CITES_ARTICLE,
                        field: "asking_article",
                    });
                }
            }
        }
    }

    if spec.requires_household {
        let home = input.household_community.trim();
        if home.is_empty() || home != input.issuing_community.trim() {
            out.push(Refusal {
                code: "outside_community",
                message: if home.is_empty() {
                    format!(
                        "“{}”只能由申请人户籍（或原户籍）所在的社区出具，请先选择您的户籍所在社区。",
                        item.name
                    )
                } else {
                    format!(
                        "“{}”只能由申请人户籍（或原户籍）所在的社区出具：社区只能证明自己如实掌握的情况。您填写的户籍所在社区不是本社区，本社区不能受理。",
                        item.name
                    )
                },
                go_to: "请到户籍（或原户籍）所在社区申请；也可以在本系统中选择户籍所在社区在线申请。"
                    .into(),
                citation: CITE_TRULY_KNOWN,
                field: "household_community",
            });
        }
    }

    if input.reason.trim().is_empty() {
        out.push(Refusal {
            code: "reason_missing",
            message: "请说明申请这份证明的原因，例如：母亲去世，需要办理房屋继承。".into(),
            go_to: "在“申请原因”一栏写明原因后再提交。".into(),
            citation: CITE_APPLICANT,
            field: "reason",
        });
    }
    if input.purpose.trim().is_empty() {
        out.push(Refusal {
            code: "purpose_missing",
            message: format!(
                "请说明证明的用途，也就是交给哪个单位、办什么事。“{}”的用途是：{}",
                item.name, spec.content_and_purpose
            ),
            go_to: "在“用途”一栏写明后再提交。".into(),
            citation: CITE_APPLICANT,
            field: "purpose",
        });
    }

    let provided = |key: &str| input.materials.iter().any(|m| m.trim() == key);
    let missing: Vec<&str> = spec
        .required_materials()
        .filter(|m| !provided(&m.key))
        .map(|m| m.name.as_str())
        .collect();
    if !missing.is_empty() {
        out.push(Refusal {
            code: "materials_missing",
            message: format!("还缺少以下材料：{}。", missing.join("、")),
            go_to: "请上传或带齐上述材料后再提交；已填写的内容会保留。".into(),
            citation: CITE_APPLICANT,
            field: "materials",
        });
    }

    if !input.pledge_confirmed {
        out.push(Refusal {
            code: "pledge_not_confirmed",
            message: "请阅读并确认承诺：所提供的情况和材料真实、准确，如有不实愿承担相应责任。"
                .into(),
            go_to: "勾选“本人承诺所填信息属实”后再提交。".into(),
            citation: CITE_APPLICANT,
            field: "pledge",
        });
    }

    if out.is_empty() { Ok(item) } else { Err(out) }
}

fn also_from(also: &str) -> String {
    if also.trim().is_empty() {
        String::new()
    } else {
        format!("这类情况也可以由{also}出具。")
    }
}

/// Which retained certificate is asked for, or why none can be.
fn identify<'c>(
    input: &ApplicationInput,
    catalog: &'c Catalog,
) -> Result<&'c CatalogItem, Refusal> {
    let found = match input.item_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match catalog.item(code) {
            Some(it)
                if matches!(
                    it.kind,
                    ItemKind::Certificate | ItemKind::CertificateNegative
                ) =>
            {
                it
            }
            Some(it) => {
                return Err(not_on_list(
                    catalog,
                    &format!("{}（{}）", it.name, it.kind.label_zh()),
                ));
            }
            None => return Err(not_on_list(catalog, &format!("编码 {code}"))),
        },
        None => by_name(input.requested_name, catalog)?,
    };
    match found.kind {
        ItemKind::CertificateNegative => match exception_for(found, input.purpose, catalog) {
            Some(exception) => Ok(exception),
            None => Err(on_negative_list(found, catalog)),
        },
        _ => {
            let exception_to = found
                .certificate
                .as_ref()
                .map(|s| s.exception_to.trim())
                .unwrap_or_default();
            // An exception holds only for its purposes; a blank purpose is asked for later.
            if exception_to.is_empty() || input.purpose.trim().is_empty() {
                return Ok(found);
            }
            match catalog.item(exception_to) {
                Some(negative) if exception_for(negative, input.purpose, catalog).is_none() => {
                    let mut r = on_negative_list(negative, catalog);
                    r.message =
                        format!("“{}”只能用于{}。{}", found.name, purposes(found), r.message);
                    r.field = "purpose";
                    Err(r)
                }
                _ => Ok(found),
            }
        }
    }
}

/// A typed name, matched by meaning ([`matching::find`]): the most specific item of the lists,
/// the negative list winning over an equally loose retained match; a matter of another body is
/// sent there; an empty (or punctuation-only) or overlong name is refused before any matching.
fn by_name<'c>(typed: &str, catalog: &'c Catalog) -> Result<&'c CatalogItem, Refusal> {
    let length = typed.trim().chars().count();
    if length > MAX_REQUESTED_NAME_CHARS {
        return Err(Refusal {
            code: "certificate_name_too_long",
            message: format!(
                "证明名称最多 {MAX_REQUESTED_NAME_CHARS} 个字，您填写了 {length} 个字。请只写证明的名称，例如“收入证明”“无犯罪记录证明”；原因和用途另有栏目填写。"
            ),
            go_to: format!(
                "删减后再提交，已填写的其他内容会保留。本社区可以出具的证明有：{}。",
                retained_names(catalog)
            ),
            citation: CITE_ON_THE_LIST,
            field: "item",
        });
    }
    if matching::normalise(typed).is_empty() {
        return Err(Refusal {
            code: "certificate_not_chosen",
            message: "请选择要办理的证明，或写明证明的名称。".into(),
            go_to: format!("本社区可以出具的证明有：{}。", retained_names(catalog)),
            citation: CITE_ON_THE_LIST,
            field: "item",
        });
    }
    match matching::find(typed, catalog) {
        Found::Item(item, _) => Ok(item),
        Found::OtherBody(body) => Err(Refusal {
            code: "certificate_other_body",
            message: format!(
                "很抱歉，“{}”不在社区出具证明事项清单上。这是{}掌握的情况，社区无从如实掌握，不能盖章证明。",
                typed.trim(),
                body.name
            ),
            go_to: format!("请找{}：{}", body.name, body.how),
            citation: CITE_UNIT_OWN_MATTER,
            field: "item",
        }),
        Found::Nothing => Err(not_on_list(catalog, typed.trim())),
    }
}

/// The retained item that is an exception to `negative` for the stated purpose, if any.
fn exception_for<'c>(
    negative: &CatalogItem,
    purpose: &str,
    catalog: &'c Catalog,
) -> Option<&'c CatalogItem> {
    let purpose = Screened::new(purpose);
    catalog.items_of(ItemKind::Certificate).find(|i| {
        i.certificate.as_ref().is_some_and(|s| {
            s.exception_to.trim() == negative.code
                && purpose.find_term(&s.exception_purposes).is_some()
        })
    })
}

fn purposes(item: &CatalogItem) -> String {
    item.certificate
        .as_ref()
        .map(|s| s.exception_purposes.join("、"))
        .unwrap_or_default()
}

fn retained_names(catalog: &Catalog) -> String {
    catalog
        .items_of(ItemKind::Certificate)
        .map(|i| format!("“{}”", i.name))
        .collect::<Vec<_>>()
        .join("")
}

fn not_on_list(catalog: &Catalog, what: &str) -> Refusal {
    Refusal {
        code: "certificate_not_on_list",
        message: format!(
            "很抱歉，“{what}”不在社区出具证明事项清单上。没有法律法规依据、未列入清单的证明，社区不能盖章出具。"
        ),
        go_to: format!(
            "请向要求您提供证明的单位说明这一规定：这类情况应由该单位通过信息共享或自行调查核实。也可以查看“不应由社区出具的证明”清单，看看应当到哪里办理。本社区可以出具的证明有：{}。",
            retained_names(catalog)
        ),
        citation: CITE_ON_THE_LIST,
        field: "item",
    }
}

fn on_negative_list(neg: &CatalogItem, catalog: &Catalog) -> Refusal {
    let (instead, path, subs) = match &neg.certificate_negative {
        Some(n) => (
            n.issued_by_instead.as_str(),
            n.resident_path.as_str(),
            n.sub_items.join("、"),
        ),
        None => (
            "相关主管部门",
            "请向要求您提供证明的单位问明应由哪个部门出具。",
            String::new(),
        ),
    };
    let subs = if subs.is_empty() {
        String::new()
    } else {
        format!("（包括{subs}）")
    };
    let exception = catalog
        .items_of(ItemKind::Certificate)
        .find(|i| {
            i.certificate
                .as_ref()
                .is_some_and(|s| s.exception_to.trim() == neg.code)
        })
        .map(|e| format!("如果是用于{}，可以申请“{}”。", purposes(e), e.name))
        .unwrap_or_default();
    // The national list's items cite 民发〔2020〕20号 as their source; an item a district adds
    // because no law names the community (none is shipped) cites something else and is
    // explained as having no legal basis.
    let national = neg.sources.is_empty()
        || neg
            .sources
            .iter()
            .any(|s| s.number.contains("民发〔2020〕20号"));
    Refusal {
        code: "certificate_on_negative_list",
        message: if national {
            format!(
                "“{}”{subs}列在国家《不应由基层群众性自治组织出具证明事项清单》上，社区不能出具。这项证明由{instead}负责。",
                neg.name
            )
        } else {
            format!(
                "“{}”{subs}没有法律、法规或规章规定由社区出具，已不在社区出具证明事项清单上，社区不能出具。{instead}。",
                neg.name
            )
        },
        go_to: format!("{path}{exception}"),
        citation: if national {
            CITE_NEGATIVE_LIST
        } else {
            CITE_ON_THE_LIST
        },
        field: "item",
    }
}

/// At the review, before anyone writes facts into the certificate: for an item that needs the
/// household register here, the worker must say they checked it (the register itself, not the
/// applicant's word). Rule [`CITE_TRULY_KNOWN`]: the community stamps only what it truly knows.
pub fn household_verified(item: &CatalogItem, checked: bool) -> Result<(), Refusal> {
    let required = item
        .certificate
        .as_ref()
        .is_some_and(|s| s.requires_household);
    if !required || checked {
        return Ok(());
    }
    Err(Refusal {
        code: "household_not_checked",
        message: "这项证明要求户籍（或原户籍）在本社区，社区只能证明自己如实掌握的情况。".into(),
        go_to: "请核对申请人的户口本原件，确认后勾选“已核实户籍在本社区”；不在本社区的，应不予出具并告知到户籍所在社区办理。".into(),
        citation: CITE_TRULY_KNOWN,
        field: "household_checked",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_household_register_must_be_checked_where_the_item_requires_it() {
        let catalog = Catalog::from_toml(SHIPPED_FOR_HOUSEHOLD).unwrap();
        let here = catalog.item("C05").unwrap();
        assert!(here.certificate.as_ref().unwrap().requires_household);
        let r = household_verified(here, false).unwrap_err();
        assert_eq!(r.code, "household_not_checked");
        assert_eq!(r.citation, CITE_TRULY_KNOWN);
        assert!(!r.go_to.is_empty());
        assert_eq!(household_verified(here, true), Ok(()));
        let mut anywhere = here.clone();
        if let Some(spec) = anywhere.certificate.as_mut() {
            spec.requires_household = false;
        }
        assert_eq!(household_verified(&anywhere, false), Ok(()));
    }

    const SHIPPED_FOR_HOUSEHOLD: &str = crate::gate::shipped::SHIPPED_CATALOG_TOML;
    use crate::gate::catalog::{
        CertificateSpec, Law, LawLevel, LegalBasis, Material, NegativeCertificateSpec,
        RequestingUnit, VersionInfo,
    };

    fn item(code: &str, kind: ItemKind, name: &str) -> CatalogItem {
        CatalogItem {
            code: code.into(),
            kind,
            name: name.into(),
            legal_basis: vec![],
            sources: vec![],
            responsible_department: String::new(),
            funding_required: false,
            terms: vec![],
            only_as_responsible: false,
            notes: String::new(),
            aliases: vec![],
            aliases_source: String::new(),
            certificate: None,
            certificate_negative: None,
        }
    }

    /// A small catalog: one retained item, one negative with an exception item.
    fn catalog() -> Catalog {
        let basis = vec![LegalBasis {
            law: "x".into(),
            article: "第一条".into(),
        }];
        let spec =
            |exception_to: &str, purposes: &[&str], unit: &str, term: &str| CertificateSpec {
                content_and_purpose: "证明关系，用于办事".into(),
                issuing_level: "社区居民委员会".into(),
                also_issued_by: "户籍地公安派出所".into(),
                requesting_units: vec![RequestingUnit {
                    name: unit.into(),
                    terms: vec![term.into()],
                }],
                conditions: String::new(),
                requires_household: true,
                materials: vec![
                    Material {
                        key: "id_card".into(),
                        name: "身份证".into(),
                        required: true,
                    },
                    Material {
                        key: "hukou".into(),
                        name: "户口本".into(),
                        required: true,
                    },
                    Material {
                        key: "photo".into(),
                        name: "照片".into(),
                        required: false,
                    },
                ],
                time_limit_working_days: 5,
                template: "兹证明{申请人}。".into(),
                exception_to: exception_to.into(),
                exception_purposes: purposes.iter().map(|s| s.to_string()).collect(),
            };
        let mut r = item("R1", ItemKind::Certificate, "监护关系证明");
        r.legal_basis = basis.clone();
        r.terms = vec!["监护关系".into()];
        r.certificate = Some(Box::new(spec("", &[], "不动产登记机构", "不动产登记")));
        let mut e = item("R2", ItemKind::Certificate, "亲属关系证明（仅限公证）");
        e.legal_basis = basis;
        e.certificate = Some(Box::new(spec("NG1", &["公证"], "公证机构", "公证")));
        let mut n = item("NG1", ItemKind::CertificateNegative, "亲属关系证明");
        n.terms = vec!["亲属关系".into()];
        n.certificate_negative = Some(Box::new(NegativeCertificateSpec {
            sub_items: vec![],
            issued_by_instead: "公安机关".into(),
            resident_path: "用户口簿证明。".into(),
        }));
        let mut n2 = item("NG2", ItemKind::CertificateNegative, "居民财产证明");
        n2.terms = vec!["财产证明".into()];
        n2.certificate_negative = Some(Box::new(NegativeCertificateSpec {
            sub_items: vec!["收入证明".into()],
            issued_by_instead: "工作单位".into(),
            resident_path: "向工作单位申请。".into(),
        }));
        let c = Catalog {
            version: VersionInfo {
                id: "t".into(),
                title: String::new(),
                document: String::new(),
                effective_from: "2026-01-01".into(),
                effective_to: String::new(),
                notice: String::new(),
            },
            anchors: Default::default(),
            laws: vec![Law {
                key: "x".into(),
                name: "某法".into(),
                version: String::new(),
                effective_from: String::new(),
                effective_to: String::new(),
                level: Some(LawLevel::Law),
            }],
            items: vec![r, e, n, n2, item("D1", ItemKind::Duty, "调解纠纷")],
        };
        c.check().expect("test catalog is valid");
        c
    }

    const ALL: &[&str] = &["id_card", "hukou", "evidence"];

    fn complete(code: Option<&'static str>) -> ApplicationInput<'static> {
        ApplicationInput {
            item_code: code,
            requested_name: "",
            reason: "母亲去世",
            purpose: "办理房屋继承登记",
            asking_unit: "大兴区不动产登记中心",
            asking_article: "《不动产登记暂行条例实施细则》第十二条",
            pledge_confirmed: true,
            self_use: false,
            household_community: "110115001901",
            issuing_community: "110115001901",
            materials: ALL,
        }
    }

    fn code_of(input: &ApplicationInput, c: &Catalog) -> &'static str {
        screen(input, c).map(|_| "ok").unwrap_or_else(|r| r.code)
    }

    #[test]
    fn a_complete_application_passes() {
        let c = catalog();
        assert_eq!(screen(&complete(Some("R1")), &c).unwrap().code, "R1");
        // No unit asking, said so: no article needed; typed as 居民自用 all the same.
        let own = ApplicationInput {
            asking_unit: " ",
            asking_article: "",
            self_use: true,
            ..complete(Some("R1"))
        };
        assert_eq!(code_of(&own, &c), "ok");
        let typed = ApplicationInput {
            asking_unit: " 居民自用 ",
            asking_article: "",
            ..complete(Some("R1"))
        };
        assert_eq!(code_of(&typed, &c), "ok");
        // Optional materials may be left out.
        let fewer = ApplicationInput {
            materials: &["hukou", "id_card"],
            ..complete(Some("R1"))
        };
        assert_eq!(code_of(&fewer, &c), "ok");
    }

    #[test]
    fn each_requirement_removed_gives_its_code() {
        let c = catalog();
        let base = complete(Some("R1"));
        let cases: Vec<(ApplicationInput, &str)> = vec![
            (
                ApplicationInput {
                    item_code: Some("ZZ9"),
                    ..base
                },
                "certificate_not_on_list",
            ),
            (
                ApplicationInput {
                    item_code: Some("D1"),
                    ..base
                },
                "certificate_not_on_list",
            ),
            (
                ApplicationInput {
                    item_code: None,
                    requested_name: "  ",
                    ..base
                },
                "certificate_not_chosen",
            ),
            (
                ApplicationInput {
                    item_code: Some("NG1"),
                    ..base
                },
                "certificate_on_negative_list",
            ),
            (
                ApplicationInput {
                    asking_unit: "某某银行",
                    ..base
                },
                "unit_own_matter",
            ),
            (
                ApplicationInput {
                    asking_article: "",
                    ..base
                },
                "unit_cites_no_article",
            ),
            (
                ApplicationInput {
                    asking_article: "《不动产登记暂行条例实施细则》",
                    ..base
                },
                "unit_cites_no_article",
            ),
            (
                ApplicationInput {
                    household_community: "110115002901",
                    ..base
                },
                "outside_community",
            ),
            (
                ApplicationInput {
                    household_community: "",
                    ..base
                },
                "outside_community",
            ),
            (
                ApplicationInput {
                    reason: " ",
                    ..base
                },
                "reason_missing",
            ),
            (
                ApplicationInput {
                    purpose: "",
                    ..base
                },
                "purpose_missing",
            ),
            (
                ApplicationInput {
                    materials: &["id_card", "evidence"],
                    ..base
                },
                "materials_missing",
            ),
            (
                ApplicationInput {
                    pledge_confirmed: false,
                    ..base
                },
                "pledge_not_confirmed",
            ),
        ];
        for (input, want) in cases {
            let r = screen(&input, &c).expect_err(want);
            assert_eq!(r.code, want, "{}", r.message);
            assert!(REFUSAL_CODES.contains(&r.code));
            assert!(
                !r.message.is_empty() && !r.go_to.is_empty(),
                "{want}: a refusal says where to go"
            );
            assert!(!r.citation.clause.is_empty());
        }
    }

    #[test]
    fn missing_materials_are_named() {
        let c = catalog();
        let r = screen(
            &ApplicationInput {
                materials: &[],
                ..complete(Some("R1"))
            },
            &c,
        )
        .unwrap_err();
        assert!(r.message.contains("身份证、户口本"), "{}", r.message);
        assert!(!r.message.contains("照片"));
    }

    #[test]
    fn the_negative_list_is_explained_first_and_names_who_issues_instead() {
        let c = catalog();
        // Everything else is wrong too, yet the first explanation is the negative list.
        let bad = ApplicationInput {
            item_code: Some("NG1"),
            pledge_confirmed: false,
            reason: "",
            materials: &[],
            asking_unit: "某银行",
            ..complete(None)
        };
        let all = screen_all(&bad, &c).unwrap_err();
        assert_eq!(all.len(), 1);
        let r = &all[0];
        assert_eq!(r.code, "certificate_on_negative_list");
        assert!(r.message.contains("公安机关"));
        assert!(r.go_to.contains("用户口簿证明"));
        // The exception is pointed out.
        assert!(r.go_to.contains("亲属关系证明（仅限公证）"), "{}", r.go_to);
        assert_eq!(r.citation, CITE_NEGATIVE_LIST);
    }

    #[test]
    fn typed_names_are_screened_by_the_lists_words() {
        let c = catalog();
        let typed = |name: &'static str, purpose: &'static str| ApplicationInput {
            item_code: None,
            requested_name: name,
            purpose,
            asking_unit: "",
            self_use: true,
            ..complete(None)
        };
        // A sub-item of a negative certificate, spaced out.
        let r = screen(&typed("开 个 收入证明", "贷款"), &c).unwrap_err();
        assert_eq!(r.code, "certificate_on_negative_list");
        assert!(r.message.contains("工作单位") && r.message.contains("收入证明"));
        // The retained name, exactly.
        assert_eq!(
            screen(&typed("监护关系证明", "不动产登记"), &c)
                .unwrap()
                .code,
            "R1"
        );
        // A retained item's words.
        assert_eq!(
            screen(&typed("我要开监护关系的证明", "不动产登记"), &c)
                .unwrap()
                .code,
            "R1"
        );
        // Nothing on any list.
        let r = screen(&typed("良好品行证明", "求职"), &c).unwrap_err();
        assert_eq!(r.code, "certificate_not_on_list");
        assert!(r.message.contains("良好品行证明") && r.go_to.contains("监护关系证明"));
    }

    #[test]
    fn the_exception_is_reachable_only_for_its_purpose() {
        let c = catalog();
        let notary = ApplicationInput {
            purpose: "到公证处办理继承公证",
            asking_unit: "北京市长安公证处",
            asking_article: "《中华人民共和国公证法》第十一条",
            ..complete(Some("R2"))
        };
        assert_eq!(screen(&notary, &c).unwrap().code, "R2");
        // Typed as the negative item's name, or chosen as the negative item: the purpose leads
        // to the exception.
        let typed = ApplicationInput {
            item_code: None,
            requested_name: "亲属关系证明",
            ..notary
        };
        assert_eq!(screen(&typed, &c).unwrap().code, "R2");
        let chosen = ApplicationInput {
            item_code: Some("NG1"),
            ..notary
        };
        assert_eq!(screen(&chosen, &c).unwrap().code, "R2");
        // For anything else it is the negative item.
        let bank = ApplicationInput {
            purpose: "银行开户",
            asking_unit: "",
            self_use: true,
            ..complete(Some("R2"))
        };
        let r = screen(&bank, &c).unwrap_err();
        assert_eq!(r.code, "certificate_on_negative_list");
        assert!(
            r.message
                .starts_with("“亲属关系证明（仅限公证）”只能用于公证"),
            "{}",
            r.message
        );
        assert_eq!(r.field, "purpose");
        // With no purpose yet, the purpose is what is asked for.
        let blank = ApplicationInput {
            purpose: "",
            asking_unit: "",
            self_use: true,
            ..complete(Some("R2"))
        };
        assert_eq!(code_of(&blank, &c), "purpose_missing");
    }

    #[test]
    fn unit_checks_come_before_paperwork_and_own_matter_before_article() {
        let c = catalog();
        let input = ApplicationInput {
            asking_unit: "某银行",
            asking_article: "",
            reason: "",
            pledge_confirmed: false,
            ..complete(Some("R1"))
        };
        let codes: Vec<&str> = screen_all(&input, &c)
            .unwrap_err()
            .iter()
            .map(|r| r.code)
            .collect();
        assert_eq!(
            codes,
            ["unit_own_matter", "reason_missing", "pledge_not_confirmed"]
        );
        let r = screen(&input, &c).unwrap_err();
        assert!(
            r.message.contains("不动产登记机构"),
            "names who may ask: {}",
            r.message
        );
        assert!(
            r.go_to.contains("户籍地公安派出所"),
            "names who else issues: {}",
            r.go_to
        );
        assert_eq!(r.citation, CITE_UNIT_OWN_MATTER);
    }
}
