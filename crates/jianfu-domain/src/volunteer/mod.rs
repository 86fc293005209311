//! 志愿服务（议题 13 三(五) 推行社区志愿服务）：志愿者登记（实名、同意、未成年人的监护人同意）、
//! 活动（时间、名额、报名只在开始前）、服务时间的记录（组织者按半小时记录，不超过活动时长，
//! 活动结束后 10 个工作日内）、服务质量评价（办法第十条，与服务时间同一期限）、志愿服务记录证明（无偿出具，载明服务时间、服务内容、记录单位）。
//!
//! 依据：《志愿服务条例》（国务院令第685号，2017）与《志愿服务记录与证明出具办法（试行）》
//! （民政部令第67号，2020）；未成年人的监护人同意出自地方性法规（国家条例未作规定），
//! 年龄界限在数据文件 `data/self_governance/volunteer_rules.toml`。

pub mod activity;
pub mod certificate;
pub mod evaluation;
pub mod hours;
pub mod registration;
pub mod rules;

use crate::Citation;

/// 《志愿服务条例》（国务院令第685号）。
pub const REGULATION: &str = "《志愿服务条例》（国务院令第685号）";
/// 《志愿服务记录与证明出具办法（试行）》（民政部令第67号）。
pub const RECORD_MEASURES: &str = "《志愿服务记录与证明出具办法（试行）》（民政部令第67号）";

/// 注册：身份信息、服务技能、服务时间、联系方式，真实、准确、完整。
pub const CITE_REGISTRATION: Citation = Citation {
    document: REGULATION,
    clause: "第七条 志愿者可以将其身份信息、服务技能、服务时间、联系方式等个人基本信息……注册；提供的个人基本信息应当真实、准确、完整",
};

/// 由组织记录个人信息须经志愿者同意。
pub const CITE_CONSENT: Citation = Citation {
    document: RECORD_MEASURES,
    clause: "第六条 志愿服务组织经志愿者同意后录入其个人基本信息",
};

/// 未经本人同意不得公开或泄露志愿者的信息：公开页面不显示姓名和服务时间。
pub const CITE_PRIVACY: Citation = Citation {
    document: REGULATION,
    clause: "第二十条 未经志愿者本人同意，不得公开或者泄露其有关信息（另见办法第十六条）",
};

/// 居委会自行招募志愿者参照条例执行。
pub const CITE_COMMUNITY: Citation = Citation {
    document: REGULATION,
    clause: "第四十一条 基层群众性自治组织……自行招募志愿者的，参照本条例关于志愿服务组织的规定执行",
};

/// 招募时说明真实、准确、完整的信息（活动的时间、地点、内容）。
pub const CITE_RECRUITMENT: Citation = Citation {
    document: REGULATION,
    clause: "第十二条 招募时，应当说明与志愿服务有关的真实、准确、完整的信息",
};

/// 服务情况：活动名称、日期、地点、服务内容、服务时间、组织单位、负责人；服务时间以小时计。
pub const CITE_SERVICE_RECORD: Citation = Citation {
    document: RECORD_MEASURES,
    clause: "第七条 服务时间是指志愿者参与志愿服务实际付出的时间，以小时为计量单位",
};

/// 活动结束后 10 个工作日内完成记录。
pub const CITE_RECORD_DEADLINE: Citation = Citation {
    document: RECORD_MEASURES,
    clause: "第十一条 志愿服务情况和评价情况，应当在志愿服务活动结束后10个工作日内完成记录",
};

/// 志愿服务记录证明无偿、如实出具。
pub const CITE_FREE_CERTIFICATE: Citation = Citation {
    document: REGULATION,
    clause: "第十九条第二款 志愿者需要志愿服务记录证明的，志愿服务组织应当依据志愿服务记录无偿、如实出具（另见办法第三条、第十四条）",
};

/// 证明载明服务时间、服务内容和记录单位。
pub const CITE_CERTIFICATE_FIELDS: Citation = Citation {
    document: RECORD_MEASURES,
    clause: "第十五条 志愿服务记录证明应当载明志愿者的志愿服务时间、服务内容和记录单位",
};

/// 证明可以查验，不得伪造。
pub const CITE_CERTIFICATE_CHECK: Citation = Citation {
    document: RECORD_MEASURES,
    clause: "第十七条 志愿服务记录证明可以通过志愿服务信息系统查验；任何单位和个人不得伪造、变造或者使用虚假志愿服务记录证明",
};

/// A refusal of the volunteer rules: a stable code, a Chinese message and its basis (a
/// `Citation` of the regulation, or the `cite` text of the rules data file for its numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerError {
    pub code: &'static str,
    pub message: String,
    pub basis: Option<String>,
}

impl VolunteerError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            basis: None,
        }
    }
    pub fn cited(code: &'static str, message: impl Into<String>, c: Citation) -> Self {
        Self::based(code, message, c.to_string())
    }
    /// With the basis as the data file words it (`rules().….cite`).
    pub fn based(code: &'static str, message: impl Into<String>, basis: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            basis: Some(basis.into()),
        }
    }
    pub fn code(&self) -> &'static str {
        self.code
    }
    /// The message with its basis, as shown to people.
    pub fn message(&self) -> String {
        match &self.basis {
            Some(b) => format!("{}（依据：{b}）", self.message),
            None => self.message.clone(),
        }
    }
}

impl std::fmt::Display for VolunteerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for VolunteerError {}
