//! The district's comprehensive evaluation of communities (社区工作综合考评). 三(三): "区社会办负责
//! 建立健全以街道自荐申报为主要形式，以社区居民满意度为主要标准的社区工作综合考评机制，将社区各项
//! 工作任务纳入和谐社区建设工作范畴。取消对社区的‘一票否决’事项。" 二(二): "将居民满意程度作为
//! 评价社区工作的重要指标".
//!
//! - [`Scheme`] / [`check_scheme`]: the yearly scoring scheme. Satisfaction weighs at least 50%
//!   (60% by default), the other criteria make up the rest to exactly 100%, none is a veto.
//! - [`Cycle`] / [`phase`]: 自荐申报 → 评分 → 待公布 → 已公布, from the cycle's days.
//! - [`check_self_report`]: the street's self-report (自荐申报材料).
//! - [`score`]: the scorecard; without enough survey answers it is flagged as not final rather
//!   than counting the community as unsatisfactory.

use crate::gate::rules::{cite, clause};
use crate::inventory::status::{format_day, parse_day};
use crate::text::{InputText, TextError};
use serde::{Deserialize, Serialize};
use time::Date;

/// 三(三) and 二(二): satisfaction is the main standard.
pub const MAIN_STANDARD: &str = "三(三) 以社区居民满意度为主要标准的社区工作综合考评机制；二(二) 将居民满意程度作为评价社区工作的重要指标";
/// 三(三): the street's self-report is the main form.
pub const SELF_REPORT: &str = "三(三) 以街道自荐申报为主要形式";

pub const DEFAULT_SATISFACTION_WEIGHT: u32 = 60;
pub const MIN_SATISFACTION_WEIGHT: u32 = 50;
pub const MAX_CRITERIA: usize = 12;
pub const MAX_NAME_CHARS: usize = 40;
pub const MAX_KEY_CHARS: usize = 40;
pub const SELF_REPORT_MIN_CHARS: usize = 20;
pub const SELF_REPORT_MAX_CHARS: usize = 2000;
/// The satisfaction part's key and name in a [`Scorecard`]; no criterion may use the key.
pub const SATISFACTION_KEY: &str = "satisfaction";
pub const SATISFACTION_NAME: &str = "居民满意度";
pub const WARN_SATISFACTION_MISSING: &str = "满意度答卷不足，无法评判；综合得分暂不成立";

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

// ---------------------------------------------------------------- the scheme

/// One criterion besides satisfaction, e.g. 和谐社区建设 or an evaluation folded in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable machine key: `a-z`, `0-9`, `_`.
    pub key: String,
    pub name: String,
    /// Percent.
    pub weight: u32,
    /// Id of a registered evaluation folded in (registry outcome `folded_in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<String>,
}

/// The scoring scheme of one yearly cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheme {
    /// Percent.
    pub satisfaction_weight: u32,
    pub criteria: Vec<Criterion>,
}

impl Scheme {
    pub const fn default_weight() -> u32 {
        DEFAULT_SATISFACTION_WEIGHT
    }
}

/// Why a scheme is refused. The message is the `Display` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    #[error("居民满意度是主要标准，权重不得低于 {min}%（现为 {0}%）", min = MIN_SATISFACTION_WEIGHT)]
    SatisfactionWeightTooLow(u32),
    #[error("居民满意度权重不能超过 100%（现为 {0}%）")]
    SatisfactionWeightTooHigh(u32),
    #[error("除满意度外最多设 {max} 项考评内容（现有 {0} 项），请合并精简", max = MAX_CRITERIA)]
    TooManyCriteria(usize),
    /// The criterion's place, from 1.
    #[error("第 {0} 项考评内容未填写名称")]
    NameEmpty(usize),
    #[error("考评内容“{0}”的名称最多 {max} 个字", max = MAX_NAME_CHARS)]
    NameTooLong(String),
    #[error("考评内容“{0}”的代码“{1}”无效：须为 1～{max} 位小写字母、数字或下划线", max = MAX_KEY_CHARS)]
    KeyInvalid(String, String),
    #[error("考评内容“{0}”的代码不能用“{SATISFACTION_KEY}”，它留给居民满意度")]
    KeyReserved(String),
    #[error("考评内容代码“{0}”重复")]
    DuplicateKey(String),
    #[error("考评内容“{0}”重复，请合并为一项")]
    DuplicateName(String),
    #[error("考评内容“{0}”的权重至少为 1%")]
    WeightZero(String),
    #[error(
        "“{0}”是一票否决事项：对社区的“一票否决”已经取消，不能设为考评内容；确需考评的，作为普通内容按权重计分"
    )]
    OneVoteVeto(String),
    #[error("登记的考核评比“{0}”被纳入了两项考评内容，只能纳入一项")]
    EvaluationFoldedTwice(String),
    #[error("居民满意度权重与各项考评内容权重合计须为 100%，现为 {0}%")]
    WeightsDoNotSum(u64),
}

impl SchemeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::SatisfactionWeightTooLow(_) => "satisfaction_weight_too_low",
            Self::SatisfactionWeightTooHigh(_) => "satisfaction_weight_too_high",
            Self::TooManyCriteria(_) => "too_many_criteria",
            Self::NameEmpty(_) => "criterion_name_empty",
            Self::NameTooLong(_) => "criterion_name_too_long",
            Self::KeyInvalid(..) => "criterion_key_invalid",
            Self::KeyReserved(_) => "criterion_key_reserved",
            Self::DuplicateKey(_) => "criterion_key_duplicate",
            Self::DuplicateName(_) => "criterion_name_duplicate",
            Self::WeightZero(_) => "criterion_weight_zero",
            Self::OneVoteVeto(_) => "one_vote_veto",
            Self::EvaluationFoldedTwice(_) => "evaluation_folded_twice",
            Self::WeightsDoNotSum(_) => "weights_do_not_sum_to_100",
        }
    }
    pub fn message(&self) -> String {
        self.to_string()
    }
    pub fn citation(&self) -> Option<String> {
        match self {
            Self::SatisfactionWeightTooLow(_) => Some(cite(MAIN_STANDARD)),
            Self::OneVoteVeto(_) => Some(cite(clause::VETO)),
            _ => None,
        }
    }
}

/// A name that sets up a veto: "一票否决", "否决" (also in traditional characters), "veto".
fn is_veto(name: &str) -> bool {
    let s = fast2s::convert(name);
    s.contains("否决") || s.to_ascii_lowercase().contains("veto")
}

fn key_ok(key: &str) -> bool {
    let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
    (1..=MAX_KEY_CHARS).contains(&key.len()) && key.bytes().all(ok)
}

/// Checks a scheme; names, keys and evaluation ids are compared trimmed. The first problem is
/// returned: satisfaction weight, number of criteria, each criterion in turn (name, veto, key,
/// weight, duplicates), then the sum.
pub fn check_scheme(s: &Scheme) -> Result<(), SchemeError> {
    use SchemeError as E;
    let weight = s.satisfaction_weight;
    if weight < MIN_SATISFACTION_WEIGHT {
        return Err(E::SatisfactionWeightTooLow(weight));
    }
    if weight > 100 {
        return Err(E::SatisfactionWeightTooHigh(weight));
    }
    if s.criteria.len() > MAX_CRITERIA {
        return Err(E::TooManyCriteria(s.criteria.len()));
    }
    let (mut names, mut keys, mut evaluations) = (Vec::new(), Vec::new(), Vec::new());
    for (i, c) in s.criteria.iter().enumerate() {
        let (name, key) = (c.name.trim(), c.key.trim());
        let named = || name.to_string();
        if name.is_empty() {
            return Err(E::NameEmpty(i + 1));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(E::NameTooLong(named()));
        }
        if is_veto(name) || is_veto(key) {
            return Err(E::OneVoteVeto(named()));
        }
        if !key_ok(key) {
            return Err(E::KeyInvalid(named(), key.into()));
        }
        if key == SATISFACTION_KEY {
            return Err(E::KeyReserved(named()));
        }
        if c.weight == 0 {
            return Err(E::WeightZero(named()));
        }
        if names.contains(&name) {
            return Err(E::DuplicateName(named()));
        }
        if keys.contains(&key) {
            return Err(E::DuplicateKey(key.into()));
        }
        let evaluation = c.evaluation.as_deref().map(str::trim);
        if let Some(e) = evaluation.filter(|e| !e.is_empty()) {
            if evaluations.contains(&e) {
                return Err(E::EvaluationFoldedTwice(e.into()));
            }
            evaluations.push(e);
        }
        names.push(name);
        keys.push(key);
    }
    let sum = u64::from(weight) + s.criteria.iter().map(|c| u64::from(c.weight)).sum::<u64>();
    if sum != 100 {
        return Err(E::WeightsDoNotSum(sum));
    }
    Ok(())
}

// ---------------------------------------------------------------- the cycle

/// Days as `YYYY-MM-DD` in JSON.
mod day {
    use super::{Date, format_day, parse_day};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_day(*d))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(d)?;
        parse_day(&raw).ok_or_else(|| D::Error::custom(format!("not a day: {raw}")))
    }
}

/// One yearly cycle. Both closing days are Beijing days and inclusive (see [`phase`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    pub year: i32,
    #[serde(with = "day")]
    pub nominations_close: Date,
    #[serde(with = "day")]
    pub scoring_close: Date,
    pub published: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Nominating,
    Scoring,
    AwaitingPublication,
    Published,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Nominating => "nominating",
            Phase::Scoring => "scoring",
            Phase::AwaitingPublication => "awaiting_publication",
            Phase::Published => "published",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::Nominating => "自荐申报中",
            Phase::Scoring => "评分中",
            Phase::AwaitingPublication => "评分结束，待公布",
            Phase::Published => "已公布",
        }
    }
}

/// The phase on `today` (a Beijing day, e.g. [`crate::clock::beijing_date`]). Nominations are
/// taken all day on `nominations_close`; scoring runs from the day after through all of
/// `scoring_close`; from the day after that the results await publication. Once published,
/// always published, whatever the day.
pub fn phase(c: &Cycle, today: Date) -> Phase {
    if c.published {
        Phase::Published
    } else if today <= c.nominations_close {
        Phase::Nominating
    } else if today <= c.scoring_close {
        Phase::Scoring
    } else {
        Phase::AwaitingPublication
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CycleError {
    /// The field's label and what was typed.
    #[error("“{0}”应为日期，如 2026-12-31（现为“{1}”）")]
    BadDate(&'static str, String),
    #[error("考评年度 {0} 不在 2000～2100 之间")]
    YearOutOfRange(i32),
    #[error("评分截止日（{}）须晚于自荐申报截止日（{}）", format_day(*.1), format_day(*.0))]
    ScoringClosesFirst(Date, Date),
}

impl CycleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadDate(..) => "bad_date",
            Self::YearOutOfRange(_) => "year_out_of_range",
            Self::ScoringClosesFirst(..) => "scoring_closes_before_nominations",
        }
    }
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// The year is within 2000..=2100 and nominations close strictly before scoring does.
pub fn check_cycle_dates(c: &Cycle) -> Result<(), CycleError> {
    if !(2000..=2100).contains(&c.year) {
        return Err(CycleError::YearOutOfRange(c.year));
    }
    if c.nominations_close >= c.scoring_close {
        let (n, s) = (c.nominations_close, c.scoring_close);
        return Err(CycleError::ScoringClosesFirst(n, s));
    }
    Ok(())
}

/// A new, unpublished cycle from typed days ([`parse_day`]: `YYYY-MM-DD`, full-width too), checked.
pub fn new_cycle(year: i32, nominations: &str, scoring: &str) -> Result<Cycle, CycleError> {
    let day = |label, raw: &str| {
        parse_day(raw).ok_or_else(|| CycleError::BadDate(label, raw.trim().into()))
    };
    let c = Cycle {
        year,
        nominations_close: day("自荐申报截止日", nominations)?,
        scoring_close: day("评分截止日", scoring)?,
        published: false,
    };
    check_cycle_dates(&c)?;
    Ok(c)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhaseError {
    #[error("本年度自荐申报已截止")]
    NominationsClosed,
    #[error("自荐申报截止后才开始评分")]
    ScoringNotOpen,
    #[error("本年度评分已截止，得分不能再改")]
    ScoringClosed,
    #[error("评分截止后才能公布结果")]
    ScoringNotClosed,
    #[error("还有申报的社区未评分，全部评完才能公布；评分已截止的，请先延长评分截止日再补评")]
    NotAllScored,
    #[error("本年度考评结果已经公布")]
    AlreadyPublished,
}

impl PhaseError {
    pub fn code(self) -> &'static str {
        match self {
            Self::NominationsClosed => "nominations_closed",
            Self::ScoringNotOpen => "scoring_not_open",
            Self::ScoringClosed => "scoring_closed",
            Self::ScoringNotClosed => "scoring_not_closed",
            Self::NotAllScored => "not_all_scored",
            Self::AlreadyPublished => "already_published",
        }
    }
    pub fn message(self) -> String {
        self.to_string()
    }
}

pub fn may_nominate(p: Phase) -> Result<(), PhaseError> {
    match p {
        Phase::Nominating => Ok(()),
        _ => Err(PhaseError::NominationsClosed),
    }
}

pub fn may_score(p: Phase) -> Result<(), PhaseError> {
    match p {
        Phase::Nominating => Err(PhaseError::ScoringNotOpen),
        Phase::Scoring => Ok(()),
        Phase::AwaitingPublication | Phase::Published => Err(PhaseError::ScoringClosed),
    }
}

/// Only after scoring has closed, only once, and with every nominated community scored.
pub fn may_publish(p: Phase, all_scored: bool) -> Result<(), PhaseError> {
    match p {
        Phase::Published => Err(PhaseError::AlreadyPublished),
        Phase::Nominating | Phase::Scoring => Err(PhaseError::ScoringNotClosed),
        Phase::AwaitingPublication if !all_scored => Err(PhaseError::NotAllScored),
        Phase::AwaitingPublication => Ok(()),
    }
}

// ---------------------------------------------------------------- the self-report

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SelfReportError {
    #[error("自荐申报材料至少 {min} 个字（现有 {0} 个）：请写明社区一年来的工作和居民的评价", min = SELF_REPORT_MIN_CHARS)]
    TooShort(usize),
    #[error("自荐申报材料最多 {max} 个字（现有 {0} 个），请精简", max = SELF_REPORT_MAX_CHARS)]
    TooLong(usize),
    #[error("{}", .0.message("自荐申报材料"))]
    Text(TextError),
}

impl SelfReportError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort(_) => "self_report_too_short",
            Self::TooLong(_) => "self_report_too_long",
            Self::Text(e) => e.code(),
        }
    }
    pub fn message(&self) -> String {
        self.to_string()
    }
    pub fn citation(&self) -> Option<String> {
        matches!(self, Self::TooShort(_)).then(|| cite(SELF_REPORT))
    }
}

/// The street's self-report, trimmed; 20..=2000 characters (not bytes); no control characters.
pub fn check_self_report(text: &str) -> Result<String, SelfReportError> {
    let t = InputText::paragraph(text, SELF_REPORT_MAX_CHARS).map_err(|e| match e {
        TextError::TooLong { got, .. } => SelfReportError::TooLong(got),
        e => SelfReportError::Text(e),
    })?;
    let got = t.chars().count();
    if got < SELF_REPORT_MIN_CHARS {
        return Err(SelfReportError::TooShort(got));
    }
    Ok(t.into_string())
}

// ---------------------------------------------------------------- scoring

/// The survey's verdict on one community (`survey::SatisfactionScore`'s `mean`, `n`, `enough`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// 0..=100.
    pub score: f64,
    pub responses: u32,
    /// False when too few answered to judge.
    pub enough: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub key: String,
    pub name: String,
    /// Percent.
    pub weight: u32,
    /// 0..=100.
    pub score: f64,
    /// `weight × score / 100`.
    pub contribution: f64,
}

impl Part {
    /// Points lost against full marks: `weight × (100 − score) / 100`.
    pub fn lost(&self) -> f64 {
        f64::from(self.weight) * (100.0 - self.score) / 100.0
    }
    /// "居民满意度 72.0 分（权重 60%）贡献 43.2 分，失分 16.8".
    pub fn describe(&self) -> String {
        let (n, s, w, c) = (&self.name, self.score, self.weight, self.contribution);
        format!(
            "{n} {s:.1} 分（权重 {w}%）贡献 {c:.1} 分，失分 {:.1}",
            self.lost()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// 0..=100, one decimal. Not final while `satisfaction_missing`.
    pub total: f64,
    /// Satisfaction first, then the criteria in the scheme's order.
    pub parts: Vec<Part>,
    pub satisfaction_missing: bool,
    pub warnings: Vec<String>,
}

impl Scorecard {
    pub fn is_final(&self) -> bool {
        !self.satisfaction_missing
    }
    /// What drove the score: parts by points lost, largest first (ties keep the scheme's order).
    /// A missing satisfaction part is left out: nothing is known of it, so it drove nothing.
    pub fn drivers(&self) -> Vec<&Part> {
        let unknown = |p: &&Part| self.satisfaction_missing && p.key == SATISFACTION_KEY;
        let mut v: Vec<&Part> = self.parts.iter().filter(|p| !unknown(p)).collect();
        v.sort_by(|a, b| b.lost().total_cmp(&a.lost()));
        v
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    #[error("{0}")]
    Scheme(SchemeError),
    #[error("满意度得分须在 0～100 之间（现为 {0}）")]
    SatisfactionOutOfRange(f64),
    #[error("本年度考评方案中没有代码为“{0}”的考评内容")]
    UnknownCriterion(String),
    #[error("“{0}”打了不止一个分，只能有一个")]
    DuplicateScore(String),
    #[error("“{0}”还没有打分")]
    MissingScore(String),
    #[error("“{0}”的得分须在 0～100 之间（现为 {1}）")]
    OutOfRange(String, f64),
}

impl ScoreError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Scheme(e) => e.code(),
            Self::SatisfactionOutOfRange(_) => "satisfaction_out_of_range",
            Self::UnknownCriterion(_) => "unknown_criterion",
            Self::DuplicateScore(_) => "duplicate_score",
            Self::MissingScore(_) => "missing_score",
            Self::OutOfRange(..) => "score_out_of_range",
        }
    }
    pub fn message(&self) -> String {
        self.to_string()
    }
    pub fn citation(&self) -> Option<String> {
        match self {
            Self::Scheme(e) => e.citation(),
            _ => None,
        }
    }
}

fn in_range(x: f64) -> bool {
    (0.0..=100.0).contains(&x)
}

/// Scores one community. The scheme is checked first; every criterion needs exactly one score in
/// 0..=100 (keys compared trimmed). Without enough survey answers the satisfaction part counts 0
/// in `total`, but the card says so (`satisfaction_missing`, a warning) and is not final: an
/// absence of answers is not dissatisfaction.
pub fn score(
    scheme: &Scheme,
    satisfaction: Option<&Satisfaction>,
    criterion_scores: &[(String, f64)],
) -> Result<Scorecard, ScoreError> {
    use ScoreError as E;
    check_scheme(scheme).map_err(E::Scheme)?;
    let judged = satisfaction.filter(|s| s.enough);
    if let Some(s) = judged.filter(|s| !in_range(s.score)) {
        return Err(E::SatisfactionOutOfRange(s.score));
    }
    let part = |key: &str, name: &str, weight: u32, score: f64| Part {
        key: key.into(),
        name: name.into(),
        weight,
        score,
        contribution: f64::from(weight) * score / 100.0,
    };
    let satisfaction_score = judged.map_or(0.0, |s| s.score);
    let weight = scheme.satisfaction_weight;
    let mut parts = vec![part(
        SATISFACTION_KEY,
        SATISFACTION_NAME,
        weight,
        satisfaction_score,
    )];
    if let Some((key, _)) = criterion_scores
        .iter()
        .find(|(k, _)| !scheme.criteria.iter().any(|c| c.key.trim() == k.trim()))
    {
        return Err(E::UnknownCriterion(key.trim().into()));
    }
    for c in &scheme.criteria {
        let (key, name) = (c.key.trim(), c.name.trim());
        let mut given = criterion_scores.iter().filter(|(k, _)| k.trim() == key);
        let s = match (given.next(), given.next()) {
            (None, _) => return Err(E::MissingScore(name.into())),
            (Some(_), Some(_)) => return Err(E::DuplicateScore(name.into())),
            (Some((_, s)), None) => *s,
        };
        if !in_range(s) {
            return Err(E::OutOfRange(name.into(), s));
        }
        parts.push(part(key, name, c.weight, s));
    }
    let total = round1(parts.iter().map(|p| p.contribution).sum::<f64>()).clamp(0.0, 100.0);
    let warnings = match (judged, satisfaction) {
        (Some(_), _) => vec![],
        (None, Some(s)) => vec![format!(
            "{WARN_SATISFACTION_MISSING}（仅 {} 份答卷）",
            s.responses
        )],
        (None, None) => vec![format!("{WARN_SATISFACTION_MISSING}（尚无满意度调查结果）")],
    };
    Ok(Scorecard {
        total,
        parts,
        satisfaction_missing: judged.is_none(),
        warnings,
    })
}

#[cfg(test)]
mod tests;
