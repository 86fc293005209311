//! Meetings: the residents' meeting, the representatives' meeting and the deliberation meeting
//! (议事协商会). A meeting is drafted, its notice published at least the data file's number of
//! days ahead with the material, opened, and closed; it may decide only with its quorum present,
//! and a motion passes with the majority of those present (both from the data file).

use super::rules::{MeetingRules, Share};
use super::{OPINION_2015, Refusal};
use crate::Citation;
use serde::Serialize;
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    ResidentsMeeting,
    RepresentativesMeeting,
    Deliberation,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 3] = [
        MeetingKind::ResidentsMeeting,
        MeetingKind::RepresentativesMeeting,
        MeetingKind::Deliberation,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::ResidentsMeeting => "residents_meeting",
            MeetingKind::RepresentativesMeeting => "representatives_meeting",
            MeetingKind::Deliberation => "deliberation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            MeetingKind::ResidentsMeeting => "居民会议",
            MeetingKind::RepresentativesMeeting => "居民代表会议",
            MeetingKind::Deliberation => "议事协商会",
        }
    }
}

/// Who takes part (三、确定协商主体).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantCategory {
    Residents,
    Representatives,
    PropertyCompany,
    OwnersCommittee,
    LocalUnits,
    Department,
}

impl ParticipantCategory {
    pub const ALL: [ParticipantCategory; 6] = [
        ParticipantCategory::Residents,
        ParticipantCategory::Representatives,
        ParticipantCategory::PropertyCompany,
        ParticipantCategory::OwnersCommittee,
        ParticipantCategory::LocalUnits,
        ParticipantCategory::Department,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantCategory::Residents => "residents",
            ParticipantCategory::Representatives => "representatives",
            ParticipantCategory::PropertyCompany => "property_company",
            ParticipantCategory::OwnersCommittee => "owners_committee",
            ParticipantCategory::LocalUnits => "local_units",
            ParticipantCategory::Department => "department",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ParticipantCategory::Residents => "居民",
            ParticipantCategory::Representatives => "居民代表",
            ParticipantCategory::PropertyCompany => "物业服务企业",
            ParticipantCategory::OwnersCommittee => "业主委员会",
            ParticipantCategory::LocalUnits => "驻区单位",
            ParticipantCategory::Department => "相关职能部门",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    Draft,
    Noticed,
    Open,
    Closed,
    /// Called off before it was held (from draft or noticed); its agenda topics wait again.
    Cancelled,
}

impl MeetingState {
    pub const ALL: [MeetingState; 5] = [
        MeetingState::Draft,
        MeetingState::Noticed,
        MeetingState::Open,
        MeetingState::Closed,
        MeetingState::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Draft => "draft",
            MeetingState::Noticed => "noticed",
            MeetingState::Open => "open",
            MeetingState::Closed => "closed",
            MeetingState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            MeetingState::Draft => "筹备中",
            MeetingState::Noticed => "已发布通知",
            MeetingState::Open => "进行中",
            MeetingState::Closed => "已结束",
            MeetingState::Cancelled => "已取消",
        }
    }
}

/// The participants must be told about the meeting and its material in advance.
pub const NOTICE: Citation = Citation {
    document: OPINION_2015,
    clause: "五、规范协商程序（2）向参与协商的各类主体提前通报协商内容和相关信息（条文大意，待核对原文）",
};

/// The next state, or why not: draft → noticed → open → closed, one step at a time; a draft or
/// noticed meeting may be cancelled (an open one is closed or adjourned instead).
pub fn transition(from: MeetingState, to: MeetingState) -> Result<MeetingState, Refusal> {
    use MeetingState::*;
    match (from, to) {
        (Draft, Noticed) | (Noticed, Open) | (Open, Closed) => Ok(to),
        (Draft, Cancelled) | (Noticed, Cancelled) => Ok(to),
        (Draft, Open) => Err(Refusal::new(
            "notice_not_published",
            "会议通知还没有发布，不能开会。",
        )
        .citing(NOTICE)),
        _ => Err(Refusal::new(
            "meeting_wrong_state",
            format!("会议目前为“{}”，不能这样处理。", from.label_zh()),
        )),
    }
}

/// The notice is published on `today` for a meeting held on `held_on`: with material, and at
/// least the data file's number of days ahead for this kind of meeting — or, where the law allows
/// it (居民会议: 组织法第二十六条“遇有特殊情况的，可以临时通知居民”), sooner with the special
/// circumstance stated in `special_reason`, which the notice then shows. Never after the date.
pub fn check_notice(
    rules: &MeetingRules,
    kind: MeetingKind,
    today: Date,
    held_on: Date,
    material: &str,
    special_reason: &str,
) -> Result<(), Refusal> {
    let notice = &rules.kind(kind).notice;
    if material.trim().is_empty() {
        return Err(Refusal::new(
            "material_missing",
            "发布通知前请填写会议材料（议题的情况和相关信息），随通知一并公开。",
        )
        .cited(&notice.basis));
    }
    let days = (held_on - today).whole_days();
    if days < 0 {
        return Err(Refusal::new(
            "notice_too_late",
            format!("会议日期 {held_on} 已经过去，请改期后再发布通知。"),
        )
        .cited(&notice.basis));
    }
    if days >= notice.days {
        return Ok(());
    }
    if notice.special_circumstances && !special_reason.trim().is_empty() {
        return Ok(());
    }
    let how = if notice.special_circumstances {
        "请改期；遇有特殊情况可以临时通知，须在“特殊情况说明”里写明原因，随通知公开。"
    } else {
        "请改期。"
    };
    Err(Refusal::new(
        "notice_too_late",
        format!(
            "{}的通知至少要提前 {} 天发布；会议定在 {held_on}，今天发布只提前了 {days} 天，{how}",
            kind.label_zh(),
            notice.days,
        ),
    )
    .cited(&notice.basis))
}

/// Whether a notice published on `today` needs the special circumstance stated: the law allows
/// one for this kind and the notice is shorter than the period. A reason given when none is
/// needed is not kept (the notice would read "临时通知" when it was not).
pub fn needs_special_circumstance(
    rules: &MeetingRules,
    kind: MeetingKind,
    today: Date,
    held_on: Date,
) -> bool {
    let n = &rules.kind(kind).notice;
    let days = (held_on - today).whole_days();
    n.special_circumstances && (0..n.days).contains(&days)
}

/// The agenda's matters reserved to this kind of meeting, by name (those the community Party
/// organisation discusses first, 组织法第三十条第四款).
pub fn reserved_on_agenda<'r>(
    rules: &'r MeetingRules,
    kind: MeetingKind,
    matters: &[Option<&str>],
) -> Vec<&'r str> {
    matters
        .iter()
        .filter_map(|m| m.and_then(|k| rules.reserved(k)))
        .filter(|m| m.decided_by.iter().any(|k| k == kind.as_str()))
        .map(|m| m.name.as_str())
        .collect()
}

/// A noticed meeting opens on the day in its notice, not before: otherwise the notice period
/// could be skipped by noticing and opening on the same day.
pub fn check_opening(
    rules: &MeetingRules,
    kind: MeetingKind,
    today: Date,
    held_on: Date,
) -> Result<(), Refusal> {
    if today < held_on {
        return Err(Refusal::new(
            "meeting_not_yet",
            format!(
                "通知上的开会日期是 {held_on}，今天（{today}）还不能开会；通知期是为了让参与各方提前知道协商内容。"
            ),
        )
        .cited(&rules.kind(kind).notice.basis));
    }
    Ok(())
}

/// Whether `present` of `base` (those entitled to attend: residents over 18, households, or
/// group representatives) meet the kind's quorum.
pub fn check_quorum(
    rules: &MeetingRules,
    kind: MeetingKind,
    base: u64,
    present: u64,
) -> Result<(), Refusal> {
    let q: &Share = &rules.kind(kind).quorum;
    if present > base && base > 0 {
        return Err(Refusal::new(
            "attendance_exceeds_base",
            format!("出席人数 {present} 超过了应到人数 {base}。"),
        ));
    }
    let min = &rules.kind(kind).min_present;
    if present < min.count || !q.met(present, base) {
        return Err(Refusal::new(
            "below_quorum",
            format!(
                "{}应到 {base}，实到 {present}，未达到{}出席（至少 {} ），不能作出决定。",
                kind.label_zh(),
                q.describe(),
                q.smallest(base).max(min.count)
            ),
        )
        .cited(if present < min.count {
            &min.basis
        } else {
            &q.basis
        }));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    NotPassed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::NotPassed => "not_passed",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Passed => "通过",
            Outcome::NotPassed => "未通过",
        }
    }
}

/// The outcome of one motion: passed when those for meet the majority of those present (not of
/// those who voted: 出席人的过半数). The votes cannot exceed the attendance.
pub fn outcome(
    rules: &MeetingRules,
    kind: MeetingKind,
    present: u64,
    votes_for: u64,
    against: u64,
    abstain: u64,
) -> Result<Outcome, Refusal> {
    super::vote::check_tally(present, votes_for, against, abstain)?;
    let m = &rules.kind(kind).majority;
    Ok(if m.met(votes_for, present) {
        Outcome::Passed
    } else {
        Outcome::NotPassed
    })
}

/// A topic reserved to the residents (or their representatives) cannot be decided by another
/// kind of meeting.
pub fn check_reserved(
    rules: &MeetingRules,
    kind: MeetingKind,
    matter: Option<&str>,
) -> Result<(), Refusal> {
    let Some(m) = matter.and_then(|k| rules.reserved(k)) else {
        return Ok(());
    };
    if m.decided_by.iter().any(|k| k == kind.as_str()) {
        return Ok(());
    }
    let who: Vec<&str> = m
        .decided_by
        .iter()
        .filter_map(|k| MeetingKind::parse(k))
        .map(|k| k.label_zh())
        .collect();
    Err(Refusal::new(
        "reserved_for_residents",
        format!(
            "“{}”须由{}讨论决定，不能列入{}的议程。",
            m.name,
            who.join("或"),
            kind.label_zh()
        ),
    )
    .cited(&m.basis))
}

/// A matter the residents' (or representatives') meeting must decide is discussed by the
/// community Party organisation first (组织法第三十条第四款): the committee states the date, on
/// or before today. `matters` are the agenda topics' reserved-matter keys.
pub fn check_party_review(
    rules: &MeetingRules,
    kind: MeetingKind,
    matters: &[Option<&str>],
    reviewed_on: Option<Date>,
    today: Date,
) -> Result<(), Refusal> {
    if let Some(d) = reviewed_on {
        if d > today {
            return Err(Refusal::new(
                "party_review_in_future",
                format!("社区党组织研究讨论的日期 {d} 还没有到，请填写已经研究讨论的日期。"),
            )
            .cited(&rules.party_review));
        }
        return Ok(());
    }
    match reserved_on_agenda(rules, kind, matters).first() {
        None => Ok(()),
        Some(name) => Err(Refusal::new(
            "party_review_missing",
            format!(
                "议程中的“{name}”须由{}决定，应当先经社区党组织研究讨论：请填写研究讨论的日期。",
                kind.label_zh()
            ),
        )
        .cited(&rules.party_review)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliberation::rules;
    use time::macros::date;

    #[test]
    fn quorum_is_more_than_half_of_the_base() {
        let r = rules();
        let k = MeetingKind::ResidentsMeeting;
        let e = check_quorum(r, k, 100, 50).unwrap_err();
        assert_eq!(e.code, "below_quorum");
        assert!(e.explained().contains("第二十七条"));
        assert!(check_quorum(r, k, 100, 51).is_ok());
        // 第二十九条: two thirds or more of the representatives' meeting's members.
        let reps = MeetingKind::RepresentativesMeeting;
        assert!(check_quorum(r, reps, 30, 20).is_ok());
        let e = check_quorum(r, reps, 30, 19).unwrap_err();
        assert_eq!(e.code, "below_quorum");
        assert!(e.explained().contains("第二十九条"));
        assert_eq!(check_quorum(r, k, 10, 0).unwrap_err().code, "below_quorum");
        assert_eq!(
            check_quorum(r, k, 10, 11).unwrap_err().code,
            "attendance_exceeds_base"
        );
        // A deliberation meeting has no legal quorum, but somebody must be there.
        assert!(check_quorum(r, MeetingKind::Deliberation, 100, 3).is_ok());
    }

    #[test]
    fn the_fewest_present_comes_from_the_data_file() {
        let r = rules();
        let k = MeetingKind::Deliberation;
        let min = r.kind(k).min_present.count;
        assert!(min >= 1, "the shipped rules want somebody there");
        assert!(r.kind(k).min_present.basis.clause.contains("本区议事规则"));
        let e = check_quorum(r, k, 100, min - 1).unwrap_err();
        assert_eq!(e.code, "below_quorum");
        assert!(e.explained().contains("本区议事规则"), "{}", e.explained());
        assert!(check_quorum(r, k, 100, min).is_ok());
        // Another number in the file is another rule: no code change.
        let mut three = r.clone();
        for x in &mut three.kinds {
            x.min_present.count = 3;
        }
        assert_eq!(
            check_quorum(&three, k, 100, 2).unwrap_err().code,
            "below_quorum"
        );
        assert!(check_quorum(&three, k, 100, 3).is_ok());
        let mut none = r.clone();
        for x in &mut none.kinds {
            x.min_present.count = 0;
        }
        assert!(check_quorum(&none, k, 100, 0).is_ok());
    }

    #[test]
    fn a_meeting_opens_on_its_day_not_before() {
        let r = rules();
        let held_on = date!(2026 - 12 - 08);
        let e = check_opening(r, MeetingKind::Deliberation, date!(2026 - 12 - 07), held_on)
            .unwrap_err();
        assert_eq!(e.code, "meeting_not_yet");
        assert!(e.message.contains("2026-12-08"), "{}", e.message);
        assert!(e.explained().contains("41号"));
        assert!(check_opening(r, MeetingKind::Deliberation, held_on, held_on).is_ok());
        assert!(
            check_opening(r, MeetingKind::Deliberation, date!(2026 - 12 - 09), held_on).is_ok()
        );
    }

    #[test]
    fn majority_is_of_those_present_not_of_votes_cast() {
        let r = rules();
        let k = MeetingKind::ResidentsMeeting;
        // 60 present, 30 for, 10 against, 20 abstain: 30 is not more than half of 60.
        assert_eq!(outcome(r, k, 60, 30, 10, 20), Ok(Outcome::NotPassed));
        assert_eq!(outcome(r, k, 60, 31, 29, 0), Ok(Outcome::Passed));
        assert_eq!(
            outcome(r, k, 60, 40, 30, 0).unwrap_err().code,
            "tally_exceeds_attendance"
        );
    }

    #[test]
    fn notice_must_come_early_enough_and_carry_material() {
        let r = rules();
        let today = date!(2026 - 11 - 28);
        let in_days = |n: i64| today + time::Duration::days(n);
        for k in MeetingKind::ALL {
            let min = r.kind(k).notice.days;
            assert!(check_notice(r, k, today, in_days(min), "材料", "").is_ok());
            let e = check_notice(r, k, today, in_days(min - 1), "材料", "").unwrap_err();
            assert_eq!(e.code, "notice_too_late");
            assert_eq!(
                check_notice(r, k, today, in_days(30), " ", "")
                    .unwrap_err()
                    .code,
                "material_missing"
            );
            // Never after the date, whatever the reason.
            assert!(check_notice(r, k, today, in_days(-1), "材料", "停水抢修").is_err());
        }
        // 组织法第二十六条: a residents' meeting 10 days ahead, or at short notice in a special
        // circumstance that is stated.
        let res = MeetingKind::ResidentsMeeting;
        assert_eq!(r.kind(res).notice.days, 10);
        let e = check_notice(r, res, today, in_days(9), "材料", "").unwrap_err();
        assert!(e.explained().contains("第二十六条"), "{}", e.explained());
        assert!(e.explained().contains("特殊情况说明"));
        assert!(check_notice(r, res, today, in_days(0), "材料", "管道爆裂须当天决定").is_ok());
        assert!(check_notice(r, res, today, in_days(2), "材料", "  ").is_err());
        // Where the period is the district's own, no special circumstance shortens it.
        let reps = MeetingKind::RepresentativesMeeting;
        let short = in_days(r.kind(reps).notice.days - 1);
        assert!(check_notice(r, reps, today, short, "材料", "紧急").is_err());
    }

    #[test]
    fn a_special_circumstance_is_kept_only_where_it_shortens_a_legal_notice() {
        let r = rules();
        let today = date!(2026 - 11 - 28);
        let res = MeetingKind::ResidentsMeeting;
        let in_days = |n: i64| today + time::Duration::days(n);
        assert!(needs_special_circumstance(r, res, today, in_days(0)));
        assert!(needs_special_circumstance(r, res, today, in_days(9)));
        assert!(!needs_special_circumstance(r, res, today, in_days(10)));
        assert!(!needs_special_circumstance(r, res, today, in_days(-1)));
        let reps = MeetingKind::RepresentativesMeeting;
        assert!(!needs_special_circumstance(r, reps, today, in_days(1)));
        assert_eq!(
            reserved_on_agenda(r, res, &[None, Some("annual_report"), Some("nonsense")]).len(),
            1
        );
        assert!(
            reserved_on_agenda(r, MeetingKind::Deliberation, &[Some("annual_report")]).is_empty()
        );
    }

    #[test]
    fn reserved_matters_are_discussed_by_the_party_organisation_first() {
        let r = rules();
        let today = date!(2026 - 11 - 28);
        let k = MeetingKind::ResidentsMeeting;
        let e =
            check_party_review(r, k, &[None, Some("residents_compact")], None, today).unwrap_err();
        assert_eq!(e.code, "party_review_missing");
        assert!(
            e.explained().contains("第三十条第四款"),
            "{}",
            e.explained()
        );
        assert!(check_party_review(r, k, &[Some("residents_compact")], Some(today), today).is_ok());
        assert!(check_party_review(r, k, &[None], None, today).is_ok());
        let later = today + time::Duration::days(1);
        assert_eq!(
            check_party_review(r, k, &[Some("annual_report")], Some(later), today)
                .unwrap_err()
                .code,
            "party_review_in_future"
        );
    }

    #[test]
    fn states_move_one_step_at_a_time() {
        use MeetingState::*;
        assert_eq!(transition(Draft, Noticed), Ok(Noticed));
        assert_eq!(
            transition(Draft, Open).unwrap_err().code,
            "notice_not_published"
        );
        assert_eq!(
            transition(Closed, Open).unwrap_err().code,
            "meeting_wrong_state"
        );
        assert_eq!(transition(Draft, Cancelled), Ok(Cancelled));
        assert_eq!(transition(Noticed, Cancelled), Ok(Cancelled));
        for from in [Open, Closed, Cancelled] {
            assert_eq!(
                transition(from, Cancelled).unwrap_err().code,
                "meeting_wrong_state"
            );
        }
        assert_eq!(
            transition(Cancelled, Noticed).unwrap_err().code,
            "meeting_wrong_state"
        );
    }

    #[test]
    fn reserved_matters_go_to_the_residents() {
        let r = rules();
        let e = check_reserved(r, MeetingKind::Deliberation, Some("common_interest")).unwrap_err();
        assert_eq!(e.code, "reserved_for_residents");
        assert!(check_reserved(r, MeetingKind::ResidentsMeeting, Some("common_interest")).is_ok());
        assert!(check_reserved(r, MeetingKind::Deliberation, None).is_ok());
    }
}
