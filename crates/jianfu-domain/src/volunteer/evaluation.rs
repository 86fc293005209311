//! 服务质量评价：组织者记录服务时间时逐人评价（可不评），连同评价人和评价日期记入志愿服务记录
//! （办法第十条“评价情况包括对志愿者的服务质量评价以及评价日期”）；与服务时间同受活动结束后
//! 10 个工作日的记录期限（办法第十一条），超期照常记录并标为“逾期评价”。档次是本区设定
//! （数据文件 `[evaluation]`），办法没有规定分几档。只有到场并记录了服务时间的人才能评价；
//! 评价只给本人和组织者看，不写进志愿服务记录证明（办法第十五条只要求服务时间、服务内容、记录单位）。

use super::VolunteerError;
use super::rules::rules;
use crate::text::{InputText, TextError, half_width_text};

/// An evaluation as it is stored: the level's key and the remark (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub level: String,
    pub remark: String,
}

/// Reads what the organiser chose for one attendee (办法第十条; levels: the rules data file).
///
/// - no level and no remark: not evaluated (`None`);
/// - a remark without a level: `evaluation_level_missing`;
/// - a level that is neither a key nor a label of the data file: `unknown_evaluation_level`
///   (keys and labels are read trimmed, full-width folded, keys in any case);
/// - a remark over `remark_max_chars` characters: `evaluation_remark_too_long` (never cut short);
///   one line, no control characters (`line_break_not_allowed`, `control_character`);
/// - a level for someone who did not attend or has no service time (`attended_minutes` 0):
///   `evaluation_without_service` — only service that was recorded is evaluated.
pub fn parse_evaluation(
    level_raw: &str,
    remark_raw: &str,
    attended_minutes: i64,
) -> Result<Option<Evaluation>, VolunteerError> {
    let r = &rules().evaluation;
    let typed = half_width_text(level_raw);
    if typed.is_empty() {
        if remark_raw.trim().is_empty() {
            return Ok(None);
        }
        return Err(VolunteerError::based(
            "evaluation_level_missing",
            "填写了评价说明，但没有选择服务质量评价的档次：请选择档次，或清空评价说明",
            r.cite.as_str(),
        ));
    }
    let Some(level) = r
        .levels
        .iter()
        .find(|l| l.key.eq_ignore_ascii_case(&typed) || l.label == typed)
    else {
        let known: Vec<String> = r
            .levels
            .iter()
            .map(|l| format!("{}（{}）", l.key, l.label))
            .collect();
        return Err(VolunteerError::based(
            "unknown_evaluation_level",
            format!(
                "没有“{}”这个评价档次，可选：{}",
                typed.chars().take(20).collect::<String>(),
                known.join("、")
            ),
            r.levels_cite.as_str(),
        ));
    };
    let remark = InputText::line(remark_raw, r.remark_max_chars).map_err(|e| match e {
        TextError::TooLong { max, got } => VolunteerError::based(
            "evaluation_remark_too_long",
            format!("评价说明最多 {max} 个字，现有 {got} 个，请精简"),
            r.levels_cite.as_str(),
        ),
        other => VolunteerError::new(other.code(), other.message("评价说明")),
    })?;
    if attended_minutes <= 0 {
        return Err(VolunteerError::based(
            "evaluation_without_service",
            "只能评价到场并记录了服务时间的志愿者：请先勾选到场并填写服务时间，或选择“不评价”",
            r.cite.as_str(),
        ));
    }
    Ok(Some(Evaluation {
        level: level.key.clone(),
        remark: remark.into_string(),
    }))
}

/// The label of a level key (`good` → 良好); `None` for a key the data file no longer has.
pub fn level_label(key: &str) -> Option<&'static str> {
    rules()
        .evaluation
        .levels
        .iter()
        .find(|l| l.key == key)
        .map(|l| l.label.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Option<Evaluation>, VolunteerError>) -> &'static str {
        r.unwrap_err().code
    }

    #[test]
    fn no_level_and_no_remark_is_no_evaluation() {
        assert_eq!(parse_evaluation("", "", 120).unwrap(), None);
        assert_eq!(parse_evaluation("  ", " \u{3000}", 0).unwrap(), None);
    }

    #[test]
    fn a_level_is_a_key_or_a_label_of_the_data_file() {
        let e = parse_evaluation("good", " 准时，细心 ", 120)
            .unwrap()
            .unwrap();
        assert_eq!(e.level, "good");
        assert_eq!(e.remark, "准时，细心", "trimmed, otherwise as typed");
        // Full-width and upper case fold; the Chinese label is read too.
        assert_eq!(
            parse_evaluation("ＧＯＯＤ", "", 30).unwrap().unwrap().level,
            "good"
        );
        assert_eq!(
            parse_evaluation(" 有待改进 ", "", 30)
                .unwrap()
                .unwrap()
                .level,
            "needs_improvement"
        );
        for l in &rules().evaluation.levels {
            assert_eq!(
                parse_evaluation(&l.key, "", 60).unwrap().unwrap().level,
                l.key
            );
            assert_eq!(level_label(&l.key), Some(l.label.as_str()));
        }
        assert_eq!(level_label("great"), None);
        for bad in ["great", "5", "优", "good excellent"] {
            assert_eq!(
                code(parse_evaluation(bad, "", 60)),
                "unknown_evaluation_level",
                "{bad}"
            );
        }
        let e = parse_evaluation("great", "", 60).unwrap_err();
        assert!(
            e.message().contains("excellent（优秀）") && e.message().contains("本区设定"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn a_remark_needs_a_level() {
        let e = parse_evaluation("", "很好", 60).unwrap_err();
        assert_eq!(e.code, "evaluation_level_missing");
        assert!(e.message().contains("第十条"), "{}", e.message());
    }

    #[test]
    fn a_remark_is_at_most_the_data_files_length_in_characters() {
        let max = rules().evaluation.remark_max_chars;
        let exactly = "好".repeat(max);
        assert_eq!(
            parse_evaluation("excellent", &exactly, 60)
                .unwrap()
                .unwrap()
                .remark,
            exactly,
            "counted in characters, not bytes"
        );
        let e = parse_evaluation("excellent", &"好".repeat(max + 1), 60).unwrap_err();
        assert_eq!(e.code, "evaluation_remark_too_long");
        assert!(
            e.message().contains(&format!("最多 {max} 个字"))
                && e.message().contains(&format!("现有 {} 个", max + 1)),
            "{}",
            e.message()
        );
        assert_eq!(
            code(parse_evaluation("good", "第一行\n第二行", 60)),
            "line_break_not_allowed"
        );
        assert_eq!(
            code(parse_evaluation("good", "a\u{0}b", 60)),
            "control_character"
        );
    }

    #[test]
    fn only_recorded_service_is_evaluated() {
        let e = parse_evaluation("good", "", 0).unwrap_err();
        assert_eq!(e.code, "evaluation_without_service");
        assert!(
            e.message().contains("只能评价到场并记录了服务时间的志愿者")
                && e.message().contains(&rules().evaluation.cite),
            "{}",
            e.message()
        );
        assert_eq!(
            code(parse_evaluation("excellent", "来了", -30)),
            "evaluation_without_service"
        );
        // Not evaluating someone who did not come is fine.
        assert_eq!(parse_evaluation("", "", 0).unwrap(), None);
    }
}
