//! Results from counts. What is stored per community is only counts: how many answered, how often
//! each option and rating was chosen, how many responses had each satisfaction score (to a tenth),
//! and the free-text answers on their own. No stored row is one person's questionnaire, so results
//! cannot be cut down to a household.
//!
//! Results show only for a group of at least [`MIN_GROUP`] responses; with fewer than
//! [`MIN_TO_JUDGE`] the satisfaction score carries a warning that it cannot be relied on.

use super::answers::Answer;
use super::questionnaire::{QuestionKind, Questionnaire, scale_label};
use serde::Serialize;
use std::collections::HashMap;

/// Below this many responses a group's results are not shown at all: with two or three answers
/// anyone who knows who answered knows what they said.
pub const MIN_GROUP: u64 = 5;
/// Below this many scored responses the satisfaction score is too uncertain to judge a
/// community by.
pub const MIN_TO_JUDGE: u64 = 30;
/// The tally row counting responses (question numbers start at 1).
pub const TURNOUT: u32 = 0;
/// The value counting the responses that answered a multiple-choice question (its options are
/// counted each; this is the base of their shares).
pub const ANSWERED: i64 = -1;

/// One counter: `question` (from 1; [`TURNOUT`] counts responses), `value` (option index from 0,
/// or the rating itself), `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub question: u32,
    pub value: i64,
    pub count: u64,
}

/// What one response adds: the counters to increment, its score in tenths, its free text by
/// question number.
#[derive(Debug, Clone, PartialEq)]
pub struct Increments {
    pub counters: Vec<(u32, i64)>,
    pub score_tenths: Option<i64>,
    pub texts: Vec<(u32, String)>,
    /// The distinct terms of each free-text answer, by question number.
    pub terms: Vec<(u32, String)>,
}

pub fn increments(q: &Questionnaire, answers: &[Option<Answer>]) -> Increments {
    let mut counters = vec![(TURNOUT, 0)];
    let mut texts = Vec::new();
    let mut terms = Vec::new();
    for (i, a) in answers.iter().enumerate() {
        let n = i as u32 + 1;
        match a {
            Some(Answer::Choice(o)) => counters.push((n, *o as i64)),
            Some(Answer::Choices(os)) => {
                counters.push((n, ANSWERED));
                counters.extend(os.iter().map(|o| (n, *o as i64)));
            }
            Some(Answer::Rating(v)) => counters.push((n, i64::from(*v))),
            Some(Answer::Text(t)) => {
                counters.push((n, 0));
                terms.extend(terms_of(t).into_iter().map(|term| (n, term)));
                texts.push((n, t.clone()));
            }
            None => {}
        }
    }
    let score_tenths =
        super::answers::response_score(q, answers).map(|s| (s * 10.0).round() as i64);
    Increments {
        counters,
        score_tenths,
        texts,
        terms,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionScore {
    /// Responses with at least one rating.
    pub n: u64,
    /// 0–100, one decimal.
    pub mean: f64,
    /// The 95% confidence interval (Student's t), clamped to 0–100.
    pub low: f64,
    pub high: f64,
    /// At least [`MIN_TO_JUDGE`] scored responses.
    pub enough: bool,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom (table to 30, then
/// the Cornish–Fisher approximation, within 0.003 of the table values).
fn t975(df: u64) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => T[df as usize - 1],
        _ => {
            let z = 1.959964f64;
            z + (z.powi(3) + z) / (4.0 * df as f64)
        }
    }
}

/// What the score and its interval need of the response scores (in tenths, exact): how many,
/// their sum and the sum of their squares. Sums add up across communities, so a street's or the
/// district's figure is read as a few sums, not as every response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScoreMoments {
    pub n: u64,
    pub sum_tenths: i64,
    pub sum_sq_tenths: i64,
}

impl ScoreMoments {
    /// From a histogram of response scores (tenths, count).
    pub fn from_histogram(h: &[(i64, u64)]) -> Self {
        h.iter().fold(Self::default(), |m, (t, c)| Self {
            n: m.n + c,
            sum_tenths: m.sum_tenths + t * *c as i64,
            sum_sq_tenths: m.sum_sq_tenths + t * t * *c as i64,
        })
    }
}

impl std::ops::Add for ScoreMoments {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            n: self.n + o.n,
            sum_tenths: self.sum_tenths + o.sum_tenths,
            sum_sq_tenths: self.sum_sq_tenths + o.sum_sq_tenths,
        }
    }
}

/// The satisfaction score: the mean response score with its 95% interval.
pub fn satisfaction(m: &ScoreMoments) -> Option<SatisfactionScore> {
    let n = m.n;
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = m.sum_tenths as f64 / 10.0 / nf;
    let var = if n > 1 {
        // Exact in integers: n·Σx² − (Σx)², in tenths squared.
        let num = i128::from(n) * i128::from(m.sum_sq_tenths)
            - i128::from(m.sum_tenths) * i128::from(m.sum_tenths);
        num as f64 / 100.0 / (nf * (nf - 1.0))
    } else {
        f64::INFINITY
    };
    let half = t975(n - 1) * (var / nf).sqrt();
    Some(SatisfactionScore {
        n,
        mean: round1(mean),
        low: round1((mean - half).max(0.0)),
        high: round1((mean + half).min(100.0)),
        enough: n >= MIN_TO_JUDGE,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub label: String,
    pub count: u64,
    /// Of those who answered the question, one decimal.
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    pub number: usize,
    pub text: String,
    pub kind: QuestionKind,
    /// How many answered it. Fewer than [`MIN_GROUP`]: `rows` is empty.
    pub answered: u64,
    pub rows: Vec<Row>,
    /// Ratings: the mean rating put on 0–100.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyResults {
    pub responses: u64,
    /// Codes handed out (not voided).
    pub issued: u64,
    /// responses / issued, percent with one decimal.
    pub response_rate: Option<f64>,
    /// Fewer than [`MIN_GROUP`] responses: nothing below is shown.
    pub suppressed: bool,
    pub satisfaction: Option<SatisfactionScore>,
    pub questions: Vec<QuestionResult>,
}

/// Responses per code handed out, percent with one decimal; none before any code is out.
pub fn response_rate(responses: u64, issued: u64) -> Option<f64> {
    (issued > 0).then(|| round1(responses as f64 / issued as f64 * 100.0))
}

/// Results of one group (a community, or all communities added together).
pub fn results(
    q: &Questionnaire,
    tallies: &[Tally],
    moments: &ScoreMoments,
    issued: u64,
) -> SurveyResults {
    let mut counts: HashMap<(u32, i64), u64> = HashMap::new();
    for t in tallies {
        *counts.entry((t.question, t.value)).or_default() += t.count;
    }
    let get = |q: u32, v: i64| counts.get(&(q, v)).copied().unwrap_or(0);
    let responses = get(TURNOUT, 0);
    let response_rate = response_rate(responses, issued);
    let suppressed = responses < MIN_GROUP;
    if suppressed {
        return SurveyResults {
            responses,
            issued,
            response_rate,
            suppressed,
            satisfaction: None,
            questions: Vec::new(),
        };
    }
    let questions = q
        .questions
        .iter()
        .enumerate()
        .map(|(i, question)| {
            let number = i as u32 + 1;
            let labelled: Vec<(String, u64, i64)> = match question.kind {
                QuestionKind::Single | QuestionKind::Multiple => question
                    .options
                    .iter()
                    .enumerate()
                    .map(|(o, label)| (label.clone(), get(number, o as i64), o as i64))
                    .collect(),
                QuestionKind::Rating => (1..=question.scale)
                    .rev()
                    .map(|v| {
                        let word = scale_label(v, question.scale);
                        let label = if word.is_empty() {
                            format!("{v} 分")
                        } else {
                            format!("{v} 分（{word}）")
                        };
                        (label, get(number, i64::from(v)), i64::from(v))
                    })
                    .collect(),
                QuestionKind::Text => Vec::new(),
            };
            // How many people answered: for a multiple choice its own counter, else the sum.
            let answered: u64 = match question.kind {
                QuestionKind::Multiple => get(number, ANSWERED),
                // A text answer counts once, as value 0.
                QuestionKind::Text => get(number, 0),
                _ => labelled.iter().map(|(_, c, _)| c).sum(),
            };
            let base = answered;
            // Fewer than MIN_GROUP answered (a follow-up few were asked): show nothing of it.
            let labelled = if answered < MIN_GROUP {
                Vec::new()
            } else {
                labelled
            };
            let score =
                (question.kind == QuestionKind::Rating && !labelled.is_empty()).then(|| {
                    let sum: f64 = labelled
                        .iter()
                        .map(|(_, c, v)| {
                            (*v - 1) as f64 / f64::from(question.scale - 1) * 100.0 * *c as f64
                        })
                        .sum();
                    round1(sum / answered as f64)
                });
            QuestionResult {
                number: i + 1,
                text: question.text.clone(),
                kind: question.kind,
                answered,
                rows: labelled
                    .into_iter()
                    .map(|(label, count, _)| Row {
                        label,
                        count,
                        percent: if base == 0 {
                            0.0
                        } else {
                            round1(count as f64 / base as f64 * 100.0)
                        },
                    })
                    .collect(),
                score,
            }
        })
        .collect();
    SurveyResults {
        responses,
        issued,
        response_rate,
        suppressed,
        satisfaction: satisfaction(moments),
        questions,
    }
}

/// What the district sees of free text (only the community reads it in full): how many wrote
/// something and the two-character terms that recur across answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextSummary {
    pub count: u64,
    /// Terms found in at least two answers, most frequent first, at most ten.
    pub terms: Vec<(String, u64)>,
}

fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Common function-word pairs that say nothing about a community's work.
const STOP: [&str; 12] = [
    "我们", "希望", "社区", "没有", "可以", "一些", "这个", "什么", "非常", "还是", "就是", "能够",
];

/// The distinct two-character terms of one answer, common function words left out.
pub fn terms_of(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut seen: Vec<String> = Vec::new();
    for w in chars.windows(2) {
        if is_han(w[0]) && is_han(w[1]) {
            let term: String = w.iter().collect();
            if !STOP.contains(&term.as_str()) && !seen.contains(&term) {
                seen.push(term);
            }
        }
    }
    seen
}

/// The summary from how many answers wrote something and how many used each term.
pub fn summarise(count: u64, term_counts: impl IntoIterator<Item = (String, u64)>) -> TextSummary {
    let mut terms: Vec<(String, u64)> = term_counts.into_iter().filter(|(_, c)| *c >= 2).collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(10);
    TextSummary { count, terms }
}

#[cfg(test)]
mod tests {
    use super::super::answers::check_answers;
    use super::super::questionnaire::standard_template;
    use super::*;

    fn tallies(pairs: &[(u32, i64, u64)]) -> Vec<Tally> {
        pairs
            .iter()
            .map(|&(question, value, count)| Tally {
                question,
                value,
                count,
            })
            .collect()
    }

    #[test]
    fn a_response_adds_one_to_turnout_and_one_per_choice() {
        let q = standard_template(2026);
        let fields: Vec<(String, String)> = [
            ("q1", "1"),
            ("q3", "5"),
            ("q4", "4"),
            ("q5", "1"),
            ("q6", "0"),
            ("q6", "3"),
            ("q7", "停车难"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let a = check_answers(&q, &fields).unwrap();
        let inc = increments(&q, &a);
        assert_eq!(
            inc.counters,
            vec![
                (0, 0),
                (1, 1),
                (3, 5),
                (4, 4),
                (5, 1),
                (6, -1),
                (6, 0),
                (6, 3),
                (7, 0)
            ]
        );
        assert_eq!(
            inc.terms,
            vec![(7, "停车".to_string()), (7, "车难".to_string())]
        );
        // (100 + 75 + 0) / 3 = 58.33… → 583 tenths
        assert_eq!(inc.score_tenths, Some(583));
        assert_eq!(inc.texts, vec![(7, "停车难".to_string())]);
    }

    #[test]
    fn the_score_and_its_interval_follow_the_t_distribution() {
        // 10 responses at 80, 10 at 60: mean 70, sd 10.26, t(19) = 2.093 → ±4.8
        let h = |v: &[(i64, u64)]| ScoreMoments::from_histogram(v);
        let s = satisfaction(&h(&[(800, 10), (600, 10)])).unwrap();
        assert_eq!((s.n, s.mean, s.low, s.high), (20, 70.0, 65.2, 74.8));
        assert!(!s.enough, "20 responses are too few to judge");
        let many = satisfaction(&h(&[(800, 100), (600, 100)])).unwrap();
        assert!(many.enough);
        assert!(
            many.high - many.low < 3.0,
            "more answers, narrower interval"
        );
        assert_eq!(satisfaction(&h(&[])), None);
        let one = satisfaction(&h(&[(900, 1)])).unwrap();
        assert_eq!((one.low, one.high), (0.0, 100.0), "one answer says nothing");
    }

    #[test]
    fn small_groups_show_nothing_but_turnout() {
        let q = standard_template(2026);
        let r = results(
            &q,
            &tallies(&[(0, 0, 4), (3, 5, 4)]),
            &ScoreMoments::from_histogram(&[(1000, 4)]),
            10,
        );
        assert!(r.suppressed);
        assert!(r.questions.is_empty() && r.satisfaction.is_none());
        assert_eq!((r.responses, r.response_rate), (4, Some(40.0)));
    }

    #[test]
    fn distributions_are_shares_of_those_who_answered() {
        let q = standard_template(2026);
        let r = results(
            &q,
            &tallies(&[
                (0, 0, 8),
                (1, 0, 6),
                (1, 1, 2),
                (3, 5, 6),
                (3, 1, 2),
                (6, -1, 5),
                (6, 2, 4),
                (2, 4, 2),
            ]),
            &ScoreMoments::from_histogram(&[(1000, 6), (0, 2)]),
            16,
        );
        assert_eq!(r.response_rate, Some(50.0));
        assert_eq!(r.questions[0].rows[0].percent, 75.0);
        assert_eq!(r.questions[2].rows[0].label, "5 分（很满意）");
        assert_eq!(r.questions[2].score, Some(75.0));
        // A multiple choice is a share of those who answered it: 4 of 5 chose 停车管理.
        assert_eq!(r.questions[5].rows[2].percent, 80.0);
        // Two people answered the follow-up: too few to show.
        assert_eq!(r.questions[1].answered, 2);
        assert!(r.questions[1].rows.is_empty() && r.questions[1].score.is_none());
        assert_eq!(r.satisfaction.unwrap().mean, 75.0);
    }

    #[test]
    fn free_text_is_summarised_by_recurring_terms() {
        let mut counts: HashMap<String, u64> = HashMap::new();
        let texts = [
            "停车太难了",
            "晚上停车难，停车位少",
            "希望多办活动",
            "老人活动少",
        ];
        for t in texts {
            for term in terms_of(t) {
                *counts.entry(term).or_default() += 1;
            }
        }
        assert_eq!(
            terms_of("停车停车"),
            vec!["停车", "车停"],
            "each term once per answer"
        );
        let s = summarise(4, counts);
        assert_eq!(s.count, 4);
        assert_eq!(s.terms, vec![("停车".into(), 2), ("活动".into(), 2)]);
    }

    #[test]
    fn moments_add_up_across_communities() {
        let a = ScoreMoments::from_histogram(&[(800, 10)]);
        let b = ScoreMoments::from_histogram(&[(600, 10)]);
        assert_eq!(a + b, ScoreMoments::from_histogram(&[(800, 10), (600, 10)]));
    }
}
