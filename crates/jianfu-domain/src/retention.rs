//! How long personal data is kept: once a certificate application is finished, its personal data
//! (and the seal log's personal rows of the same time) is deleted after the configured period.

use crate::citation::Citation;

/// 《个人信息保护法》第四十七条第一款第（一）项：处理目的已实现或者保存期限已届满的，应当主动删除个人信息.
pub const RETENTION_CITATION: Citation = Citation {
    document: "《中华人民共和国个人信息保护法》",
    clause: "第四十七条 保存期限已届满的，个人信息处理者应当主动删除个人信息",
};

const DAY_MS: i64 = 86_400_000;

/// Personal data finished before this instant (epoch ms) is due for deletion; `None` when the
/// period is 0 or negative (kept until the district decides otherwise).
pub fn delete_finished_before(now_ms: i64, retention_days: i64) -> Option<i64> {
    (retention_days > 0).then(|| now_ms.saturating_sub(retention_days.saturating_mul(DAY_MS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_finished_longer_ago_than_the_period_is_due() {
        let now = 1_000 * DAY_MS;
        assert_eq!(delete_finished_before(now, 1095), Some(now - 1095 * DAY_MS));
        let cutoff = delete_finished_before(now, 30).unwrap();
        assert!(now - 31 * DAY_MS < cutoff, "31 days ago is due");
        assert!(now - 29 * DAY_MS > cutoff, "29 days ago is not");
    }

    #[test]
    fn zero_keeps_everything_and_huge_periods_do_not_overflow() {
        assert_eq!(delete_finished_before(1, 0), None);
        assert_eq!(delete_finished_before(1, -5), None);
        assert!(delete_finished_before(0, i64::MAX).is_some_and(|c| c < -86_400_000_000));
        assert!(delete_finished_before(i64::MIN + 1, i64::MAX).is_some());
    }
}
