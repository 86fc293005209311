//! Text screening: the gate does not trust a title. Free text is normalised (spaces and
//! punctuation removed) and searched for the lists' terms. It also reads *who does what*: a term
//! of the negative list counts only where the text makes it the community's task or target, or
//! makes the community the responsible subject, clause by clause; a mere mention does not (issue 8:
//! "宣传优化营商环境政策" is not 招商引资, "协助城管部门宣传" does not make the community the
//! enforcer). What matched is named in the reason, so a department can see why.

/// Removes whitespace and punctuation so "招 商-引 资" still reads 招商引资.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_plain(c) {
            out.push(c);
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Already normal: a CJK ideograph, a lower-case ASCII letter or a digit. Checked first because
/// Unicode's alphabetic lookup for CJK is slow and the gate asks it for every character of every
/// term on every request.
fn is_plain(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | 'a'..='z' | '0'..='9')
}

/// Clause boundaries: a responsibility word in one clause does not reach a term in the next.
fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '，' | ','
            | '。'
            | '；'
            | ';'
            | '：'
            | ':'
            | '、'
            | '！'
            | '!'
            | '？'
            | '?'
            | '\n'
            | '（'
            | '）'
            | '('
            | ')'
    )
}

/// A text normalised once, then searched many times (every negative item, every department duty,
/// the responsibility, task, service and digital-burden words), whole and clause by clause.
#[derive(Debug, Clone)]
pub struct Screened {
    whole: String,
    clauses: Vec<String>,
}

fn norm_term(term: &str) -> std::borrow::Cow<'_, str> {
    // Terms are normally written without punctuation or capitals (Chinese has none): borrow them;
    // normalise only the others. This runs for every term of every list on every request.
    if term
        .chars()
        .all(|c| is_plain(c) || (c.is_alphanumeric() && !c.is_uppercase()))
    {
        std::borrow::Cow::Borrowed(term)
    } else {
        std::borrow::Cow::Owned(normalise(term))
    }
}

impl Screened {
    pub fn new(text: &str) -> Self {
        let clauses = text
            .split(is_clause_break)
            .map(normalise)
            .filter(|c| !c.is_empty())
            .collect();
        Self {
            whole: normalise(text),
            clauses,
        }
    }

    fn has(&self, term: &str) -> bool {
        let t = norm_term(term);
        !t.is_empty() && self.whole.contains(t.as_ref())
    }

    /// The first term of `terms` found in the text, if any.
    pub fn find_term<'a>(&self, terms: &'a [String]) -> Option<&'a str> {
        terms.iter().map(String::as_str).find(|t| self.has(t))
    }

    /// The first of `terms` that some clause gives the community as its task or target: the
    /// clause holds the term and a task word (任务、指标、完成、开展…). Returns the term and the
    /// task word. Publicity about a subject (宣传…政策) carries no task word and does not count.
    pub fn find_as_task<'a>(&self, terms: &'a [String]) -> Option<(&'a str, &'static str)> {
        for term in terms {
            let t = norm_term(term);
            if t.is_empty() {
                continue;
            }
            for clause in self.clauses.iter().filter(|c| c.contains(t.as_ref())) {
                // A task word in the clause, or in the term itself (招商任务).
                if let Some(w) = TASK_WORDS
                    .into_iter()
                    .find(|w| clause.contains(w) || t.contains(w))
                {
                    return Some((term.as_str(), w));
                }
            }
        }
        None
    }

    /// The first of `terms` for which some clause makes the community the responsible subject:
    /// a responsibility word (负责、牵头…) in the same clause, and no 协助/配合 before the term.
    /// "社区负责违建拆除" counts; "协助执法部门，负责入户宣传" and "负责协助城管执法" do not.
    pub fn find_as_responsible<'a>(&self, terms: &'a [String]) -> Option<(&'a str, &'static str)> {
        for term in terms {
            let t = norm_term(term);
            if t.is_empty() {
                continue;
            }
            for clause in &self.clauses {
                let Some(at) = clause.find(t.as_ref()) else {
                    continue;
                };
                let before = &clause[..at];
                if ASSIST_WORDS.into_iter().any(|w| before.contains(w)) {
                    continue;
                }
                if let Some(w) = RESPONSIBILITY_WORDS
                    .into_iter()
                    .find(|w| clause.contains(w))
                {
                    return Some((term.as_str(), w));
                }
            }
        }
        None
    }

    pub fn service_word(&self) -> Option<&'static str> {
        SERVICE_WORDS.into_iter().find(|w| self.has(w))
    }

    /// The words 一票否决 (or a paraphrase) anywhere in the text.
    pub fn veto_word(&self) -> Option<&'static str> {
        VETO_WORDS.into_iter().find(|w| self.has(w))
    }

    /// The first word of `words` in the text.
    pub fn any_of(&self, words: &[&'static str]) -> Option<&'static str> {
        words.iter().copied().find(|w| self.has(w))
    }
}

/// Words that put the community in charge rather than assisting.
pub const RESPONSIBILITY_WORDS: [&str; 8] = [
    "负责",
    "牵头",
    "责任主体",
    "主体责任",
    "包干",
    "包保",
    "组织实施",
    "具体实施",
];

/// Words that keep the community in a supporting role when they come before the term.
pub const ASSIST_WORDS: [&str; 3] = ["协助", "配合", "协同"];

/// Words that make a subject the community's task or target (三(一) "任务指标").
pub const TASK_WORDS: [&str; 23] = [
    "任务", "指标", "目标", "考核", "下达", "分解", "完成", "定额", "额度", "承担", "开展", "落实",
    "负责", "牵头", "协助", "配合", "参与", "组织", "引进", "排名", "责任", "包保", "推进",
];

/// Public-interest, professional or technical services, for which the policy advises purchase
/// of services instead of handing them to the community.
pub const SERVICE_WORDS: [&str; 10] = [
    "专业服务",
    "技术服务",
    "公益服务",
    "养老服务",
    "心理咨询",
    "心理疏导",
    "检测",
    "维修",
    "培训服务",
    "社工服务",
];

/// 一票否决 and the ways it is written around (三(三) 取消对社区的"一票否决").
pub const VETO_WORDS: [&str; 4] = ["一票否决", "一票否定", "一票否", "一票否决制"];

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spacing_and_punctuation_do_not_hide_a_term() {
        let terms = terms(&["招商引资", "招·商"]);
        assert_eq!(
            Screened::new("协助开展 招 商·引 资 工作").find_term(&terms),
            Some("招商引资")
        );
        assert_eq!(Screened::new("协助开展人口普查").find_term(&terms), None);
        assert_eq!(Screened::new("招商").find_term(&terms), Some("招·商"));
        assert_eq!(
            Screened::new("为老人提供心理咨询").service_word(),
            Some("心理咨询")
        );
    }

    #[test]
    fn a_target_counts_only_as_a_task_not_as_a_mention() {
        let t = terms(&["招商引资", "招商"]);
        assert_eq!(
            Screened::new("完成招商引资任务")
                .find_as_task(&t)
                .map(|(term, _)| term),
            Some("招商引资")
        );
        assert_eq!(
            Screened::new("协助开展招商引资工作").find_as_task(&t),
            Some(("招商引资", "开展"))
        );
        assert!(
            Screened::new("宣传招商引资优惠政策")
                .find_as_task(&t)
                .is_none()
        );
        // The task word sits in another clause: not the community's 招商 task.
        assert!(
            Screened::new("宣传招商引资政策，完成入户走访")
                .find_as_task(&t)
                .is_none()
        );
        // A term that is itself a task (招商任务).
        let t2 = terms(&["招商任务"]);
        assert!(Screened::new("本季度招商任务").find_as_task(&t2).is_some());
    }

    #[test]
    fn responsibility_is_read_clause_by_clause() {
        let t = terms(&["执法", "违建拆除", "城管"]);
        assert_eq!(
            Screened::new("由社区负责违建拆除").find_as_responsible(&t),
            Some(("违建拆除", "负责"))
        );
        assert!(
            Screened::new("协助执法部门，负责入户宣传")
                .find_as_responsible(&t)
                .is_none()
        );
        assert!(
            Screened::new("负责协助城管执法")
                .find_as_responsible(&t)
                .is_none()
        );
        assert!(
            Screened::new("协助城管部门宣传门前三包")
                .find_as_responsible(&t)
                .is_none()
        );
        assert_eq!(
            Screened::new("社区牵头开展占道经营执法").find_as_responsible(&t),
            Some(("执法", "牵头"))
        );
    }

    #[test]
    fn one_vote_veto_is_found_in_words() {
        assert_eq!(
            Screened::new("实行 一票 否决").veto_word(),
            Some("一票否决")
        );
        assert_eq!(Screened::new("年度考核").veto_word(), None);
    }
}
