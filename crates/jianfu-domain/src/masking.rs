//! How personal data is shown to readers who may not see it in full (个人信息去标识化展示).
//! One place for every mask, so a person is hidden the same way on every page. ID numbers are
//! masked by `certificate::id_number::mask` (last four characters only).

use crate::citation::Citation;

/// 《中华人民共和国个人信息保护法》第五十一条：采取去标识化等安全技术措施.
pub const MASKING_CITATION: Citation = Citation {
    document: "《中华人民共和国个人信息保护法》",
    clause: "第五十一条 采取相应的加密、去标识化等安全技术措施",
};

/// For a certificate's holder on public verification and lists: the family name and, for longer
/// names, the last character (张三 → 张*, 欧阳小明 → 欧**明), so the holder can recognise it.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// For the seal log's readers, who only need to see that someone applied: the first character
/// and at most three asterisks (王小明 → 王**), which also hides the name's length.
pub fn mask_name_initial(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count();
            format!("{first}{}", "*".repeat(rest.clamp(1, 3)))
        }
    }
}

/// A phone number or other contact: only the last four characters show.
pub fn mask_contact(s: &str) -> String {
    let n = s.chars().count();
    if n == 0 {
        return String::new();
    }
    let keep = n.min(4).min(n.saturating_sub(1).max(1));
    let tail: String = s.chars().skip(n - keep).collect();
    format!("{}{tail}", "*".repeat((n - keep).clamp(3, 7)))
}

/// A phone number of which only the last four digits are stored in clear (for lists that must
/// not decrypt): seven asterisks and the four digits, as [`mask_contact`] shows a mobile number.
pub fn mask_phone_from_last4(last4: &str) -> String {
    format!("*******{last4}")
}

/// An ID number of which only the last four characters are stored in clear (for lists that
/// must not decrypt): the other fourteen as asterisks.
pub fn mask_id_from_last4(last4: &str) -> String {
    format!("{}{last4}", "*".repeat(18 - last4.chars().count().min(18)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_hides_all_but_a_little() {
        assert_eq!(mask_name("王小明"), "王*明");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name_initial("王小明"), "王**");
        assert_eq!(mask_name_initial("王"), "王*");
        assert_eq!(mask_name_initial(""), "");
        assert_eq!(mask_contact("13800001111"), "*******1111");
        assert_eq!(mask_contact("12"), "***2");
        assert_eq!(mask_contact(""), "");
        assert_eq!(mask_id_from_last4("002X"), "**************002X");
        assert_eq!(mask_phone_from_last4("1111"), "*******1111");
        assert_eq!(
            mask_phone_from_last4("1111"),
            mask_contact("13800001111"),
            "the same phone looks the same whether masked from the number or its last four"
        );
    }

    #[test]
    fn no_mask_shows_more_than_it_should() {
        for name in ["王小明", "欧阳小明", "阿不都热合曼·买买提"] {
            let m = mask_name(name);
            assert_eq!(m.chars().count(), name.chars().count());
            assert!(m.chars().filter(|c| *c != '*').count() <= 2, "{m}");
            assert!(
                mask_name_initial(name)
                    .chars()
                    .filter(|c| *c != '*')
                    .count()
                    == 1
            );
        }
        let phone = "13800138000";
        assert!(!mask_contact(phone).contains("1380013"));
    }
}
