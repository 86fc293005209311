//! The gate against the shipped demo catalog. Each test breaks if its rule is broken.

use super::citation::LegalCitation;
use super::*;
use proptest::prelude::*;

const SHIPPED: &str = super::shipped::SHIPPED_CATALOG_TOML;

fn catalog() -> Catalog {
    Catalog::from_toml(SHIPPED).expect("the shipped catalog is valid")
}

fn req(item: Option<&str>, title: &str) -> GateRequest {
    GateRequest {
        department: "110115-MZJ".into(),
        item_code: item.map(str::to_string),
        title: title.into(),
        legal_basis: vec![],
        community_role: CommunityRole::Assist,
        authority: String::new(),
        funding: None,
        burdens: vec![],
        requester_level: Default::default(),
        basis_names_community: false,
    }
}

fn funded(mut r: GateRequest) -> GateRequest {
    r.funding = Some(Funding {
        amount_fen: 120_000,
        channel: "区财政专项".into(),
    });
    r.authority = "入户联系居民、组织动员、宣传".into();
    r.legal_basis = vec![LegalCitation::parse("《中华人民共和国禁毒法》第十七条").unwrap()];
    r
}

fn burden(kind: BurdenKind, mandate: Option<Mandate>, veto: bool) -> Burden {
    Burden {
        kind,
        title: "附件".into(),
        mandate,
        mandate_document: None,
        one_vote_veto: veto,
        measure: None,
        purpose: None,
    }
}

fn rules(d: &Decision) -> Vec<&str> {
    d.reasons.iter().map(|r| r.rule.as_str()).collect()
}

#[test]
fn shipped_catalog_is_consistent() {
    let c = catalog();
    assert_eq!(c.items_of(ItemKind::Duty).count(), 13);
    assert!(c.items_of(ItemKind::Assist).count() >= 4);
    assert_eq!(c.items_of(ItemKind::Negative).count(), 6);
    assert!(
        c.items
            .iter()
            .all(|i| i.legal_basis.iter().all(|b| c.law(&b.law).is_some()))
    );
    // The old and new numbering of the 居委会组织法 are distinct law versions.
    assert_ne!(
        c.law("jwh-2018").unwrap().version,
        c.law("jwh-2025").unwrap().version
    );
}

#[test]
fn certificates_are_not_work_for_the_gate() {
    // The shipped catalog now holds certificate items; choosing one as work is refused.
    let c = catalog();
    assert_eq!(c.items_of(ItemKind::Certificate).count(), 5);
    assert_eq!(c.items_of(ItemKind::CertificateNegative).count(), 20);
    for code in ["C03", "CN05"] {
        let d = decide(&funded(req(Some(code), "开具证明")), &c);
        assert_eq!(d.outcome, Outcome::Refused, "{code}");
        assert!(rules(&d).contains(&"not_a_work_item"), "{code}");
    }
}

#[test]
fn duty_items_are_admitted() {
    let d = decide(&req(Some("D07"), "调解邻里纠纷"), &catalog());
    assert_eq!(d.outcome, Outcome::Admitted);
    assert_eq!(rules(&d), ["duty_list"]);
    assert!(d.required_changes.is_empty());
    assert_eq!(d.catalog_version, "daxing-demo-2026.2");
}

#[test]
fn assist_items_need_funding_and_authority() {
    let c = catalog();
    let bare = decide(&req(Some("A03"), "禁毒宣传"), &c);
    assert_eq!(bare.outcome, Outcome::Refused);
    assert!(rules(&bare).contains(&"assist_needs_funding"));
    assert!(rules(&bare).contains(&"assist_needs_authority"));
    assert!(bare.required_changes.iter().any(|c| c.contains("经费")));

    let ok = decide(&funded(req(Some("A03"), "禁毒宣传")), &c);
    assert_eq!(ok.outcome, Outcome::Admitted, "{:?}", ok.reasons);

    // Zero money or a missing channel is no funding.
    let mut zero = funded(req(Some("A03"), "禁毒宣传"));
    zero.funding = Some(Funding {
        amount_fen: 0,
        channel: "区财政".into(),
    });
    assert_eq!(decide(&zero, &c).outcome, Outcome::Refused);
    let mut no_channel = funded(req(Some("A03"), "禁毒宣传"));
    no_channel.funding = Some(Funding {
        amount_fen: 100,
        channel: " ".into(),
    });
    assert_eq!(decide(&no_channel, &c).outcome, Outcome::Refused);

    let mut responsible = funded(req(Some("A03"), "禁毒宣传"));
    responsible.community_role = CommunityRole::Responsible;
    assert!(rules(&decide(&responsible, &c)).contains(&"assist_only"));
}

#[test]
fn a_title_does_not_hide_negative_work() {
    let c = catalog();
    for title in [
        "协助开展招商引资",
        "社区协助完成本年度协税护税任务",
        "配合街道 经济 创收",
    ] {
        let d = decide(&funded(req(None, title)), &c);
        assert_eq!(d.outcome, Outcome::Refused, "{title}");
        let r = d
            .reasons
            .iter()
            .find(|r| r.rule == "negative_terms")
            .expect(title);
        assert!(r.message.contains("文本甄别"), "{}", r.message);
        assert!(r.citation.contains("三(一)"));
    }
    // Chosen by code: refused whatever the title says.
    let d = decide(&funded(req(Some("N01"), "促进社区经济发展")), &c);
    assert!(rules(&d).contains(&"negative_list"));
}

#[test]
fn enforcement_is_banned_only_with_the_community_in_charge() {
    let c = catalog();
    let d = decide(&funded(req(None, "社区负责违建拆除")), &c);
    assert_eq!(d.outcome, Outcome::Refused);
    assert!(
        d.reasons
            .iter()
            .any(|r| r.rule == "negative_terms" && r.message.contains("负责"))
    );

    let mut declared = funded(req(None, "违法建设巡查"));
    declared.community_role = CommunityRole::Responsible;
    assert!(rules(&decide(&declared, &c)).contains(&"negative_terms"));

    // Assisting with city-management publicity is not banned: it goes to district approval.
    let assist = decide(&funded(req(None, "协助城管部门开展门前三包宣传")), &c);
    assert_eq!(
        assist.outcome,
        Outcome::NeedsApproval,
        "{:?}",
        assist.reasons
    );
    assert!(!rules(&assist).contains(&"negative_terms"));
}

#[test]
fn off_list_work_needs_approval_with_basis_and_funding() {
    let c = catalog();
    let bare = decide(&req(None, "协助开展宠物登记摸底"), &c);
    assert_eq!(bare.outcome, Outcome::Refused);
    for rule in [
        "approval_needs_legal_basis",
        "approval_needs_funding",
        "approval_needs_authority",
    ] {
        assert!(rules(&bare).contains(&rule), "{rule}");
    }
    assert!(bare.required_changes.iter().any(|c| c.contains("法律依据")));
    let ok = decide(&funded(req(None, "协助开展宠物登记摸底")), &c);
    assert_eq!(ok.outcome, Outcome::NeedsApproval);
    assert_eq!(
        ok.required_changes,
        vec!["报区级审批（附法律依据和经费）".to_string()]
    );
}

#[test]
fn a_department_cannot_pass_on_its_own_duty() {
    let c = catalog();
    let mut r = funded(req(None, "请社区完成辖区低保审核认定"));
    r.department = "110115-MZJ".into();
    let d = decide(&r, &c);
    assert_eq!(d.outcome, Outcome::Refused);
    assert!(rules(&d).contains(&"not_ours_to_pass_on"));
    let d = decide(&funded(req(Some("DD03"), "食品安全")), &c);
    assert!(rules(&d).contains(&"not_ours_to_pass_on"));
}

#[test]
fn services_get_purchase_of_services_advice() {
    let d = decide(&funded(req(None, "为独居老人提供心理咨询")), &catalog());
    let r = d
        .reasons
        .iter()
        .find(|r| r.rule == "purchase_of_services")
        .unwrap();
    assert_eq!(r.effect, Effect::Advice);
    assert_eq!(d.outcome, Outcome::NeedsApproval);
    assert!(
        d.required_changes
            .iter()
            .any(|c| c.contains("政府购买服务"))
    );
}

#[test]
fn burdens_are_judged_part_by_part() {
    let c = catalog();
    let cases = [
        (
            burden(BurdenKind::Ledger, None, false),
            Outcome::Refused,
            "no_department_ledgers",
        ),
        (
            burden(BurdenKind::Sign, Some(Mandate::Central), false),
            Outcome::Refused,
            "three_signs_only",
        ),
        (
            burden(BurdenKind::Institution, Some(Mandate::District), false),
            Outcome::Refused,
            "no_institutions",
        ),
        (
            burden(BurdenKind::Staff, Some(Mandate::Municipal), false),
            Outcome::Admitted,
            "institution_mandated",
        ),
        (
            burden(BurdenKind::Premises, None, false),
            Outcome::Refused,
            "no_institutions",
        ),
        (
            burden(
                BurdenKind::ResponsibilityLetter,
                Some(Mandate::Central),
                false,
            ),
            Outcome::Refused,
            "no_responsibility_letters",
        ),
        (
            burden(BurdenKind::Evaluation, Some(Mandate::Department), false),
            Outcome::Refused,
            "no_evaluations",
        ),
        (
            burden(BurdenKind::Creation, Some(Mandate::Central), false),
            Outcome::Admitted,
            "evaluation_mandated",
        ),
        (
            burden(BurdenKind::Evaluation, Some(Mandate::Central), true),
            Outcome::Refused,
            "no_one_vote_veto",
        ),
        (
            burden(BurdenKind::Report, None, false),
            Outcome::NeedsApproval,
            "reports_from_shared_data",
        ),
        (
            burden(BurdenKind::DataCollection, None, false),
            Outcome::NeedsApproval,
            "reports_from_shared_data",
        ),
        (
            burden(BurdenKind::Secondment, None, false),
            Outcome::Refused,
            "no_secondment",
        ),
    ];
    for (b, expected, rule) in cases {
        let mut r = req(Some("D07"), "调解纠纷");
        r.burdens = vec![
            burden(BurdenKind::Staff, Some(Mandate::Central), false),
            b.clone(),
        ];
        let d = decide(&r, &c);
        assert_eq!(d.outcome, expected, "{b:?}");
        // Reasons name the burden they are about.
        let reason = d
            .reasons
            .iter()
            .find(|x| x.rule == rule && x.part == Some(1))
            .unwrap_or_else(|| panic!("{rule} for part 1"));
        assert!(reason.citation.contains("实施意见"));
    }
}

#[test]
fn every_reason_cites_and_explains() {
    let c = catalog();
    let mut r = req(None, "社区负责拆违并签订责任书");
    r.burdens = vec![
        burden(BurdenKind::ResponsibilityLetter, None, false),
        burden(BurdenKind::Evaluation, None, true),
    ];
    for reason in decide(&r, &c).reasons {
        assert!(
            !reason.citation.is_empty() && !reason.message.is_empty(),
            "{reason:?}"
        );
        assert!(
            reason
                .message
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
        );
    }
}

fn any_burden() -> impl Strategy<Value = Burden> {
    (0usize..11, 0usize..5, any::<bool>()).prop_map(|(k, m, veto)| {
        use BurdenKind::*;
        let kind = [
            Ledger,
            Report,
            Sign,
            Institution,
            Premises,
            Staff,
            ResponsibilityLetter,
            Evaluation,
            Creation,
            DataCollection,
            Secondment,
        ][k];
        let mandate = [
            None,
            Some(Mandate::Central),
            Some(Mandate::Municipal),
            Some(Mandate::District),
            Some(Mandate::Department),
        ][m];
        Burden {
            kind,
            title: "x".into(),
            mandate,
            mandate_document: None,
            one_vote_veto: veto,
            measure: None,
            purpose: None,
        }
    })
}

proptest! {
    /// A refusal always wins, and attaching one more burden never makes the outcome better.
    #[test]
    fn more_burdens_never_help(
        item in prop::sample::select(vec![None, Some("D01"), Some("A01"), Some("N02"), Some("DD01")]),
        with_funding in any::<bool>(),
        burdens in prop::collection::vec(any_burden(), 0..5),
        extra in any_burden(),
    ) {
        let c = catalog();
        let mut r = req(item, "协助开展工作");
        if with_funding { r = funded(r); }
        r.burdens = burdens;
        let before = decide(&r, &c);
        prop_assert_eq!(&before, &decide(&r, &c), "deterministic");
        let worst = before.reasons.iter().map(|x| x.effect).max();
        prop_assert_eq!(before.outcome == Outcome::Refused, worst == Some(Effect::Refuse));
        r.burdens.push(extra);
        let after = decide(&r, &c);
        prop_assert!(after.outcome >= before.outcome);
        prop_assert_eq!(after.required_changes.is_empty(), after.outcome == Outcome::Admitted);
    }
}
