//! The certificate rules against the SHIPPED catalog: every negative certificate is explained
//! with the unit responsible instead, the exception is reachable for 公证, and every retained item
//! passes with a complete application and fails with each requirement removed.

use super::application::{ApplicationInput, screen, screen_all};
use super::document::{fill, placeholders};
use crate::gate::{Catalog, CatalogItem, ItemKind};
use std::collections::BTreeMap;

const SHIPPED: &str = crate::gate::shipped::SHIPPED_CATALOG_TOML;

fn catalog() -> Catalog {
    Catalog::from_toml(SHIPPED).expect("the shipped catalog is valid")
}

const HERE: &str = "110115001901";

/// A complete application for a retained item: its first requesting unit asks, citing an article,
/// every material is brought, the purpose fits an exception's purposes.
fn complete<'a>(it: &'a CatalogItem, materials: &'a [&'a str]) -> ApplicationInput<'a> {
    let spec = it.certificate.as_ref().expect("retained items have a spec");
    let unit = &spec.requesting_units[0];
    ApplicationInput {
        item_code: Some(&it.code),
        requested_name: "",
        reason: "家中老人去世，需要办理相关手续",
        purpose: if spec.exception_to.is_empty() {
            "按要求开具单位的规定办理"
        } else {
            "到公证处办理继承公证"
        },
        asking_unit: unit.terms.first().unwrap_or(&unit.name),
        asking_article: "《某某条例》第十四条",
        pledge_confirmed: true,
        self_use: false,
        household_community: HERE,
        issuing_community: HERE,
        materials,
    }
}

fn keys(it: &CatalogItem) -> Vec<&str> {
    it.certificate
        .as_ref()
        .unwrap()
        .materials
        .iter()
        .map(|m| m.key.as_str())
        .collect()
}

#[test]
fn the_shipped_lists_have_the_documented_items() {
    let c = catalog();
    let codes = |k| c.items_of(k).map(|i| i.code.as_str()).collect::<Vec<_>>();
    // Issue 8 §5: C02/C03 moved out (kinship certificates, now aliases of CN01); C01 stays on
    // Beijing's cooperative regulation, which names the residents' committee.
    assert_eq!(codes(ItemKind::Certificate), ["C01", "C04", "C05"]);
    let negative = codes(ItemKind::CertificateNegative);
    assert_eq!(negative.len(), 20);
    assert_eq!(negative[0], "CN01");
    assert_eq!(negative[19], "CN20");
    let cn01 = c.item("CN01").unwrap();
    for old in ["与死亡人员关系证明", "关系证明（继承不动产登记）"] {
        assert!(cn01.aliases.iter().any(|a| a == old), "{old}");
    }
    // Each retained item's template asks for something and cites a registered law.
    for it in c.items_of(ItemKind::Certificate) {
        let spec = it.certificate.as_ref().unwrap();
        assert!(!placeholders(&spec.template).is_empty(), "{}", it.code);
        assert!(!it.legal_basis.is_empty());
        assert!(
            spec.materials
                .iter()
                .any(|m| m.key == "id_card" && m.required)
        );
        assert!(
            spec.materials
                .iter()
                .any(|m| m.key == "hukou" && m.required)
        );
    }
    // The Anhui record, whole.
    let c05 = c.item("C05").unwrap();
    let spec = c05.certificate.as_ref().unwrap();
    assert_eq!(c05.name, "亲属关系证明（仅限公证）");
    assert_eq!(spec.exception_to, "CN01");
    assert_eq!(spec.time_limit_working_days, 5);
    assert!(spec.requires_household);
    let cites: Vec<String> = c05.legal_basis.iter().map(|b| c.cite(b)).collect();
    assert!(
        cites
            .iter()
            .any(|s| s.contains("公证法") && s.ends_with("第十一条")),
        "{cites:?}"
    );
    assert!(
        cites
            .iter()
            .any(|s| s.contains("遗赠扶养协议公证细则") && s.ends_with("第八条"))
    );
    // The 20号文 (a normative document, its date unverified) is a source, not a basis.
    assert!(cites.iter().all(|s| !s.contains("民发〔2020〕20号")));
    assert!(
        c05.sources
            .iter()
            .any(|s| s.number.contains("民发〔2020〕20号"))
    );
    // C01 rests on an article of a local regulation in force, the 证 being the alternative.
    let c01 = c.item("C01").unwrap();
    let cites: Vec<String> = c01.legal_basis.iter().map(|b| c.cite(b)).collect();
    assert_eq!(cites.len(), 1);
    assert!(
        cites[0].starts_with("《北京市实施〈中华人民共和国农民专业合作社法〉办法》")
            && cites[0].ends_with("第十条第二款"),
        "{cites:?}"
    );
    let law = c.law("bj-coop").unwrap();
    assert_eq!(
        law.level,
        Some(crate::gate::catalog::LawLevel::LocalRegulation)
    );
    assert_eq!(law.effective_from, "2010-03-01");
    let spec = c01.certificate.as_ref().unwrap();
    assert!(
        spec.conditions.contains("不需要本证明"),
        "{}",
        spec.conditions
    );
    assert!(spec.requires_household);
    // C04 cites the one 民法典 of the version (registered with the work items).
    assert_eq!(c.item("C04").unwrap().legal_basis[0].law, "civil-code");
}

#[test]
fn every_negative_certificate_is_refused_naming_who_issues_instead() {
    let c = catalog();
    let c01 = c.item("C04").unwrap();
    let materials = keys(c01);
    for neg in c.items_of(ItemKind::CertificateNegative) {
        let spec = neg.certificate_negative.as_ref().unwrap();
        // Chosen from the list, with everything else in order.
        let chosen = ApplicationInput {
            item_code: Some(&neg.code),
            purpose: "银行贷款",
            ..complete(c01, &materials)
        };
        let r = screen(&chosen, &c).expect_err(&neg.code);
        assert_eq!(r.code, "certificate_on_negative_list", "{}", neg.code);
        assert!(
            r.message.contains(&spec.issued_by_instead),
            "{}: {}",
            neg.code,
            r.message
        );
        assert!(r.go_to.starts_with(&spec.resident_path), "{}", neg.code);
        // Typed by its own name, it is found all the same.
        let typed = ApplicationInput {
            item_code: None,
            requested_name: &neg.name,
            ..chosen
        };
        let r = screen(&typed, &c).expect_err(&neg.name);
        assert_eq!(r.code, "certificate_on_negative_list", "{}", neg.name);
        assert!(r.message.contains(&neg.name), "{}: {}", neg.name, r.message);
        // And by each sub-item.
        for sub in &spec.sub_items {
            let typed = ApplicationInput {
                requested_name: sub,
                ..typed
            };
            let r = screen(&typed, &c).expect_err(sub);
            assert_eq!(r.code, "certificate_on_negative_list", "{sub}");
            assert!(r.message.contains(&neg.name), "{sub} → {}", r.message);
        }
    }
}

#[test]
fn the_exception_is_allowed_for_notarisation_only() {
    let c = catalog();
    let c05 = c.item("C05").unwrap();
    let m = keys(c05);
    let ok = complete(c05, &m);
    assert_eq!(screen(&ok, &c).map(|i| i.code.as_str()), Ok("C05"));
    // Typed as the negative item, for 公证: led to the exception.
    let typed = ApplicationInput {
        item_code: None,
        requested_name: "亲属关系证明",
        ..ok
    };
    assert_eq!(screen(&typed, &c).map(|i| i.code.as_str()), Ok("C05"));
    // For a bank: the negative item's path, with the police station named.
    let bank = ApplicationInput {
        purpose: "银行开户",
        asking_unit: "",
        self_use: true,
        ..typed
    };
    let r = screen(&bank, &c).unwrap_err();
    assert_eq!(r.code, "certificate_on_negative_list");
    assert!(
        r.go_to.contains("派出所") && r.go_to.contains("仅限公证"),
        "{}",
        r.go_to
    );
}

#[test]
fn every_retained_item_passes_complete_and_fails_with_each_requirement_removed() {
    let c = catalog();
    for it in c.items_of(ItemKind::Certificate) {
        let m = keys(it);
        let base = complete(it, &m);
        assert_eq!(
            screen(&base, &c).map(|i| i.code.as_str()),
            Ok(it.code.as_str()),
            "{}",
            it.code
        );
        let spec = it.certificate.as_ref().unwrap();
        let required: Vec<&str> = spec.required_materials().map(|m| m.key.as_str()).collect();
        let fewer: Vec<&str> = m.iter().copied().filter(|k| *k != required[0]).collect();
        let cases: Vec<(ApplicationInput, &str)> = vec![
            (
                ApplicationInput {
                    asking_unit: "某某商业银行",
                    ..base
                },
                "unit_own_matter",
            ),
            (
                ApplicationInput {
                    asking_article: "有关规定",
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
            (ApplicationInput { reason: "", ..base }, "reason_missing"),
            (
                ApplicationInput {
                    purpose: "",
                    ..base
                },
                "purpose_missing",
            ),
            (
                ApplicationInput {
                    materials: &fewer,
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
            if want == "outside_community" && !spec.requires_household {
                continue;
            }
            let all = screen_all(&input, &c).expect_err(want);
            assert_eq!(
                all.iter().map(|r| r.code).collect::<Vec<_>>(),
                [want],
                "{}: exactly one refusal",
                it.code
            );
        }
    }
}

#[test]
fn shipped_templates_fill_into_whole_documents() {
    let c = catalog();
    for it in c.items_of(ItemKind::Certificate) {
        let t = &it.certificate.as_ref().unwrap().template;
        let names = placeholders(t);
        let values: BTreeMap<String, String> = names
            .iter()
            .map(|n| (n.clone(), format!("〔{n}〕")))
            .collect();
        let text = fill(t, &values).expect(&it.code);
        assert!(!text.contains(['{', '}']));
        assert!(names.iter().all(|n| text.contains(&format!("〔{n}〕"))));
        // Leave one out: not stamped.
        let mut less = values.clone();
        less.remove(&names[0]);
        assert_eq!(fill(t, &less).unwrap_err().missing, [names[0].clone()]);
    }
}

// ---------------------------------------------------------------------------------------------
// Matching by meaning (议题 15 §2), measured over the shipped vocabulary.

use super::matching::{self, Found};

/// Which item (or other body, as `@key`) a typed name leads to.
fn found(typed: &str, c: &Catalog) -> String {
    match matching::find(typed, c) {
        Found::Item(i, _) => i.code.clone(),
        Found::OtherBody(b) => format!("@{}", b.key),
        Found::Nothing => "-".into(),
    }
}

/// Every name, alias, sub-item and term of every certificate item, typed as is and wrapped in the
/// words residents put around it, leads back to its own item: none is ambiguous or taken by
/// another item. The figures are in docs/certificates.md.
#[test]
fn every_shipped_name_and_alias_maps_to_its_own_item() {
    let c = catalog();
    let mut total = 0;
    let mut wrong = Vec::new();
    let items = c.items.iter().filter(|i| {
        matches!(
            i.kind,
            ItemKind::Certificate | ItemKind::CertificateNegative
        )
    });
    for it in items {
        for word in matching::vocabulary(it) {
            for typed in [
                word.to_string(),
                format!("我要开{word}"),
                format!("开个{word}的证明"),
            ] {
                total += 1;
                let got = found(&typed, &c);
                if got != it.code {
                    wrong.push(format!("{typed} → {got}（应为 {}）", it.code));
                }
            }
        }
    }
    println!("vocabulary forms: {total}, wrong: {}", wrong.len());
    assert!(total > 600, "{total}");
    assert!(
        wrong.is_empty(),
        "{} of {total}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// How residents ask, built from the 20号文 sub-items and everyday phrasings (written before the
/// aliases were tuned: 74 of 84 hit then; the two C01 phrasings added with C01's return, of
/// which "入社用的身份证明" first went to CN02's 身份证明 until C01 got that alias), with the item
/// each should reach; `@key` is another body's matter.
const PHRASINGS: &[(&str, &str)] = &[
    ("我要开一个亲属关系证明", "CN01"),
    ("证明我妈是我妈", "CN01"),
    ("證明我媽是我媽", "CN01"),
    ("能不能证明我爸是我爸", "CN01"),
    ("父子关系的证明", "CN01"),
    ("我和我奶奶的祖孙关系证明", "CN01"),
    ("我跟去世的父亲的关系证明", "CN01"),
    ("办继承不动产登记要的关系证明", "CN01"),
    ("户口证明", "CN02"),
    ("开个户籍证明", "CN02"),
    ("本人身份证明一份", "CN02"),
    ("证明两个名字是同一个人", "CN02"),
    ("更正出生日期的证明", "CN03"),
    ("户口本上名字写错了要改名证明", "CN03"),
    ("改民族的证明", "CN03"),
    ("养狗证明", "CN04"),
    ("办狗证要的证明", "CN04"),
    ("无犯罪记录证明", "CN05"),
    ("无犯罪證明", "CN05"),
    ("开个良民证", "CN05"),
    ("没有违法犯罪记录的证明", "CN05"),
    ("社区戒毒期间表现证明", "CN06"),
    ("戒毒人员情况证明", "CN06"),
    ("家里老人走失了开失踪证明", "CN07"),
    ("下落不明的证明", "CN07"),
    ("开个单身证明", "CN08"),
    ("單身證明", "CN08"),
    ("未婚证明", "CN08"),
    ("婚姻状况证明", "CN08"),
    ("离婚证明", "CN08"),
    ("夫妻分居的证明", "CN08"),
    ("出生证明", "CN09"),
    ("孩子的出生医学证明", "CN09"),
    ("出生地证明", "CN09"),
    ("生存证明", "CN10"),
    ("领养老金要的健在证明", "CN10"),
    ("证明我还活着", "CN10"),
    ("死亡证明", "CN11"),
    ("老人去世证明", "CN11"),
    ("身体状况证明", "CN12"),
    ("疾病证明", "CN12"),
    ("急诊证明", "CN12"),
    ("意外伤害的证明", "CN12"),
    ("残疾证明", "CN13"),
    ("伤残证明", "CN13"),
    ("婚育证明", "CN14"),
    ("生育状况证明", "CN14"),
    ("独生子女证明", "CN14"),
    ("失业证明", "CN15"),
    ("无业证明", "CN15"),
    ("没有工作的证明", "CN15"),
    ("就业情况证明", "CN15"),
    ("个人档案证明", "CN16"),
    ("人事档案存放证明", "CN16"),
    ("收入证明", "CN17"),
    ("没有收入的证明", "CN17"),
    ("家庭经济困难证明", "CN17"),
    ("贫困证明", "CN17"),
    ("名下无房证明", "CN17"),
    ("银行存款证明", "CN17"),
    ("车辆所有权证明", "CN17"),
    ("偿还能力证明", "CN17"),
    ("继承权证明", "CN18"),
    ("遗产继承的证明", "CN18"),
    ("经营场所证明", "CN19"),
    ("住改商证明", "CN19"),
    ("无扰民证明", "CN19"),
    ("身份证丢了开遗失证明", "CN20"),
    ("证件丢失证明", "CN20"),
    ("监护关系证明", "C04"),
    ("居委会指定监护人的证明", "C04"),
    ("公证用的亲属关系证明", "C05"),
    ("有土地承包经营权的身份证明", "C01"),
    ("入社用的身份证明", "C01"),
    ("土地承包經營權證明", "C01"),
    ("银行流水证明", "@bank"),
    ("在职证明", "@employer"),
    ("工作经历证明", "@employer"),
    ("暖气费缴费证明", "@utility"),
    ("水电费证明", "@utility"),
    ("医院诊断证明", "@hospital"),
    ("体检证明", "@hospital"),
    ("居住证明", "@police"),
    ("社保缴费证明", "@human_resources"),
    ("退休证明", "@human_resources"),
    ("残联要的证明", "@disabled_federation"),
];

#[test]
fn realistic_phrasings_reach_their_item() {
    let c = catalog();
    let misses: Vec<String> = PHRASINGS
        .iter()
        .filter_map(|(typed, want)| {
            let got = found(typed, &c);
            (got != *want).then(|| format!("{typed} → {got}（应为 {want}）"))
        })
        .collect();
    let hits = PHRASINGS.len() - misses.len();
    println!(
        "phrasings: {hits}/{} ({:.1}%)",
        PHRASINGS.len(),
        100.0 * hits as f64 / PHRASINGS.len() as f64
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(PHRASINGS.len() >= 60);
    // Measured 85/86 (98.8%); the miss is a relation spread over a sentence ("我跟去世的父亲的
    // 关系证明"), which word matching does not read. A change that loses more fails here.
    assert!(hits * 100 >= PHRASINGS.len() * 98, "{}", misses.join("\n"));
}

#[test]
fn bad_names_are_refused_clearly_and_other_bodies_named() {
    let c = catalog();
    let c04 = c.item("C04").unwrap();
    let m = keys(c04);
    let typed = |name: &'static str| ApplicationInput {
        item_code: None,
        requested_name: name,
        ..complete(c04, &m)
    };
    for blank in ["", "  ", "？？！……", "（）", "证明"] {
        let r = screen(&typed(blank), &c).unwrap_err();
        assert_eq!(r.code, "certificate_not_chosen", "{blank:?}");
        assert!(r.message.contains("请选择要办理的证明"));
    }
    let long: &'static str = Box::leak("很长的证明名称".repeat(20).into_boxed_str());
    let r = screen(&typed(long), &c).unwrap_err();
    assert_eq!(r.code, "certificate_name_too_long");
    assert!(r.message.contains("最多 100 个字") && r.message.contains("140 个字"));
    let r = screen(&typed("银行流水证明"), &c).unwrap_err();
    assert_eq!(r.code, "certificate_other_body");
    assert!(
        r.message.contains("开户银行") && r.go_to.contains("网点"),
        "{r}"
    );
    let r = screen(&typed("良好品行证明"), &c).unwrap_err();
    assert_eq!(r.code, "certificate_not_on_list");
    // Beijing's old C02, typed: the kinship item with the social-insurance path.
    let r = screen(&typed("与死亡人员关系证明"), &c).unwrap_err();
    assert_eq!(r.code, "certificate_on_negative_list");
    assert!(r.go_to.contains("社会保险经办机构"), "{}", r.go_to);
    // Beijing's C01, typed, reaches the retained item; asked for by the 不动产登记 office it is
    // that office's matter, and the explanation names the cooperative.
    let r = screen(&typed("有土地承包经营权的身份证明"), &c).unwrap_err();
    assert_eq!(r.code, "unit_own_matter", "{r}");
    assert!(r.message.contains("合作社"), "{}", r.message);
    assert!(r.go_to.contains("村民委员会"), "{}", r.go_to);
    let c01 = c.item("C01").unwrap();
    let m01 = keys(c01);
    let typed01 = ApplicationInput {
        item_code: None,
        requested_name: "有土地承包经营权的身份证明",
        ..complete(c01, &m01)
    };
    assert_eq!(screen(&typed01, &c).map(|i| i.code.as_str()), Ok("C01"));
    for code in super::application::REFUSAL_CODES {
        assert!(!code.is_empty());
    }
}

#[test]
fn a_blank_asking_unit_is_refused_unless_self_use_is_said() {
    let c = catalog();
    let c04 = c.item("C04").unwrap();
    let m = keys(c04);
    let blank = ApplicationInput {
        asking_unit: " ",
        asking_article: "",
        ..complete(c04, &m)
    };
    let r = screen(&blank, &c).unwrap_err();
    assert_eq!(r.code, "asking_unit_missing");
    assert_eq!(r.field, "asking_unit");
    assert!(r.message.contains("居民自用") && r.go_to.contains("不动产登记机构"));
    let own = ApplicationInput {
        self_use: true,
        ..blank
    };
    assert_eq!(screen(&own, &c).map(|i| i.code.as_str()), Ok("C04"));
    let both = ApplicationInput {
        self_use: true,
        ..complete(c04, &m)
    };
    assert_eq!(screen(&both, &c).unwrap_err().code, "asking_unit_conflict");
}
