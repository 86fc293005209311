//! 志愿者登记：实名（姓名、身份证号）、联系电话、服务技能、可服务时间，本人同意记录；未成年人
//! 还须监护人姓名、关系和监护人同意。年龄由身份证号的出生日期和今天（北京时间）算出。

use super::rules::rules;
use super::{CITE_CONSENT, CITE_REGISTRATION, VolunteerError};
use crate::certificate::id_number::{self, IdNumber};
use time::Date;

/// What a volunteer (or a worker for them) types. Text is already trimmed and checked for
/// control characters by the caller (`text::InputText`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationInput {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub skills: String,
    pub availability: String,
    /// 本人同意按《志愿服务记录与证明出具办法（试行）》记录其个人基本信息和服务情况。
    pub consent: bool,
    pub guardian_name: String,
    pub guardian_relation: String,
    pub guardian_consent: bool,
}

/// A registration that passed the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRegistration {
    pub id_number: IdNumber,
    /// Normalised digits (and `-` for extensions removed).
    pub phone: String,
    pub age: u8,
    pub minor: bool,
    /// Under 14: the guardian's consent also covers the processing of the child's personal data.
    pub child_personal_data: bool,
}

/// Full years between `born` and `today`.
pub fn age_on(born: Date, today: Date) -> u8 {
    let mut years = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        years -= 1;
    }
    years.clamp(0, 255) as u8
}

/// The birth date printed in an ID number.
pub fn birth_date_of(id: &IdNumber) -> Option<Date> {
    crate::assignment::working_days::parse_date(&id.birth_date())
}

/// Phone: digits only (spaces and hyphens dropped), 7 to 15 of them; a mobile number 11 digits
/// starting with 1.
pub fn normalise_phone(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .map(crate::text::half_width)
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !(7..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if digits.starts_with('1') && digits.len() != 11 {
        return None;
    }
    Some(digits)
}

/// Checks a registration against the rules; the first problem found, with its code.
pub fn check_registration(
    r: &RegistrationInput,
    today: Date,
) -> Result<CheckedRegistration, VolunteerError> {
    if r.name.trim().is_empty() {
        return Err(VolunteerError::cited(
            "name_required",
            "请填写真实姓名（实名登记）",
            CITE_REGISTRATION,
        ));
    }
    let id = id_number::parse_on(&r.id_number, today).map_err(|e| {
        VolunteerError::cited(e.code(), format!("身份证号有误：{e}"), CITE_REGISTRATION)
    })?;
    let phone = normalise_phone(&r.phone).ok_or_else(|| {
        VolunteerError::cited(
            "phone_invalid",
            "请填写能联系到您的电话号码（手机 11 位数字，或带区号的固定电话）",
            CITE_REGISTRATION,
        )
    })?;
    if !r.consent {
        return Err(VolunteerError::cited(
            "consent_required",
            "登记须本人同意社区记录您的个人基本信息和志愿服务情况，请勾选“本人同意”",
            CITE_CONSENT,
        ));
    }
    let born = birth_date_of(&id)
        .ok_or_else(|| VolunteerError::new("invalid_birth_date", "身份证号中的出生日期无法识别"))?;
    let age = age_on(born, today);
    let rules = rules();
    let minor = age < rules.adult.age;
    let child_personal_data = age < rules.personal_information.guardian_consent_below_age;
    // The message names the same number the check uses, and the basis as the data file words it.
    let below = rules.guardian_consent.required_below_age;
    if age < below {
        let missing = r.guardian_name.trim().is_empty()
            || r.guardian_relation.trim().is_empty()
            || !r.guardian_consent;
        if missing {
            let (cite, extra) = if child_personal_data {
                (
                    rules.personal_information.cite.as_str(),
                    format!(
                        "；不满{}周岁的，记录其个人信息也须监护人同意",
                        rules.personal_information.guardian_consent_below_age
                    ),
                )
            } else {
                (rules.guardian_consent.cite.as_str(), String::new())
            };
            return Err(VolunteerError::based(
                "guardian_consent_required",
                format!(
                    "登记人未满{below}周岁（{age}周岁），须填写监护人姓名、与本人关系，并由监护人勾选同意{extra}"
                ),
                cite,
            ));
        }
    }
    Ok(CheckedRegistration {
        id_number: id,
        phone,
        age,
        minor,
        child_personal_data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// A valid ID number born on `yyyymmdd` (check digit computed).
    fn id_born(yyyymmdd: &str) -> String {
        let first17 = format!("110115{yyyymmdd}001");
        let b: [u8; 17] = first17.as_bytes().try_into().unwrap();
        format!("{first17}{}", id_number::check_char(&b))
    }

    fn adult() -> RegistrationInput {
        RegistrationInput {
            name: "王小明".into(),
            phone: "138 0013 8000".into(),
            id_number: id_born("19800101"),
            skills: "理发".into(),
            availability: "周末上午".into(),
            consent: true,
            ..Default::default()
        }
    }

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn an_adult_with_consent_registers() {
        let c = check_registration(&adult(), TODAY).unwrap();
        assert_eq!(c.age, 46);
        assert!(!c.minor);
        assert_eq!(c.phone, "13800138000");
    }

    #[test]
    fn consent_is_required() {
        let r = RegistrationInput {
            consent: false,
            ..adult()
        };
        assert_eq!(
            check_registration(&r, TODAY).unwrap_err().code,
            "consent_required"
        );
    }

    #[test]
    fn a_minor_needs_the_guardians_name_relation_and_consent() {
        let mut r = RegistrationInput {
            id_number: id_born("20100601"),
            ..adult()
        };
        let e = check_registration(&r, TODAY).unwrap_err();
        assert_eq!(e.code, "guardian_consent_required");
        assert!(
            e.message().contains("上海市志愿服务条例"),
            "{}",
            e.message()
        );
        // The number and the basis are the data file's, the same key the check uses.
        let data = rules();
        assert!(
            e.message().contains(&format!(
                "未满{}周岁",
                data.guardian_consent.required_below_age
            )) && e.message().contains(&data.guardian_consent.cite),
            "{}",
            e.message()
        );
        r.guardian_name = "王大明".into();
        r.guardian_relation = "父亲".into();
        assert_eq!(
            check_registration(&r, TODAY).unwrap_err().code,
            "guardian_consent_required"
        );
        r.guardian_consent = true;
        let c = check_registration(&r, TODAY).unwrap();
        assert!(c.minor);
        assert_eq!(c.age, 16);
        assert!(!c.child_personal_data);
    }

    #[test]
    fn under_fourteen_cites_the_personal_information_law() {
        let r = RegistrationInput {
            id_number: id_born("20150101"),
            ..adult()
        };
        let e = check_registration(&r, TODAY).unwrap_err();
        assert_eq!(e.code, "guardian_consent_required");
        assert!(e.message().contains("第三十一条"), "{}", e.message());
        assert!(
            e.message().contains(&rules().personal_information.cite),
            "{}",
            e.message()
        );
    }

    #[test]
    fn the_eighteenth_birthday_makes_an_adult() {
        let r = RegistrationInput {
            id_number: id_born("20081128"),
            ..adult()
        };
        assert!(!check_registration(&r, TODAY).unwrap().minor);
        let r = RegistrationInput {
            id_number: id_born("20081129"),
            ..adult()
        };
        assert_eq!(
            check_registration(&r, TODAY).unwrap_err().code,
            "guardian_consent_required"
        );
    }

    #[test]
    fn name_phone_and_id_number_are_checked() {
        let r = RegistrationInput {
            name: " ".into(),
            ..adult()
        };
        assert_eq!(
            check_registration(&r, TODAY).unwrap_err().code,
            "name_required"
        );
        let r = RegistrationInput {
            phone: "1380013".into(),
            ..adult()
        };
        assert_eq!(
            check_registration(&r, TODAY).unwrap_err().code,
            "phone_invalid"
        );
        let r = RegistrationInput {
            id_number: "110115198001010010".into(),
            ..adult()
        };
        assert_ne!(check_registration(&r, TODAY).unwrap_err().code, "");
        assert_eq!(
            normalise_phone("010-6925 1234").as_deref(),
            Some("01069251234")
        );
    }
}
