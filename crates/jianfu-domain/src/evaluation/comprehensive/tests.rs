//! Tests of the comprehensive evaluation's rules, each failing when its rule is broken.

use super::*;
use time::macros::date;

fn criterion(key: &str, name: &str, weight: u32) -> Criterion {
    let (key, name, evaluation) = (key.into(), name.into(), None);
    Criterion {
        key,
        name,
        weight,
        evaluation,
    }
}

/// 60 satisfaction + 25 + 15.
fn scheme() -> Scheme {
    let criteria = vec![
        criterion("harmony", "和谐社区建设", 25),
        criterion("services", "为民服务", 15),
    ];
    Scheme {
        satisfaction_weight: Scheme::default_weight(),
        criteria,
    }
}

fn code(s: &Scheme) -> &'static str {
    check_scheme(s).err().map_or("ok", |e| e.code())
}

#[test]
fn the_default_satisfaction_weight_is_60() {
    assert_eq!(
        (Scheme::default_weight(), DEFAULT_SATISFACTION_WEIGHT),
        (60, 60)
    );
    assert_eq!(code(&scheme()), "ok");
}

#[test]
fn satisfaction_below_50_percent_is_refused_and_50_is_accepted() {
    let mut s = scheme();
    (s.satisfaction_weight, s.criteria[0].weight) = (49, 36);
    let e = check_scheme(&s).unwrap_err();
    assert_eq!(e.code(), "satisfaction_weight_too_low");
    assert!(
        e.message()
            .starts_with("居民满意度是主要标准，权重不得低于 50%")
    );
    assert!(e.citation().unwrap().contains("以社区居民满意度为主要标准"));
    (s.satisfaction_weight, s.criteria[0].weight) = (50, 35);
    assert_eq!(code(&s), "ok");
    s.satisfaction_weight = 101;
    assert_eq!(code(&s), "satisfaction_weight_too_high");
}

#[test]
fn weights_must_sum_to_exactly_100_and_the_message_says_the_sum() {
    let mut s = scheme();
    s.criteria[1].weight = 14;
    let e = check_scheme(&s).unwrap_err();
    assert_eq!(e.code(), "weights_do_not_sum_to_100");
    assert!(e.message().ends_with("现为 99%"));
    s.criteria[1].weight = u32::MAX; // no overflow
    assert_eq!(code(&s), "weights_do_not_sum_to_100");
    let alone = Scheme {
        satisfaction_weight: 100,
        criteria: vec![],
    };
    assert_eq!(code(&alone), "ok");
}

#[test]
fn criteria_need_a_unique_name_and_key_a_weight_and_at_most_12_of_them() {
    let edit = |f: &dyn Fn(&mut Scheme)| {
        let mut s = scheme();
        f(&mut s);
        code(&s)
    };
    assert_eq!(
        edit(&|s| s.criteria[1].name = " 和谐社区建设 ".into()),
        "criterion_name_duplicate"
    );
    assert_eq!(
        edit(&|s| s.criteria[1].name = "  ".into()),
        "criterion_name_empty"
    );
    assert_eq!(
        edit(&|s| s.criteria[1].key = "harmony".into()),
        "criterion_key_duplicate"
    );
    assert_eq!(
        edit(&|s| s.criteria[1].key = "Services!".into()),
        "criterion_key_invalid"
    );
    assert_eq!(
        edit(&|s| s.criteria[1].key = SATISFACTION_KEY.into()),
        "criterion_key_reserved"
    );
    assert_eq!(
        edit(&|s| (s.criteria[0].weight, s.criteria[1].weight) = (40, 0)),
        "criterion_weight_zero"
    );
    let twice = |s: &mut Scheme| {
        s.criteria[0].evaluation = Some("EV-1".into());
        s.criteria[1].evaluation = Some(" EV-1".into());
    };
    assert_eq!(edit(&twice), "evaluation_folded_twice");
    let criteria = (0..13)
        .map(|i| criterion(&format!("c{i}"), &format!("内容{i}"), 4))
        .collect();
    assert_eq!(
        code(&Scheme {
            satisfaction_weight: 52,
            criteria
        }),
        "too_many_criteria"
    );
}

#[test]
fn a_one_vote_veto_criterion_is_refused() {
    for name in ["安全生产一票否决", "计划生育否决项", "綜治一票否決"] {
        let mut s = scheme();
        s.criteria[0].name = name.into();
        let e = check_scheme(&s).unwrap_err();
        assert_eq!(e.code(), "one_vote_veto", "{name}");
        assert!(e.citation().unwrap().contains("取消对社区的“一票否决”事项"));
    }
}

fn cycle() -> Cycle {
    new_cycle(2026, "2026-11-30", "２０２６／１２／３１").unwrap()
}

#[test]
fn the_phase_follows_the_days_and_both_closing_days_are_inclusive() {
    let c = cycle();
    assert_eq!(phase(&c, date!(2026 - 01 - 01)), Phase::Nominating);
    assert_eq!(phase(&c, date!(2026 - 11 - 30)), Phase::Nominating);
    assert_eq!(phase(&c, date!(2026 - 12 - 01)), Phase::Scoring);
    assert_eq!(phase(&c, date!(2026 - 12 - 31)), Phase::Scoring);
    assert_eq!(phase(&c, date!(2027 - 01 - 01)), Phase::AwaitingPublication);
    let published = Cycle {
        published: true,
        ..c
    };
    assert_eq!(phase(&published, date!(2026 - 06 - 01)), Phase::Published);
}

#[test]
fn cycle_dates_must_be_in_order_and_the_year_sensible_and_are_stored_as_days() {
    let err = |y, n, s| new_cycle(y, n, s).unwrap_err().code();
    assert_eq!(
        err(2026, "2026-12-31", "2026-12-31"),
        "scoring_closes_before_nominations"
    );
    assert_eq!(err(1999, "1999-11-01", "1999-12-01"), "year_out_of_range");
    assert_eq!(err(2026, "2026-13-01", "2026-12-01"), "bad_date");
    let stored = toml::to_string(&cycle()).unwrap();
    assert!(
        stored.contains("nominations_close = \"2026-11-30\""),
        "{stored}"
    );
    assert_eq!(toml::from_str::<Cycle>(&stored).unwrap(), cycle());
}

#[test]
fn each_step_is_allowed_only_in_its_phase() {
    use Phase::*;
    let code = |r: Result<(), PhaseError>| r.err().map_or("ok", |e| e.code());
    assert_eq!(code(may_nominate(Nominating)), "ok");
    assert_eq!(code(may_nominate(Scoring)), "nominations_closed");
    assert_eq!(code(may_score(Nominating)), "scoring_not_open");
    assert_eq!(code(may_score(Scoring)), "ok");
    assert_eq!(code(may_score(AwaitingPublication)), "scoring_closed");
    assert_eq!(code(may_publish(Scoring, true)), "scoring_not_closed");
    assert_eq!(
        code(may_publish(AwaitingPublication, false)),
        "not_all_scored"
    );
    assert_eq!(code(may_publish(AwaitingPublication, true)), "ok");
    assert_eq!(code(may_publish(Published, true)), "already_published");
}

#[test]
fn a_self_report_is_trimmed_and_counted_in_characters() {
    let twenty = "社".repeat(20);
    assert_eq!(check_self_report(&format!("  {twenty}\n")).unwrap(), twenty);
    let e = check_self_report(&"社".repeat(19)).unwrap_err();
    assert_eq!(e.code(), "self_report_too_short");
    assert!(e.citation().unwrap().contains("街道自荐申报"));
    assert!(check_self_report(&"社".repeat(2000)).is_ok());
    let e = check_self_report(&"社".repeat(2001)).unwrap_err();
    assert_eq!(
        (e.code(), e.message().contains("现有 2001 个")),
        ("self_report_too_long", true)
    );
    let bell = check_self_report(&format!("{twenty}\u{7}")).unwrap_err();
    assert_eq!(bell.code(), "control_character");
}

fn scores(h: f64, s: f64) -> Vec<(String, f64)> {
    vec![("harmony".into(), h), ("services".into(), s)]
}

const SURVEY: Satisfaction = Satisfaction {
    score: 72.0,
    responses: 150,
    enough: true,
};

#[test]
fn the_total_is_the_weighted_sum_rounded_to_one_decimal() {
    let card = score(&scheme(), Some(&SURVEY), &scores(80.0, 93.0)).unwrap();
    // 0.60 × 72 + 0.25 × 80 + 0.15 × 93 = 43.2 + 20 + 13.95 = 77.15 → 77.2
    assert_eq!(card.total, 77.2);
    assert!(card.is_final() && card.warnings.is_empty());
    let c: Vec<f64> = card
        .parts
        .iter()
        .map(|p| (p.contribution * 100.0).round() / 100.0)
        .collect();
    assert_eq!(c, [43.2, 20.0, 13.95]);
    let first = &card.parts[0];
    assert_eq!(
        (first.key.as_str(), first.name.as_str()),
        (SATISFACTION_KEY, "居民满意度")
    );
    assert_eq!(
        first.describe(),
        "居民满意度 72.0 分（权重 60%）贡献 43.2 分，失分 16.8"
    );
    let top = Satisfaction {
        score: 100.0,
        ..SURVEY
    };
    assert_eq!(
        score(&scheme(), Some(&top), &scores(100.0, 100.0))
            .unwrap()
            .total,
        100.0
    );
}

#[test]
fn missing_satisfaction_is_flagged_not_taken_for_dissatisfaction() {
    let few = Satisfaction {
        score: 95.0,
        responses: 7,
        enough: false,
    };
    for s in [None, Some(&few)] {
        let card = score(&scheme(), s, &scores(80.0, 93.0)).unwrap();
        assert!(card.satisfaction_missing && !card.is_final());
        assert_eq!(card.total, 34.0); // 20 + 13.95, satisfaction at 0 and flagged
        assert!(card.warnings[0].starts_with(WARN_SATISFACTION_MISSING));
        assert!(card.drivers().iter().all(|p| p.key != SATISFACTION_KEY));
    }
}

#[test]
fn drivers_are_ordered_by_points_lost() {
    let keys = |h| {
        let card = score(&scheme(), Some(&SURVEY), &scores(h, 100.0)).unwrap();
        card.drivers()
            .iter()
            .map(|p| p.key.clone())
            .collect::<Vec<_>>()
    };
    // lost: satisfaction 16.8, harmony 15.0 (or 20.0 at 20 points), services 0.0
    assert_eq!(keys(40.0), ["satisfaction", "harmony", "services"]);
    assert_eq!(keys(20.0), ["harmony", "satisfaction", "services"]);
}

#[test]
fn every_criterion_needs_exactly_one_score_in_range() {
    let err = |v: &[(String, f64)]| score(&scheme(), Some(&SURVEY), v).unwrap_err();
    let e = err(&scores(80.0, 100.5));
    assert_eq!(e.code(), "score_out_of_range");
    assert!(e.message().contains("为民服务"));
    assert_eq!(err(&scores(-0.1, 90.0)).code(), "score_out_of_range");
    assert_eq!(err(&scores(f64::NAN, 90.0)).code(), "score_out_of_range");
    assert_eq!(err(&scores(80.0, 90.0)[..1]).code(), "missing_score");
    let mut more = scores(80.0, 90.0);
    more.push(("services".into(), 70.0));
    assert_eq!(err(&more).code(), "duplicate_score");
    more[2].0 = "other".into();
    assert_eq!(err(&more).code(), "unknown_criterion");
    let bad = Satisfaction {
        score: 120.0,
        ..SURVEY
    };
    let e = score(&scheme(), Some(&bad), &scores(1.0, 1.0)).unwrap_err();
    assert_eq!(e.code(), "satisfaction_out_of_range");
    let broken = Scheme {
        satisfaction_weight: 40,
        ..scheme()
    };
    let e = score(&broken, Some(&SURVEY), &scores(1.0, 1.0)).unwrap_err();
    assert_eq!(
        (e.code(), e.citation().is_some()),
        ("satisfaction_weight_too_low", true)
    );
}
