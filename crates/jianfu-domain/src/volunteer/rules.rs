//! The volunteer rules' numbers, read from `data/self_governance/volunteer_rules.toml` (compiled
//! in). Each number carries the text of its source; the file says what the national regulation
//! does not say (minors).

use serde::Deserialize;
use std::sync::OnceLock;

pub const RULES_TOML: &str = include_str!("../../../../data/self_governance/volunteer_rules.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct VolunteerRules {
    pub adult: Adult,
    pub guardian_consent: GuardianConsent,
    pub personal_information: PersonalInformation,
    pub record: Record,
    pub evaluation: EvaluationRules,
    pub certificate: CertificateRules,
    pub activity: ActivityLimits,
}

/// How big and how long one activity may be: a district setting (本区设定), not law.
#[derive(Debug, Clone, Deserialize)]
pub struct ActivityLimits {
    pub max_capacity: i64,
    pub max_length_hours: i64,
    pub cite: String,
}

impl ActivityLimits {
    /// The longest activity, in milliseconds.
    pub fn max_length_ms(&self) -> i64 {
        self.max_length_hours * 3_600_000
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Adult {
    pub age: u8,
    pub cite: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GuardianConsent {
    pub required_below_age: u8,
    pub cite: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PersonalInformation {
    pub guardian_consent_below_age: u8,
    pub cite: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    pub deadline_working_days: i64,
    pub cite: String,
    pub hours_step_minutes: i64,
    pub hours_cite: String,
}

/// The service-quality evaluation (服务质量评价, 办法第十条): its levels are a district setting.
#[derive(Debug, Clone, Deserialize)]
pub struct EvaluationRules {
    pub levels: Vec<Level>,
    /// The longest remark, in characters.
    pub remark_max_chars: usize,
    pub cite: String,
    pub levels_cite: String,
}

/// One level of the evaluation: a stable key (stored, sent through the API) and its label.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Level {
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CertificateRules {
    pub fee: i64,
    pub cite: String,
    pub required_fields: Vec<String>,
    pub fields_cite: String,
}

/// The shipped rules. The file is part of the binary and tested, so it always parses.
pub fn rules() -> &'static VolunteerRules {
    static RULES: OnceLock<VolunteerRules> = OnceLock::new();
    RULES.get_or_init(|| {
        toml::from_str(RULES_TOML).expect("data/self_governance/volunteer_rules.toml parses")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_parse_and_cite_their_sources() {
        let r = rules();
        assert_eq!(r.adult.age, 18);
        assert!(r.adult.cite.contains("民法典"));
        // Guardian consent is local law, and the file says the national regulation is silent.
        assert!(
            r.guardian_consent
                .cite
                .contains("上海市志愿服务条例》第十三条")
        );
        assert!(
            r.guardian_consent
                .cite
                .contains("浙江省志愿服务条例》第九条")
        );
        assert!(RULES_TOML.contains("对未成年人和监护人同意没有条文"));
        assert_eq!(r.personal_information.guardian_consent_below_age, 14);
        assert!(r.personal_information.cite.contains("第三十一条"));
        assert_eq!(r.record.deadline_working_days, 10);
        assert!(r.record.cite.contains("第十一条"));
        assert_eq!(r.record.hours_step_minutes, 30);
        // The evaluation: the measures' 第十条 and the deadline of 第十一条; the levels are the
        // district's own, and the file says so.
        let keys: Vec<&str> = r.evaluation.levels.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(
            keys,
            ["excellent", "good", "satisfactory", "needs_improvement"]
        );
        let labels: Vec<&str> = r
            .evaluation
            .levels
            .iter()
            .map(|l| l.label.as_str())
            .collect();
        assert_eq!(labels, ["优秀", "良好", "合格", "有待改进"]);
        for l in &r.evaluation.levels {
            assert!(
                !l.key.is_empty() && l.key.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "a key is a stable ASCII code: {}",
                l.key
            );
        }
        assert_eq!(r.evaluation.remark_max_chars, 100);
        assert!(
            r.evaluation.cite.contains("第十条") && r.evaluation.cite.contains("第十一条"),
            "{}",
            r.evaluation.cite
        );
        assert!(r.evaluation.levels_cite.contains("本区设定"));
        assert!(RULES_TOML.contains("评价只给志愿者本人和组织者看"));
        // Free: no fee, ever.
        assert_eq!(r.certificate.fee, 0);
        assert!(r.certificate.cite.contains("第十九条"));
        assert_eq!(
            r.certificate.required_fields,
            ["服务时间", "服务内容", "记录单位"]
        );
        assert!(
            r.guardian_consent.required_below_age
                >= r.personal_information.guardian_consent_below_age
        );
        // The activity limits are the district's own choice, and the file says so.
        assert_eq!(r.activity.max_capacity, 500);
        assert_eq!(r.activity.max_length_hours, 24);
        assert!(r.activity.cite.contains("本区设定"), "{}", r.activity.cite);
    }
}
