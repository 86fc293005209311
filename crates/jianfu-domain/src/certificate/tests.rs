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
    // Issue 8 §5: C01–C03 moved out (no legal basis naming the community; C02/C03 are kinship
    // certificates, now aliases of CN01; C01 is CB01).
    assert_eq!(codes(ItemKind::Certificate), ["C04", "C05"]);
    let negative = codes(ItemKind::CertificateNegative);
    assert_eq!(negative.len(), 21);
    assert_eq!(negative[0], "CN01");
    assert_eq!(negative[19], "CN20");
    assert_eq!(negative[20], "CB01");
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
    assert!(cites.iter().any(|s| s.contains("民发〔2020〕20号")));
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
