//! Where a rule comes from. Every policy rule in jianfu carries one, so a refusal can always be
//! explained by the document and clause (or law and article) it rests on.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// The document or law, e.g. 《信息安全技术 网络安全等级保护基本要求》(GB/T 22239-2019).
    pub document: &'static str,
    /// The clause or article, e.g. 8.1.4.1 a).
    pub clause: &'static str,
}

impl std::fmt::Display for Citation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.document, self.clause)
    }
}

/// GB/T 22239-2019, the baseline that Chinese government systems are assessed against (等保2.0).
pub const GBT_22239: &str = "《信息安全技术 网络安全等级保护基本要求》(GB/T 22239-2019)";
/// 中华人民共和国网络安全法 (2016).
pub const CYBERSECURITY_LAW: &str = "《中华人民共和国网络安全法》";
/// The policy jianfu implements.
pub const DAXING_2016: &str = "《大兴区进一步开展社区减负工作实施意见》(2016)";
