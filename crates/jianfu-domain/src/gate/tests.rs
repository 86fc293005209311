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
        description: String::new(),
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

fn burden(kind: BurdenKind) -> Burden {
    Burden {
        kind,
        title: "附件".into(),
        mandate: None,
        mandate_document: None,
        one_vote_veto: false,
        measure: None,
        purpose: None,
        fields: Vec::new(),
    }
}

fn citing(mut b: Burden, number: &str) -> Burden {
    b.mandate_document = Some(number.into());
    b
}

/// A register with one central document requiring a creation activity, an institution and
/// security check-ins, and one municipal document requiring a ledger.
fn register() -> MandateRegister {
    let doc = |number: &str, level, requires: Vec<BurdenKind>| MandateDoc {
        number: number.into(),
        issuer: "示例发文机关".into(),
        title: format!("示例文件{number}"),
        issued_on: "2025-01-01".into(),
        level,
        requires,
        valid_from: "2025-01-01".into(),
        valid_to: String::new(),
        summary: String::new(),
    };
    MandateRegister::new(vec![
        doc(
            "中办发〔2025〕1号",
            MandateLevel::Central,
            vec![
                BurdenKind::Creation,
                BurdenKind::Institution,
                BurdenKind::CheckIn,
            ],
        ),
        doc(
            "京办发〔2025〕2号",
            MandateLevel::Municipal,
            vec![BurdenKind::Ledger],
        ),
    ])
}

fn decide(r: &GateRequest, c: &Catalog) -> Decision {
    super::decide(r, c, &register(), &crate::shared_data::element::shipped())
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
fn shipped_citations_are_in_force_and_dated() {
    let c = catalog();
    // Every cited law records its dates, so the in-force check really ran on it.
    for it in &c.items {
        for b in &it.legal_basis {
            let law = c.law(&b.law).unwrap();
            assert!(
                !law.effective_from.is_empty(),
                "{}: {} has no effective_from",
                it.code,
                law.key
            );
        }
    }
    // No item of a 2026 version cites the 组织法 in its 2018 numbering.
    assert!(
        c.items
            .iter()
            .flat_map(|i| &i.legal_basis)
            .all(|b| b.law != "jwh-2018")
    );
    // The regime's legal anchors are cited in the version in force.
    let laws = |role| {
        c.anchor(role)
            .iter()
            .map(|a| a.law.as_str())
            .collect::<Vec<_>>()
    };
    // 2025 组织法 第六条 (协助政府和街道办事处开展工作) and Beijing's implementing measures
    // 第二十八条 (协助工作须经区政府或街道同意并统一安排), the old national 第二十条.
    assert!(laws(catalog::ANCHOR_ASSIST).contains(&"jwh-2025"));
    assert!(laws(catalog::ANCHOR_ASSIST).contains(&"bj-jwh"));
    // Beijing's implementing measures 第二十五条 (工作经费), the old national 第十七条.
    assert!(laws(catalog::ANCHOR_FUNDING).contains(&"bj-jwh"));
}

#[test]
fn a_stale_citation_is_refused_by_the_catalog_check() {
    let mut c = catalog();
    let d = c.items.iter_mut().find(|i| i.code == "D07").unwrap();
    d.legal_basis = vec![catalog::LegalBasis {
        law: "jwh-2018".into(),
        article: "第三条".into(),
    }];
    match c.check() {
        Err(catalog::CatalogError::LawNotInForce { item, why, .. }) => {
            assert_eq!(item, "D07");
            assert!(why.contains("2025-12-31"), "{why}");
        }
        other => panic!("expected LawNotInForce, got {other:?}"),
    }
    // A law that starts after the version does not fit either.
    let mut c = catalog();
    c.version.effective_from = "2025-06-01".into();
    assert!(matches!(
        c.check(),
        Err(catalog::CatalogError::LawNotInForce { .. })
    ));
}

#[test]
fn certificates_are_not_work_for_the_gate() {
    let c = catalog();
    let retained = c
        .items_of(ItemKind::Certificate)
        .next()
        .unwrap()
        .code
        .clone();
    for code in [retained.as_str(), "CN05"] {
        let d = decide(&funded(req(Some(code), "开具证明")), &c);
        assert_eq!(d.outcome, Outcome::Refused, "{code}");
        assert!(rules(&d).contains(&"not_a_work_item"), "{code}");
    }
}

#[test]
fn duty_items_are_admitted_citing_their_own_basis() {
    let d = decide(&req(Some("D07"), "调解邻里纠纷"), &catalog());
    assert_eq!(d.outcome, Outcome::Admitted);
    assert_eq!(rules(&d), ["duty_list"]);
    assert!(d.required_changes.is_empty());
    assert_eq!(d.catalog_version, "daxing-demo-2026.2");
    let citation = &d.reasons[0].citation;
    assert!(citation.contains("三(一)"), "{citation}");
    assert!(citation.contains("人民调解法"), "{citation}");
    assert!(
        citation.contains("北京市实施〈中华人民共和国城市居民委员会组织法〉办法"),
        "{citation}"
    );
    // D03 cites the verified article of the 2025 组织法.
    let d03 = decide(&req(Some("D03"), "召开居民会议"), &catalog());
    assert!(
        d03.reasons[0].citation.contains("2025年10月28日修订"),
        "{}",
        d03.reasons[0].citation
    );
}

#[test]
fn assist_items_need_funding_and_authority() {
    let c = catalog();
    let bare = decide(&req(Some("A03"), "禁毒宣传"), &c);
    assert_eq!(bare.outcome, Outcome::Refused);
    assert!(rules(&bare).contains(&"assist_needs_funding"));
    assert!(rules(&bare).contains(&"assist_needs_authority"));
    assert!(bare.required_changes.iter().any(|c| c.contains("经费")));
    // The funding rule cites the 组织法's funding article next to the policy.
    let funding = bare
        .reasons
        .iter()
        .find(|r| r.rule == "assist_needs_funding")
        .unwrap();
    assert!(
        funding.citation.contains("城市居民委员会组织法"),
        "{}",
        funding.citation
    );

    let ok = decide(&funded(req(Some("A03"), "禁毒宣传")), &c);
    assert_eq!(ok.outcome, Outcome::Admitted, "{:?}", ok.reasons);
    let admit = &ok
        .reasons
        .iter()
        .find(|r| r.rule == "assist_list")
        .unwrap()
        .citation;
    assert!(admit.contains("禁毒法"), "{admit}");
    assert!(admit.contains("城市居民委员会组织法"), "{admit}");

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
fn targets_are_refused_as_tasks_not_on_a_mention() {
    let c = catalog();
    for title in [
        "协助开展招商引资",
        "社区协助完成本年度协税护税任务",
        "配合街道 经济 创收，完成指标",
        "下达社区招商指标",
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
    // False positives the old screening made: publicity is not a target.
    for title in [
        "宣传优化营商环境政策",
        "宣传招商引资优惠政策",
        "向居民宣传依法纳税知识",
    ] {
        let d = decide(&funded(req(None, title)), &c);
        assert!(
            !rules(&d).contains(&"negative_terms"),
            "{title}: {:?}",
            d.reasons
        );
        assert_eq!(d.outcome, Outcome::NeedsApproval, "{title}");
    }
    // The task may be in the description rather than the title.
    let mut described = funded(req(None, "经济发展工作"));
    described.description = "社区须完成招商引资任务两项".into();
    assert!(rules(&decide(&described, &c)).contains(&"negative_terms"));
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

    // Assisting is not banned: it goes to district approval.
    for title in [
        "协助城管部门开展门前三包宣传",
        "协助执法部门，负责入户宣传",
        "负责协助城管执法人员入户告知",
    ] {
        let assist = decide(&funded(req(None, title)), &c);
        assert_eq!(
            assist.outcome,
            Outcome::NeedsApproval,
            "{title}: {:?}",
            assist.reasons
        );
        assert!(!rules(&assist).contains(&"negative_terms"), "{title}");
    }
}

#[test]
fn off_list_work_goes_to_approval_with_or_without_a_legal_basis() {
    let c = catalog();
    // No law names it: exactly the work the policy sends to district approval.
    let mut no_basis = funded(req(None, "协助开展宠物登记摸底"));
    no_basis.legal_basis.clear();
    let d = decide(&no_basis, &c);
    assert_eq!(d.outcome, Outcome::NeedsApproval, "{:?}", d.reasons);
    assert!(!rules(&d).contains(&"approval_needs_legal_basis"));
    assert_eq!(
        d.required_changes,
        vec!["报区级审批（附经费和职责权限）".to_string()]
    );
    // With a basis, the approver sees it.
    let with_basis = decide(&funded(req(None, "协助开展宠物登记摸底")), &c);
    assert_eq!(with_basis.outcome, Outcome::NeedsApproval);
    let r = with_basis
        .reasons
        .iter()
        .find(|r| r.rule == "off_the_lists")
        .unwrap();
    assert!(r.message.contains("禁毒法"), "{}", r.message);
    assert!(!rules(&with_basis).contains(&"list_update_candidate"));
    // Funding and authority are still required.
    let bare = decide(&req(None, "协助开展宠物登记摸底"), &c);
    assert_eq!(bare.outcome, Outcome::Refused);
    for rule in ["approval_needs_funding", "approval_needs_authority"] {
        assert!(rules(&bare).contains(&rule), "{rule}");
    }
}

#[test]
fn a_cited_duty_marks_a_list_update_candidate() {
    let c = catalog();
    let mut r = funded(req(None, "协助开展宠物登记摸底"));
    r.basis_names_community = true;
    let d = decide(&r, &c);
    assert_eq!(d.outcome, Outcome::NeedsApproval);
    let cand = d
        .reasons
        .iter()
        .find(|r| r.rule == "list_update_candidate")
        .unwrap();
    assert_eq!(cand.effect, Effect::Advice);
    // The claim means nothing without a citation.
    r.legal_basis.clear();
    assert!(!rules(&decide(&r, &c)).contains(&"list_update_candidate"));
}

#[test]
fn no_department_or_street_may_pass_on_its_own_duty() {
    let c = catalog();
    // The owner itself.
    let mut r = funded(req(None, "请社区完成辖区低保审核认定"));
    r.department = "110115-MZJ".into();
    assert!(rules(&decide(&r, &c)).contains(&"not_ours_to_pass_on"));
    // Another department passing on 民政's duty: refused too (was missed before).
    r.department = "110115-WJW".into();
    assert!(rules(&decide(&r, &c)).contains(&"not_ours_to_pass_on"));
    // A street's own duty, from the 北京市街道办事处条例.
    let street = c
        .items_of(ItemKind::DepartmentDuty)
        .find(|d| d.sources.iter().any(|s| s.title.contains("街道办事处条例")))
        .expect("street duties are shipped");
    let mut s = funded(req(None, &format!("请社区承担{}", street.terms[0])));
    s.department = "110115-WJW".into();
    assert!(
        rules(&decide(&s, &c)).contains(&"not_ours_to_pass_on"),
        "{}",
        street.terms[0]
    );
    let d = decide(&funded(req(Some("DD03"), "食品安全")), &c);
    assert!(rules(&d).contains(&"not_ours_to_pass_on"));
    // Not a false positive on ordinary assist work.
    let ok = decide(&funded(req(Some("A12"), "协助做好社会救助入户走访")), &c);
    assert_eq!(ok.outcome, Outcome::Admitted, "{:?}", ok.reasons);
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

/// One burden on an admitted duty item: its outcome and the rule that decided it.
fn judge(b: Burden) -> (Outcome, Vec<String>) {
    let mut r = req(Some("D07"), "调解纠纷");
    r.burdens = vec![b];
    let d = decide(&r, &catalog());
    let rules = d
        .reasons
        .iter()
        .filter(|x| x.part == Some(0))
        .map(|x| x.rule.clone())
        .collect();
    (d.outcome, rules)
}

#[test]
fn mandates_are_documents_not_claims() {
    use BurdenKind::*;
    let cases: Vec<(Burden, Outcome, &str)> = vec![
        // No document: the plain rule, whatever level is declared.
        (burden(Ledger), Outcome::Refused, "no_department_ledgers"),
        (
            Burden {
                mandate: Some(Mandate::Central),
                ..burden(Institution)
            },
            Outcome::Refused,
            "no_institutions",
        ),
        (burden(Creation), Outcome::Refused, "no_creation_activities"),
        // Registered and covering: the exception applies (in any bracket spelling).
        (
            citing(burden(Ledger), "京办发[2025]2号"),
            Outcome::Admitted,
            "ledger_mandated",
        ),
        (
            citing(burden(Institution), "中办发〔2025〕1号"),
            Outcome::Admitted,
            "institution_mandated",
        ),
        (
            citing(burden(Creation), "中办发（2025）1号"),
            Outcome::Admitted,
            "creation_mandated",
        ),
        // Registered but requiring something else: the plain rule.
        (
            citing(burden(Staff), "京办发〔2025〕2号"),
            Outcome::Refused,
            "no_institutions",
        ),
        // Named but not registered: the approver checks.
        (
            citing(burden(Premises), "京政发〔2024〕9号"),
            Outcome::NeedsApproval,
            "mandate_not_registered",
        ),
        (
            citing(burden(Creation), "国发〔2024〕3号"),
            Outcome::NeedsApproval,
            "mandate_not_registered",
        ),
        // A department's own evaluation: refused even with a registered document.
        (
            citing(burden(Evaluation), "中办发〔2025〕1号"),
            Outcome::Refused,
            "no_department_evaluations",
        ),
        // Signs: only three, no exception.
        (
            citing(burden(Sign), "中办发〔2025〕1号"),
            Outcome::Refused,
            "three_signs_only",
        ),
        // Secondment: not at will — a registered document, or district approval.
        (
            burden(Secondment),
            Outcome::NeedsApproval,
            "secondment_needs_approval",
        ),
        // Reports: from shared data, new fields need approval.
        (
            burden(Report),
            Outcome::NeedsApproval,
            "reports_from_shared_data",
        ),
        (
            burden(DataCollection),
            Outcome::NeedsApproval,
            "reports_from_shared_data",
        ),
        // Every field a shared element (by code or by name): served from shared data.
        (
            Burden {
                fields: vec!["SD001".into(), "60岁及以上老年人数".into()],
                ..burden(Report)
            },
            Outcome::Admitted,
            "served_from_shared_data",
        ),
        (
            Burden {
                fields: vec!["低保户数".into()],
                ..burden(DataCollection)
            },
            Outcome::Admitted,
            "served_from_shared_data",
        ),
        // One field nobody collects: that field is a new burden.
        (
            Burden {
                fields: vec!["SD001".into(), "电动自行车充电桩数".into()],
                ..burden(Report)
            },
            Outcome::NeedsApproval,
            "new_data_fields",
        ),
    ];
    for (b, outcome, rule) in cases {
        let (got, rules) = judge(b.clone());
        assert_eq!(got, outcome, "{b:?}: {rules:?}");
        assert!(rules.iter().any(|r| r == rule), "{b:?}: {rules:?}");
    }
    // The admitted reason cites the document.
    let mut r = req(Some("D07"), "调解纠纷");
    r.burdens = vec![citing(burden(Creation), "中办发〔2025〕1号")];
    let d = decide(&r, &catalog());
    assert!(
        d.reasons
            .iter()
            .any(|x| x.citation.contains("中办发〔2025〕1号"))
    );
}

#[test]
fn responsibility_letters_only_within_the_communitys_own_duties() {
    let (o, rules) = judge(burden(BurdenKind::ResponsibilityLetter));
    assert_eq!(o, Outcome::NeedsApproval, "{rules:?}");
    assert!(rules.contains(&"letter_needs_approval".to_string()));
    let mut r = funded(req(Some("A03"), "禁毒宣传"));
    r.burdens = vec![burden(BurdenKind::ResponsibilityLetter)];
    let d = decide(&r, &catalog());
    assert_eq!(d.outcome, Outcome::Refused);
    assert!(rules_of(&d).contains(&"no_responsibility_letters"));
}

fn rules_of(d: &Decision) -> Vec<&str> {
    rules(d)
}

/// 三(二)/三(六): the fields decide — and the new field is named, so the approver sees exactly
/// what communities would have to start collecting.
#[test]
fn a_report_names_the_fields_it_would_add() {
    let mut r = funded(req(Some("A03"), "禁毒宣传"));
    r.burdens = vec![Burden {
        fields: vec!["常住人口数".into(), "电动自行车充电桩数".into()],
        ..burden(BurdenKind::Report)
    }];
    let d = decide(&r, &catalog());
    let reason = d
        .reasons
        .iter()
        .find(|x| x.rule == "new_data_fields")
        .expect("new field flagged");
    assert!(
        reason.message.contains("电动自行车充电桩数"),
        "{}",
        reason.message
    );
    assert!(reason.message.contains("常住人口数"), "{}", reason.message);
    assert!(reason.citation.contains("三(六)"));
}

#[test]
fn one_vote_veto_is_refused_by_flag_or_by_words() {
    let (o, rules) = judge(Burden {
        one_vote_veto: true,
        ..burden(BurdenKind::Creation)
    });
    assert_eq!(o, Outcome::Refused);
    assert!(rules.contains(&"no_one_vote_veto".to_string()));
    let (o, rules) = judge(Burden {
        title: "安全生产考核，实行一票否决".into(),
        ..citing(burden(BurdenKind::Creation), "中办发〔2025〕1号")
    });
    assert_eq!(o, Outcome::Refused, "{rules:?}");
    assert!(rules.contains(&"no_one_vote_veto".to_string()));
    // In the request's own words.
    let mut r = funded(req(Some("A03"), "禁毒工作，纳入年度考核一票否决"));
    r.burdens.clear();
    assert!(rules_of(&decide(&r, &catalog())).contains(&"no_one_vote_veto"));
}

#[test]
fn digital_burdens_follow_the_2024_and_2026_rules() {
    use BurdenKind::*;
    let m = |measure| Burden {
        measure: Some(measure),
        ..burden(Ranking)
    };
    let p = |purpose| Burden {
        purpose: Some(purpose),
        ..burden(CheckIn)
    };
    let cases: Vec<(Burden, Outcome, &str)> = vec![
        (p(CheckInPurpose::Other), Outcome::Refused, "no_check_ins"),
        (burden(CheckIn), Outcome::Refused, "no_check_ins"),
        (
            p(CheckInPurpose::Security),
            Outcome::Refused,
            "check_in_needs_basis",
        ),
        (
            citing(p(CheckInPurpose::Emergency), "中办发〔2025〕1号"),
            Outcome::Admitted,
            "check_in_mandated",
        ),
        (
            citing(p(CheckInPurpose::Security), "京政发〔2024〕9号"),
            Outcome::NeedsApproval,
            "mandate_not_registered",
        ),
        // A security purpose does not save a document that does not require check-ins.
        (
            citing(p(CheckInPurpose::Security), "京办发〔2025〕2号"),
            Outcome::NeedsApproval,
            "mandate_not_registered",
        ),
        (
            m(RankingMeasure::OnlineTime),
            Outcome::Refused,
            "no_usage_rankings",
        ),
        (
            m(RankingMeasure::Mileage),
            Outcome::Refused,
            "no_usage_rankings",
        ),
        (
            m(RankingMeasure::Installs),
            Outcome::Refused,
            "no_usage_rankings",
        ),
        (
            m(RankingMeasure::Other),
            Outcome::Refused,
            "no_department_evaluations",
        ),
        (
            burden(CompulsoryUpload),
            Outcome::Refused,
            "no_compulsory_uploads",
        ),
        (burden(GovApp), Outcome::NeedsApproval, "app_needs_approval"),
        (
            burden(WorkGroup),
            Outcome::NeedsApproval,
            "work_group_needs_approval",
        ),
    ];
    for (b, outcome, rule) in cases {
        let (got, rules) = judge(b.clone());
        assert_eq!(got, outcome, "{b:?}: {rules:?}");
        assert!(rules.iter().any(|r| r == rule), "{b:?}: {rules:?}");
    }
    // A street pushing its own app: refused.
    let mut r = req(Some("D07"), "调解纠纷");
    r.requester_level = RequesterLevel::BelowCounty;
    r.burdens = vec![burden(GovApp)];
    let d = decide(&r, &catalog());
    assert_eq!(d.outcome, Outcome::Refused);
    assert!(rules(&d).contains(&"no_app_below_county"));
    // Every digital reason cites the national rules.
    assert!(
        d.reasons
            .iter()
            .any(|x| x.citation.contains("国办函〔2026〕12号"))
    );
}

#[test]
fn digital_burdens_described_in_words_must_be_declared() {
    let c = catalog();
    for (title, kind) in [
        ("社区工作人员每日定位打卡签到", BurdenKind::CheckIn),
        ("开展平安志愿者积分排名", BurdenKind::Ranking),
        ("入户走访须拍照留痕上传", BurdenKind::CompulsoryUpload),
        ("推广政务App，考核下载量", BurdenKind::GovApp),
        ("加入区级工作群并及时回复", BurdenKind::WorkGroup),
    ] {
        let d = decide(&funded(req(Some("A03"), title)), &c);
        assert_eq!(d.outcome, Outcome::Refused, "{title}");
        let r = d
            .reasons
            .iter()
            .find(|r| r.rule == "undeclared_digital_burden" && r.message.contains(kind.label_zh()))
            .unwrap_or_else(|| panic!("{title}: {:?}", d.reasons));
        assert!(r.change.as_deref().unwrap().contains(kind.as_str()));
    }
    // Declared, it is judged by its own rule instead of the text screening.
    let mut r = funded(req(Some("A03"), "加入区级工作群"));
    r.burdens = vec![burden(BurdenKind::WorkGroup)];
    let d = decide(&r, &c);
    assert!(
        !rules(&d).contains(&"undeclared_digital_burden"),
        "{:?}",
        d.reasons
    );
    assert_eq!(d.outcome, Outcome::NeedsApproval);
    // Ordinary words are not digital burdens.
    let plain = decide(&funded(req(Some("A03"), "禁毒宣传进社区")), &c);
    assert_eq!(plain.outcome, Outcome::Admitted, "{:?}", plain.reasons);
}

#[test]
fn every_reason_cites_and_explains() {
    let c = catalog();
    let mut r = req(None, "社区负责拆违并签订责任书");
    r.burdens = BurdenKind::ALL.iter().map(|k| burden(*k)).collect();
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
    (
        0usize..BurdenKind::ALL.len(),
        0usize..4,
        any::<bool>(),
        0usize..RankingMeasure::ALL.len(),
        0usize..CheckInPurpose::ALL.len(),
    )
        .prop_map(|(k, m, veto, measure, purpose)| Burden {
            kind: BurdenKind::ALL[k],
            title: "x".into(),
            mandate: None,
            mandate_document: [
                None,
                Some("中办发〔2025〕1号"),
                Some("京办发〔2025〕2号"),
                Some("未登记〔2025〕9号"),
            ][m]
                .map(str::to_string),
            one_vote_veto: veto,
            measure: Some(RankingMeasure::ALL[measure]),
            purpose: Some(CheckInPurpose::ALL[purpose]),
            fields: Vec::new(),
        })
}

proptest! {
    /// A refusal always wins, and attaching one more burden never makes the outcome better.
    #[test]
    fn more_burdens_never_help(
        item in prop::sample::select(vec![None, Some("D01"), Some("A01"), Some("N02"), Some("DD01")]),
        with_funding in any::<bool>(),
        below_county in any::<bool>(),
        burdens in prop::collection::vec(any_burden(), 0..5),
        extra in any_burden(),
    ) {
        let c = catalog();
        let mut r = req(item, "协助开展工作");
        if with_funding { r = funded(r); }
        if below_county { r.requester_level = RequesterLevel::BelowCounty; }
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
