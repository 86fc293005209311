//! Work that bypassed the gate (违规下派): what a community's report must contain, which evidence
//! files are accepted, how a report moves from `reported` to `confirmed` or `dismissed`, and who
//! may read it.
//!
//! The policy: 未经批准的工作事项，一律不得交由社区落实，一经发现，立即撤销、终止
//! (大兴区实施意见 三(一)). A confirmed report therefore always revokes the work; there is no
//! "confirmed but left in place".

use crate::citation::{Citation, DAXING_2016, GBT_22239};
use crate::permission::{Permission, allows};
use crate::text::{InputText, TextError};
use crate::{OrgCode, OrgKind, Role};
use serde::Serialize;
use time::Date;

/// Unapproved work is revoked or terminated as soon as it is found.
pub const REVOKE_CITATION: Citation = Citation {
    document: DAXING_2016,
    clause: "三(一)：未经批准的工作事项，一律不得交由社区落实，一经发现，立即撤销、终止",
};

/// Uploaded files are checked for what they are, not for what they are called.
pub const EVIDENCE_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.4 e) 数据有效性检验；8.1.4.5 恶意代码防范",
};

/// At most this many evidence files per report.
pub const MAX_FILES: usize = 5;
/// Each evidence file is at most 5 MB.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
pub const MAX_COMMENT_CHARS: usize = 2000;

/// How the work reached the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Document,
    Phone,
    Wechat,
    App,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Document,
        Channel::Phone,
        Channel::Wechat,
        Channel::App,
        Channel::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Document => "document",
            Channel::Phone => "phone",
            Channel::Wechat => "wechat",
            Channel::App => "app",
            Channel::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Document => "公文",
            Channel::Phone => "电话",
            Channel::Wechat => "微信群",
            Channel::App => "App",
            Channel::Other => "其他",
        }
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reported by the community, waiting for the supervisors.
    Reported,
    /// Confirmed by a supervisor: the work is revoked and counted against the department.
    Confirmed,
    /// Dismissed by a supervisor, with the reason.
    Dismissed,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Reported, Status::Confirmed, Status::Dismissed];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Confirmed => "confirmed",
            Status::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Reported => "待核实",
            Status::Confirmed => "已确认·已撤销",
            Status::Dismissed => "不予认定",
        }
    }
}

/// A supervisor's decision on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Confirm,
    Dismiss,
}

/// What a decision leads to. Confirming always revokes the work (三(一)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub revoked: bool,
}

/// Everything that can be wrong with a report or a decision. Each has a stable code and a
/// Chinese message that says exactly what to fix. Messages never contain a file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViolationError {
    #[error("请填写工作名称（收到的是什么工作）")]
    EmptyTitle,
    #[error("工作名称过长：请控制在 {MAX_TITLE_CHARS} 字以内")]
    TitleTooLong,
    #[error("说明过长：请控制在 {MAX_DESCRIPTION_CHARS} 字以内")]
    DescriptionTooLong,
    #[error("请选择收到方式：公文、电话、微信群、App 或其他")]
    InvalidChannel,
    #[error("收到日期格式不正确，请按“2026-11-28”的格式填写")]
    InvalidDate,
    #[error("收到日期不能晚于今天")]
    DateInFuture,
    #[error("证据材料最多 {MAX_FILES} 个，本次提交了 {0} 个，请删减后再提交")]
    TooManyFiles(usize),
    #[error("第 {index} 个文件过大（{size_mb} MB），每个文件不能超过 5 MB，请压缩或拆分后再提交")]
    FileTooLarge { index: usize, size_mb: String },
    #[error(
        "第 {index} 个文件不是允许的类型：检测到的实际内容是{detected}。证据材料只接受 PDF、JPEG、PNG（按文件内容判断，不看文件扩展名）"
    )]
    FileTypeNotAllowed {
        index: usize,
        detected: &'static str,
    },
    #[error("不予认定时须填写理由，便于社区和部门了解核查结论")]
    CommentRequired,
    #[error("意见过长：请控制在 {MAX_COMMENT_CHARS} 字以内")]
    CommentTooLong,
    #[error("该举报已经处理（{0}），不能重复处理")]
    AlreadyDecided(&'static str),
    /// A control character or a line break where none belongs ([`InputText`]).
    #[error("{}", .error.message(field))]
    Text {
        field: &'static str,
        error: TextError,
    },
}

impl ViolationError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyTitle => "empty_title",
            Self::TitleTooLong => "title_too_long",
            Self::DescriptionTooLong => "description_too_long",
            Self::InvalidChannel => "invalid_channel",
            Self::InvalidDate => "invalid_date",
            Self::DateInFuture => "date_in_future",
            Self::TooManyFiles(_) => "too_many_files",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::FileTypeNotAllowed { .. } => "file_type_not_allowed",
            Self::CommentRequired => "comment_required",
            Self::CommentTooLong => "comment_too_long",
            Self::AlreadyDecided(_) => "already_decided",
            Self::Text { error, .. } => error.code(),
        }
    }
}

/// The accepted evidence types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Pdf,
    Jpeg,
    Png,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 3] = [EvidenceKind::Pdf, EvidenceKind::Jpeg, EvidenceKind::Png];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Pdf => "PDF 文档",
            Self::Jpeg => "JPEG 图片",
            Self::Png => "PNG 图片",
        }
    }
    /// The extension used for downloads. The original name is never kept.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Allowed(EvidenceKind),
    /// Not allowed; the Chinese description of what was found.
    Other(&'static str),
}

/// Identifies a file by its magic bytes only: PDF `%PDF-`, JPEG `FF D8 FF`, PNG `89 50 4E 47 0D 0A
/// 1A 0A`. Everything else is refused, with a description for the message.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(b"%PDF-") {
        return Sniffed::Allowed(EvidenceKind::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Allowed(EvidenceKind::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Sniffed::Allowed(EvidenceKind::Png);
    }
    let found = if bytes.is_empty() {
        "空文件"
    } else if bytes.starts_with(b"MZ") {
        "Windows 可执行程序"
    } else if bytes.starts_with(b"\x7fELF") {
        "Linux 可执行程序"
    } else if [
        &[0xFE, 0xED, 0xFA, 0xCE][..],
        &[0xFE, 0xED, 0xFA, 0xCF],
        &[0xCE, 0xFA, 0xED, 0xFE],
        &[0xCF, 0xFA, 0xED, 0xFE],
        &[0xCA, 0xFE, 0xBA, 0xBE],
    ]
    .iter()
    .any(|m| bytes.starts_with(m))
    {
        "macOS 可执行程序"
    } else if bytes.starts_with(b"#!") {
        "脚本程序"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "压缩包或 Office 文档"
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "旧版 Office 文档"
    } else if bytes.starts_with(b"Rar!") || bytes.starts_with(&[0x37, 0x7A, 0xBC, 0xAF]) {
        "压缩包"
    } else if bytes.starts_with(b"GIF8") {
        "GIF 图片"
    } else {
        "无法识别的内容"
    };
    Sniffed::Other(found)
}

/// Checks a report's evidence: how many files, how large each is, and what each really is (by its
/// content). Returns each file's type in order. File numbers in errors count from 1.
pub fn check_evidence<B: AsRef<[u8]>>(files: &[B]) -> Result<Vec<EvidenceKind>, ViolationError> {
    if files.len() > MAX_FILES {
        return Err(ViolationError::TooManyFiles(files.len()));
    }
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = f.as_ref();
            if f.len() > MAX_FILE_BYTES {
                return Err(ViolationError::FileTooLarge {
                    index: i + 1,
                    size_mb: format!("{:.1}", f.len() as f64 / (1024.0 * 1024.0)),
                });
            }
            match sniff(f) {
                Sniffed::Allowed(k) => Ok(k),
                Sniffed::Other(detected) => Err(ViolationError::FileTypeNotAllowed {
                    index: i + 1,
                    detected,
                }),
            }
        })
        .collect()
}

/// The text of a report, checked. The department is checked by the caller against the org tree
/// ([`may_be_reported`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReport {
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub received_on: Date,
}

/// Checks what a community worker typed. `today` is the reporter's local (Beijing) date.
pub fn check_report(
    title: &str,
    description: &str,
    channel: &str,
    received_on: &str,
    today: Date,
) -> Result<CheckedReport, ViolationError> {
    let title = text(
        InputText::line(title, MAX_TITLE_CHARS),
        "工作名称",
        ViolationError::TitleTooLong,
    )?;
    if title.is_empty() {
        return Err(ViolationError::EmptyTitle);
    }
    let description = text(
        InputText::paragraph(description, MAX_DESCRIPTION_CHARS),
        "说明",
        ViolationError::DescriptionTooLong,
    )?;
    let channel = Channel::parse(channel).ok_or(ViolationError::InvalidChannel)?;
    let received_on = parse_date(received_on).ok_or(ViolationError::InvalidDate)?;
    if received_on > today {
        return Err(ViolationError::DateInFuture);
    }
    Ok(CheckedReport {
        title,
        description,
        channel,
        received_on,
    })
}

/// A supervisor's opinion or a department's response: trimmed, no control characters, at most
/// [`MAX_COMMENT_CHARS`].
pub fn check_comment(comment: &str) -> Result<String, ViolationError> {
    text(
        InputText::paragraph(comment, MAX_COMMENT_CHARS),
        "意见",
        ViolationError::CommentTooLong,
    )
}

/// Free text through [`InputText`]; too long keeps the field's published code.
fn text(
    t: Result<InputText, TextError>,
    field: &'static str,
    too_long: ViolationError,
) -> Result<String, ViolationError> {
    t.map(InputText::into_string).map_err(|error| match error {
        TextError::TooLong { .. } => too_long,
        error => ViolationError::Text { field, error },
    })
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

pub fn format_date(d: Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_default()
}

/// Work reaches communities from district departments and from streets and towns; a report names
/// one of those, never a community or the district itself.
pub fn may_be_reported(kind: OrgKind) -> bool {
    matches!(kind, OrgKind::Department | OrgKind::Street | OrgKind::Town)
}

/// The state machine: only a `reported` report can be decided; confirming revokes the work;
/// dismissing needs a reason.
pub fn decide(
    current: Status,
    decision: Decision,
    comment: &str,
) -> Result<Outcome, ViolationError> {
    if current != Status::Reported {
        return Err(ViolationError::AlreadyDecided(current.label_zh()));
    }
    let comment = check_comment(comment)?;
    match decision {
        Decision::Confirm => Ok(Outcome {
            status: Status::Confirmed,
            revoked: true,
        }),
        Decision::Dismiss if comment.is_empty() => Err(ViolationError::CommentRequired),
        Decision::Dismiss => Ok(Outcome {
            status: Status::Dismissed,
            revoked: false,
        }),
    }
}

/// Which reports an account may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    /// Supervisors: every report in the district.
    All,
    /// A community's workers and director: the reports their community made.
    Community(OrgCode),
    /// A department's clerk or a street's officer: the reports against their organisation.
    Against(OrgCode),
    /// Everyone else (residents, approvers, administrators).
    Nobody,
}

impl Readers {
    pub fn may_read(&self, community: &str, department: &str) -> bool {
        match self {
            Readers::All => true,
            Readers::Community(c) => c.as_str() == community,
            Readers::Against(d) => d.as_str() == department,
            Readers::Nobody => false,
        }
    }
}

/// Least privilege for reports: supervisors read everything, a community its own reports, a
/// department (or street) the reports against it and nothing else.
pub fn readers_for(roles: &[Role], home: Option<&OrgCode>) -> Readers {
    if allows(roles, Permission::ConfirmViolations) {
        return Readers::All;
    }
    let Some(home) = home else {
        return Readers::Nobody;
    };
    if allows(roles, Permission::ReportViolations) {
        Readers::Community(home.clone())
    } else if allows(roles, Permission::SubmitAssignments) {
        Readers::Against(home.clone())
    } else {
        Readers::Nobody
    }
}

/// Whether the reporter's name may be shown. The department the report is against never learns
/// who reported it (no retaliation), and the public register shows no names at all.
pub fn shows_reporter(readers: &Readers) -> bool {
    matches!(readers, Readers::All | Readers::Community(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3";
    const JPG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF";

    /// One term per thing (issue 10 §3): the home page's tile, the list and the API all say
    /// 待核实 for a report nobody has decided yet.
    #[test]
    fn a_pending_report_is_called_one_thing() {
        assert_eq!(Status::Reported.label_zh(), "待核实");
    }

    #[test]
    fn allowed_types_are_recognised_by_content() {
        assert_eq!(
            check_evidence(&[PNG, PDF, JPG]).unwrap(),
            vec![EvidenceKind::Png, EvidenceKind::Pdf, EvidenceKind::Jpeg]
        );
        assert!(check_evidence::<&[u8]>(&[]).unwrap().is_empty());
    }

    /// Uploads with evidence are too large for the HTTP boundary's text check, so the report's
    /// own check must refuse control characters (INPUT_TEXT_CITATION).
    #[test]
    fn report_text_refuses_control_characters_and_line_breaks_in_the_title() {
        let today = date!(2026 - 11 - 28);
        let e = check_report("入户\u{0}调查", "", "wechat", "2026-11-27", today).unwrap_err();
        assert_eq!(e.code(), "control_character");
        assert!(e.to_string().contains("“工作名称”第 3 个字符"), "{e}");
        let e = check_report("入户\n调查", "", "wechat", "2026-11-27", today).unwrap_err();
        assert_eq!(e.code(), "line_break_not_allowed");
        let e = check_report("入户调查", "说明\u{1b}", "wechat", "2026-11-27", today).unwrap_err();
        assert_eq!(e.code(), "control_character");
        let long = "长".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(
            check_report(&long, "", "wechat", "2026-11-27", today).unwrap_err(),
            ViolationError::TitleTooLong
        );
        let ok = check_report(
            " 入户调查 ",
            "第一行\r\n第二行",
            "wechat",
            "2026-11-27",
            today,
        )
        .unwrap();
        assert_eq!(
            (ok.title.as_str(), ok.description.as_str()),
            ("入户调查", "第一行\n第二行")
        );
        assert_eq!(
            check_comment("意见\u{7f}").unwrap_err().code(),
            "control_character"
        );
        assert_eq!(
            decide(Status::Reported, Decision::Dismiss, " \u{0} ")
                .unwrap_err()
                .code(),
            "control_character"
        );
    }

    #[test]
    fn a_renamed_executable_is_refused_and_named_by_number() {
        for (bytes, what) in [
            (&b"MZ\x90\0\x03\0\0\0"[..], "Windows 可执行程序"),
            (&b"\x7fELF\x02\x01\x01"[..], "Linux 可执行程序"),
            (&b"#!/bin/sh\nrm -rf /"[..], "脚本程序"),
        ] {
            let e = check_evidence(&[PDF, bytes]).unwrap_err();
            assert_eq!(
                e,
                ViolationError::FileTypeNotAllowed {
                    index: 2,
                    detected: what
                }
            );
            assert_eq!(e.code(), "file_type_not_allowed");
            assert!(e.to_string().contains("第 2 个文件"), "{e}");
        }
    }

    #[test]
    fn magic_must_be_at_the_start_and_complete() {
        // A PDF marker later in the file does not make it a PDF; a truncated PNG magic is refused.
        assert!(matches!(sniff(b"MZ....%PDF-1.4"), Sniffed::Other(_)));
        assert!(matches!(sniff(b"\x89PNG"), Sniffed::Other(_)));
        assert!(matches!(sniff(b"%PDF"), Sniffed::Other(_)));
        assert!(matches!(sniff(b""), Sniffed::Other("空文件")));
    }

    #[test]
    fn at_most_five_files_of_five_megabytes() {
        let six = vec![PNG; 6];
        assert_eq!(
            check_evidence(&six).unwrap_err(),
            ViolationError::TooManyFiles(6)
        );
        assert!(check_evidence(&[PNG; 5]).is_ok());
        let mut big = PDF.to_vec();
        big.resize(MAX_FILE_BYTES, b' ');
        assert!(check_evidence(&[&big[..]]).is_ok());
        big.push(b' ');
        let e = check_evidence(&[PNG, &big[..]]).unwrap_err();
        assert_eq!(e.code(), "file_too_large");
        assert!(e.to_string().contains("第 2 个文件"), "{e}");
    }

    #[test]
    fn report_text_is_checked() {
        let today = date!(2026 - 11 - 28);
        let ok = check_report(" 填报 台账 ", "", "wechat", "2026-11-27", today).unwrap();
        assert_eq!(ok.title, "填报 台账");
        assert_eq!(ok.channel, Channel::Wechat);
        let code = |t: &str, c: &str, d: &str| check_report(t, "", c, d, today).unwrap_err().code();
        assert_eq!(code("  ", "phone", "2026-11-27"), "empty_title");
        assert_eq!(code("x", "fax", "2026-11-27"), "invalid_channel");
        assert_eq!(code("x", "phone", "2026/11/27"), "invalid_date");
        assert_eq!(code("x", "phone", "2026-11-29"), "date_in_future");
        assert_eq!(
            code(&"长".repeat(201), "phone", "2026-11-27"),
            "title_too_long"
        );
    }

    #[test]
    fn only_departments_streets_and_towns_are_reported() {
        for k in OrgKind::ALL {
            assert_eq!(
                may_be_reported(k),
                matches!(k, OrgKind::Department | OrgKind::Street | OrgKind::Town),
                "{k:?}"
            );
        }
    }

    #[test]
    fn confirming_revokes_and_dismissing_needs_a_reason() {
        assert_eq!(
            decide(Status::Reported, Decision::Confirm, "").unwrap(),
            Outcome {
                status: Status::Confirmed,
                revoked: true
            }
        );
        assert_eq!(
            decide(Status::Reported, Decision::Dismiss, "  ").unwrap_err(),
            ViolationError::CommentRequired
        );
        let d = decide(Status::Reported, Decision::Dismiss, "系街道自身职责").unwrap();
        assert_eq!(d.status, Status::Dismissed);
        assert!(!d.revoked);
    }

    #[test]
    fn a_decided_report_stays_decided() {
        for s in [Status::Confirmed, Status::Dismissed] {
            for d in [Decision::Confirm, Decision::Dismiss] {
                assert_eq!(decide(s, d, "理由").unwrap_err().code(), "already_decided");
            }
        }
    }

    #[test]
    fn who_reads_which_reports() {
        let c = |s: &str| OrgCode::parse(s).unwrap();
        let mzj = c("110115-MZJ");
        let home = c("110115001901");
        let r = readers_for(&[Role::Supervisor], Some(&c("110115")));
        assert!(r.may_read("110115001902", "110115-WJW"));
        let r = readers_for(&[Role::CommunityWorker], Some(&home));
        assert!(r.may_read("110115001901", "110115-MZJ"));
        assert!(!r.may_read("110115001902", "110115-MZJ"));
        let r = readers_for(&[Role::DepartmentClerk], Some(&mzj));
        assert!(r.may_read("110115001901", "110115-MZJ"));
        assert!(!r.may_read("110115001901", "110115-WJW"));
        assert!(!shows_reporter(&r));
        for role in [
            Role::Resident,
            Role::DistrictApprover,
            Role::SystemAdmin,
            Role::SecurityAdmin,
            Role::AuditAdmin,
        ] {
            assert_eq!(readers_for(&[role], Some(&home)), Readers::Nobody, "{role}");
        }
    }

    #[test]
    fn citations_name_the_clause() {
        assert!(REVOKE_CITATION.clause.contains("撤销、终止"));
        assert!(REVOKE_CITATION.document.contains("大兴区"));
    }
}
