//! Password complexity (等保 8.1.4.1 a: 身份鉴别信息具有复杂度要求).

use crate::citation::{Citation, GBT_22239};

pub const CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 a) 身份鉴别信息具有复杂度要求",
};

/// The floor no configuration may go below: 8 characters, three character classes.
pub const MIN_LENGTH_FLOOR: usize = 8;
pub const MIN_CLASSES_FLOOR: usize = 3;
/// Upper bound, so hashing cost cannot be driven up by a megabyte-long password.
pub const MAX_LENGTH: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: MIN_LENGTH_FLOOR,
            min_classes: MIN_CLASSES_FLOOR,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort {
        min: usize,
    },
    TooLong,
    TooFewClasses {
        min: usize,
    },
    ContainsUsername,
    /// A well-known password, or one built from a well-known word (Password1, Admin@123).
    Common,
}

impl PasswordProblem {
    pub fn message_zh(&self) -> String {
        match self {
            Self::TooShort { min } => format!("密码至少需要 {min} 个字符"),
            Self::TooLong => format!("密码不能超过 {MAX_LENGTH} 个字符"),
            Self::TooFewClasses { min } => {
                format!("密码须至少包含大写字母、小写字母、数字、符号中的 {min} 类")
            }
            Self::ContainsUsername => "密码不能与用户名相同，也不能包含用户名".to_string(),
            Self::Common => {
                "这是常见的弱密码（或由常见词加数字、符号组成，如 Password1、Admin@123），容易被猜中，请换一个"
                    .to_string()
            }
        }
    }

    /// Stable machine code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "password_too_short",
            Self::TooLong => "password_too_long",
            Self::TooFewClasses { .. } => "password_too_simple",
            Self::ContainsUsername => "password_contains_username",
            Self::Common => "common_password",
        }
    }
}

/// The list of common passwords and the words they are built from (`data/passwords/common.txt`,
/// its sources are in its header).
pub const COMMON_PASSWORDS_TXT: &str = include_str!("../../../data/passwords/common.txt");

pub const COMMON_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 a) 身份鉴别信息具有复杂度要求（拒绝常见弱口令）",
};

fn common_lists() -> &'static (Vec<&'static str>, Vec<&'static str>) {
    static LISTS: std::sync::OnceLock<(Vec<&'static str>, Vec<&'static str>)> =
        std::sync::OnceLock::new();
    LISTS.get_or_init(|| {
        let (mut words, mut exact, mut in_exact) = (Vec::new(), Vec::new(), false);
        for line in COMMON_PASSWORDS_TXT.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "[exact]" {
                in_exact = true;
            } else if in_exact {
                exact.push(line);
            } else {
                words.push(line);
            }
        }
        (words, exact)
    })
}

/// Whether `password` is a common password: listed as a whole, or a listed word with digits and
/// symbols around it, common look-alike substitutions undone (P@ssw0rd!, Qwer1234!, Admin@123).
pub fn is_common(password: &str) -> bool {
    let (words, exact) = common_lists();
    let lower = password.to_lowercase();
    if exact.contains(&lower.as_str()) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let unleet: String = core
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' | '|' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            '7' => 't',
            other => other,
        })
        .collect();
    words.contains(&core) || words.contains(&unleet.as_str())
}

impl PasswordPolicy {
    /// A configured policy; values below the floor are raised to it.
    pub fn new(min_length: usize, min_classes: usize) -> Self {
        Self {
            min_length: min_length.max(MIN_LENGTH_FLOOR),
            min_classes: min_classes.clamp(MIN_CLASSES_FLOOR, 4),
        }
    }

    pub fn check(&self, username: &str, password: &str) -> Result<(), Vec<PasswordProblem>> {
        let mut problems = Vec::new();
        let len = password.chars().count();
        if len < self.min_length {
            problems.push(PasswordProblem::TooShort {
                min: self.min_length,
            });
        }
        if len > MAX_LENGTH {
            problems.push(PasswordProblem::TooLong);
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if classes < self.min_classes {
            problems.push(PasswordProblem::TooFewClasses {
                min: self.min_classes,
            });
        }
        let user = username.trim().to_lowercase();
        if !user.is_empty() && password.to_lowercase().contains(&user) {
            problems.push(PasswordProblem::ContainsUsername);
        }
        if problems.is_empty() && is_common(password) {
            problems.push(PasswordProblem::Common);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_enforces_length_classes_and_username() {
        let p = PasswordPolicy::default();
        assert!(p.check("shegong", "Jianfu@2026").is_ok());
        assert_eq!(
            p.check("x", "Ab1!").unwrap_err(),
            vec![PasswordProblem::TooShort { min: 8 }]
        );
        assert_eq!(
            p.check("x", "abcdefgh1").unwrap_err(),
            vec![PasswordProblem::TooFewClasses { min: 3 }]
        );
        assert_eq!(
            p.check("shegong", "ShEgOnG#2026").unwrap_err(),
            vec![PasswordProblem::ContainsUsername]
        );
        assert!(p.check("x", &"Aa1!".repeat(40)).is_err());
    }

    #[test]
    fn common_passwords_are_refused() {
        let p = PasswordPolicy::default();
        for pw in [
            "Password1",
            "Admin@123",
            "P@ssw0rd",
            "P@ssw0rd!",
            "Qwer1234!",
            "Abc@12345",
            "1qaz@WSX",
            "Woaini@1314",
            "Welcome#2026",
            "Aa123456!",
            "Passw0rd!",
            "Zxcvbnm@123",
        ] {
            assert_eq!(
                p.check("someone", pw),
                Err(vec![PasswordProblem::Common]),
                "{pw}"
            );
        }
        assert_eq!(PasswordProblem::Common.code(), "common_password");
        for pw in ["Jianfu@2026", "Wrong@2026", "Good#Pass2026", "Hq7#tLm2!x"] {
            assert!(p.check("someone", pw).is_ok(), "{pw}");
        }
        assert!(is_common("123456"));
        // The list is compiled in and has its sources in its header.
        assert!(COMMON_PASSWORDS_TXT.contains("NCSC"));
        assert!(common_lists().0.len() > 80 && common_lists().1.len() > 20);
    }

    #[test]
    fn configuration_cannot_weaken_below_the_floor() {
        let p = PasswordPolicy::new(4, 1);
        assert_eq!(p, PasswordPolicy::default());
        let strict = PasswordPolicy::new(12, 4);
        assert!(strict.check("zhang", "Jianfu@2026").is_err());
        assert!(strict.check("zhang", "Jianfu@2026-x").is_ok());
    }
}
