//! 志愿服务记录证明：依据记录如实、无偿出具，载明服务时间、服务内容和记录单位（办法第十五条）。
//! 编号 `ZY{社区代码}-{年}-{序号}`（志愿），核验码与居民证明同一种（40 位随机数，Crockford base32）。

use super::hours::format_hours;
use super::{CITE_CERTIFICATE_FIELDS, CITE_FREE_CERTIFICATE, VolunteerError};

/// Prefix of every volunteer record certificate number: 志愿 (ZhiYuan).
pub const NUMBER_PREFIX: &str = "ZY";
/// The certificate's title.
pub const TITLE: &str = "志愿服务记录证明";

/// `ZY{community}-{year}-{seq:06}`.
pub fn certificate_number(community_code: &str, year: i32, seq: u64) -> String {
    format!(
        "{NUMBER_PREFIX}{}-{year:04}-{seq:06}",
        community_code.trim()
    )
}

/// A number as typed (spaces dropped, full-width folded, upper-cased): `(community, normalised)`.
pub fn parse_certificate_number(input: &str) -> Option<(String, String)> {
    let s: String = input
        .chars()
        .map(crate::text::half_width)
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let rest = s.strip_prefix(NUMBER_PREFIX)?;
    let mut parts = rest.rsplitn(3, '-');
    let seq = parts.next()?;
    let year = parts.next()?;
    let community = parts.next()?;
    let ok = seq.len() >= 6
        && seq.chars().all(|c| c.is_ascii_digit())
        && seq.parse::<u64>().ok()? > 0
        && year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && !community.is_empty()
        && community.len() <= 40
        && community
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then(|| (community.to_string(), s.clone()))
}

/// One activity on the certificate (服务内容).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub title: String,
    pub place: String,
    pub minutes: i64,
}

/// What the certificate states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub holder_name: String,
    pub id_masked: String,
    /// 记录单位, e.g. …社区居民委员会.
    pub recorder: String,
    pub lines: Vec<ServiceLine>,
}

/// Total minutes of the lines.
pub fn total_minutes(lines: &[ServiceLine]) -> i64 {
    lines.iter().map(|l| l.minutes).sum()
}

/// The certificate's text: 服务时间（合计和每次）、服务内容、记录单位, and that it is issued free.
/// Refused without any recorded service (办法第十九条: no record, no certificate).
pub fn certificate_body(f: &CertificateFacts) -> Result<String, VolunteerError> {
    let lines: Vec<&ServiceLine> = f.lines.iter().filter(|l| l.minutes > 0).collect();
    if lines.is_empty() {
        return Err(VolunteerError::based(
            "no_service_record",
            "还没有已记录服务时间的志愿服务，暂不能出具志愿服务记录证明",
            super::rules::rules().certificate.cite.as_str(),
        ));
    }
    let first = lines.iter().map(|l| l.date.as_str()).min().unwrap_or("");
    let last = lines.iter().map(|l| l.date.as_str()).max().unwrap_or("");
    let total: i64 = lines.iter().map(|l| l.minutes).sum();
    let mut body = format!(
        "兹证明{}（身份证号 {}）于 {first} 至 {last} 参加{}记录的志愿服务活动 {} 次，累计志愿服务时间 {} 小时。",
        f.holder_name,
        f.id_masked,
        f.recorder,
        lines.len(),
        format_hours(total)
    );
    body.push_str("\n服务内容：");
    for (i, l) in lines.iter().enumerate() {
        body.push_str(&format!(
            "\n{}．{}　{}（{}），服务时间 {} 小时；",
            i + 1,
            l.date,
            l.title,
            l.place,
            format_hours(l.minutes)
        ));
    }
    body.push_str(&format!("\n记录单位：{}。", f.recorder));
    body.push_str("\n本证明依据志愿服务记录如实出具，无偿出具，不收取任何费用。");
    Ok(body)
}

/// The small print: basis and how to verify.
pub fn notes() -> Vec<String> {
    vec![
        format!("出具依据：{CITE_FREE_CERTIFICATE}；{CITE_CERTIFICATE_FIELDS}。"),
        "本证明无偿出具。可扫描二维码或在核验页面输入编号和核验码查验真伪（办法第十七条），以核验页面显示为准。".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(lines: Vec<ServiceLine>) -> CertificateFacts {
        CertificateFacts {
            holder_name: "王小明".into(),
            id_masked: "**************0012".into(),
            recorder: "丁香雅苑社区居民委员会".into(),
            lines,
        }
    }

    fn line(date: &str, minutes: i64) -> ServiceLine {
        ServiceLine {
            date: date.into(),
            title: "楼道清洁".into(),
            place: "3号楼".into(),
            minutes,
        }
    }

    #[test]
    fn the_certificate_states_time_content_and_recorder_and_is_free() {
        let body = certificate_body(&facts(vec![
            line("2026-11-20", 150),
            line("2026-11-01", 60),
            line("2026-11-10", 0),
        ]))
        .unwrap();
        // 办法 §15: 服务时间、服务内容、记录单位.
        assert!(body.contains("累计志愿服务时间 3.5 小时"), "{body}");
        assert!(body.contains("服务内容"));
        assert!(body.contains("楼道清洁"));
        assert!(body.contains("记录单位：丁香雅苑社区居民委员会"));
        assert!(body.contains("2026-11-01 至 2026-11-20"));
        assert!(body.contains("2 次"), "absent (0 h) is not service: {body}");
        // 条例 §19 ¶2: free.
        assert!(body.contains("无偿出具"));
        for field in &super::super::rules::rules().certificate.required_fields {
            let word = field.as_str();
            let shown = match word {
                "服务时间" => body.contains("服务时间"),
                "服务内容" => body.contains("服务内容"),
                "记录单位" => body.contains("记录单位"),
                _ => false,
            };
            assert!(shown, "{word}");
        }
    }

    #[test]
    fn no_record_no_certificate() {
        let e = certificate_body(&facts(vec![line("2026-11-01", 0)])).unwrap_err();
        assert_eq!(e.code, "no_service_record");
        assert!(
            e.message()
                .contains(&super::super::rules::rules().certificate.cite)
        );
    }

    #[test]
    fn numbers_round_trip_and_forgeries_do_not_parse() {
        let n = certificate_number("110115001901", 2026, 7);
        assert_eq!(n, "ZY110115001901-2026-000007");
        let (c, norm) = parse_certificate_number(" zy110115001901-2026-000007 ").unwrap();
        assert_eq!(c, "110115001901");
        assert_eq!(norm, n);
        assert!(parse_certificate_number("ZM110115001901-2026-000007").is_none());
        assert!(parse_certificate_number("ZY110115001901-2026-000000").is_none());
        assert!(parse_certificate_number("ZY-2026-000001").is_none());
        assert!(parse_certificate_number("ZY110115001901-26-000001").is_none());
        assert!(notes()[0].contains("第十九条"));
    }
}
