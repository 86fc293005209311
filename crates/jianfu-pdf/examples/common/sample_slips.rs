// A typical sheet of survey code slips, shared by the example and the tests.
// `super` must have `CodeSlips` in scope.

use super::CodeSlips;

pub const TITLE: &str = "2026年度社区居民满意度调查";
pub const COMMUNITY: &str = "三合南里社区";
pub const URL: &str = "https://jianfu.example.cn/s/110115001901";
pub const CLOSES_ON: &str = "2026年12月31日";
pub const NOTE: &str = "每户一码，仅能使用一次。答卷匿名，不记录您的姓名、门牌号或IP。";

/// `n` distinct codes in the printed form "XXXX-XXXX" (Crockford base32, no I, L, O, U), made
/// up deterministically; real ones come from jianfu-domain's `format_household_code`.
pub fn codes(n: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            // xorshift64: fixed seed, so the same codes every run.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s: String = (0..8)
                .map(|i| ALPHABET[((x >> (5 * i)) & 31) as usize] as char)
                .collect();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect()
}

pub fn sample(codes: &[String]) -> CodeSlips<'_> {
    CodeSlips {
        survey_title: TITLE,
        community_name: COMMUNITY,
        url: URL,
        codes,
        closes_on: CLOSES_ON,
        note: NOTE,
    }
}
