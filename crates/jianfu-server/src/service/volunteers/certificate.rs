//! 志愿服务记录证明：按志愿者的需要，依据记录无偿、如实出具（条例第十九条第二款，办法第三条、
//! 第十四条）；志愿者本人可在系统中打印（办法第十四条），社区也可为其出具。编号、核验码、正文
//! 和用印登记在一个事务里写；PDF 用居民证明的同一排版（`jianfu-pdf`），二维码指向公开核验页；
//! 核验错误的次数按来源限制，与居民证明共用限流（办法第十七条：可查验，不得伪造）。

use super::rejected;
use crate::service::certificates::full_name_in;
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::certificate::codes;
use jianfu_domain::masking::{mask_id_from_last4, mask_name};
use jianfu_domain::permission::Permission;
use jianfu_domain::verify_limit::{self, Verdict};
use jianfu_domain::volunteer::certificate::{
    self as vc, CertificateFacts, ServiceLine, certificate_body,
};
use jianfu_domain::volunteer::hours::format_hours;
use jianfu_store::{SealDraft, VolunteerCertificateRow, VolunteerRow};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// An issued record certificate, as its volunteer and the community see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolCertificate)]
pub struct VolunteerCertificateView {
    pub community: String,
    /// 证明编号，如 ZY110115001901-2026-000001。
    pub number: String,
    /// 开具日期（YYYY-MM-DD）。
    pub issued_on: String,
    /// 证明所载的服务时间合计（小时）。
    pub total_hours: String,
    /// 证明对象（脱敏）。
    pub holder: String,
    /// 核验码：只在出具时返回给出具人（也印在 PDF 上）。
    pub verify_code: Option<String>,
    /// 收费：永远为 0（无偿出具，条例第十九条第二款）。
    pub fee: i64,
    /// true：服务记录（每次活动及其服务时间）自这份证明出具以来没有变化，返回的是已出具的这份，
    /// 没有重复出具、没有再次用印。
    pub already_issued: bool,
}

impl From<&VolunteerCertificateRow> for VolunteerCertificateView {
    fn from(c: &VolunteerCertificateRow) -> Self {
        Self {
            community: c.community_code.clone(),
            number: c.number.clone(),
            issued_on: c.issued_on.clone(),
            total_hours: format_hours(c.total_minutes),
            holder: c.holder_masked.clone(),
            verify_code: None,
            fee: 0,
            already_issued: false,
        }
    }
}

impl VolunteerCertificateView {
    pub fn pdf_path(&self) -> String {
        format!(
            "/volunteers/certificates/{}/{}.pdf",
            self.community, self.number
        )
    }
}

/// What public verification tells: genuine or not, masked holder, hours, recorder, seal entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolVerified)]
pub struct VerifiedVolunteerCertificate {
    pub number: String,
    pub title: String,
    /// 记录单位（出具社区）。
    pub recorder: String,
    pub issued_on: String,
    /// 证明对象（已脱敏）。
    pub holder_masked: String,
    /// 证明所载的服务时间合计（小时）。
    pub total_hours: String,
    /// 用印登记簿（出具社区代码）与序号。
    pub seal_log: String,
    pub seal_seq: i64,
}

/// Who issues: the volunteer through the system (办法 §14), or a worker of the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Issuer {
    Volunteer,
    Community,
}

/// Approver and handler in the seal log of a certificate the volunteer issued themselves: no
/// person of the community approved or handled it, and the volunteer is not named.
pub const SELF_REQUESTED: &str = "系统（志愿者本人申请）";

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

impl App {
    /// The volunteer asks for their own certificate (办法 §14: 志愿者可以在系统中打印本人的证明).
    pub async fn request_volunteer_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
    ) -> Result<VolunteerCertificateView, ServiceError> {
        actor.require(Permission::RegisterVolunteer)?;
        let v = self
            .own_volunteer(actor)
            .await?
            .ok_or_else(|| rejected("not_registered", "您还没有登记为志愿者，没有可出具的记录"))?;
        self.issue_for(actor, Op::Do(meta), v, Issuer::Volunteer)
            .await
    }

    /// The checks of [`Self::request_volunteer_certificate`] (for the confirmation page).
    pub async fn check_request_volunteer_certificate(
        &self,
        actor: &Actor,
    ) -> Result<VolunteerCertificateView, ServiceError> {
        actor.require(Permission::RegisterVolunteer)?;
        let v = self
            .own_volunteer(actor)
            .await?
            .ok_or_else(|| rejected("not_registered", "您还没有登记为志愿者，没有可出具的记录"))?;
        self.issue_for(actor, Op::Check, v, Issuer::Volunteer).await
    }

    /// The community issues a volunteer's certificate on their request.
    pub async fn issue_volunteer_certificate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        volunteer_id: &str,
    ) -> Result<VolunteerCertificateView, ServiceError> {
        self.require_organiser(actor, community).await?;
        let v = self
            .store
            .volunteer(community, volunteer_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("志愿者".into()))?;
        self.issue_for(actor, Op::Do(meta), v, Issuer::Community)
            .await
    }

    /// The checks of [`Self::issue_volunteer_certificate`] (for the confirmation page).
    pub async fn check_issue_volunteer_certificate(
        &self,
        actor: &Actor,
        community: &str,
        volunteer_id: &str,
    ) -> Result<VolunteerCertificateView, ServiceError> {
        self.require_organiser(actor, community).await?;
        let v = self
            .store
            .volunteer(community, volunteer_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("志愿者".into()))?;
        self.issue_for(actor, Op::Check, v, Issuer::Community).await
    }

    /// Issues the certificate, or returns the latest one when the service record it states has
    /// not changed since (the same text): asking again neither issues nor seals again.
    async fn issue_for(
        &self,
        actor: &Actor,
        op: Op<'_>,
        v: VolunteerRow,
        issuer: Issuer,
    ) -> Result<VolunteerCertificateView, ServiceError> {
        if v.status != "confirmed" {
            return Err(rejected(
                "volunteer_not_confirmed",
                "志愿者登记尚未经社区确认，暂不能出具志愿服务记录证明",
            ));
        }
        let records = self.store.service_record(&v.community_code, &v.id).await?;
        let lines: Vec<ServiceLine> = records
            .iter()
            .filter(|r| r.attended && !r.cancelled)
            .map(|r| ServiceLine {
                date: jianfu_domain::clock::format_beijing(r.starts_at)
                    .chars()
                    .take(10)
                    .collect(),
                title: r.title.clone(),
                place: r.place.clone(),
                minutes: r.minutes.unwrap_or(0),
            })
            .collect();
        let key = self.data_key().await?;
        let name = key.decrypt(&v.name_enc)?;
        let tree = self.org_tree().await?;
        let recorder = full_name_in(&tree, &v.community_code);
        let facts = CertificateFacts {
            holder_name: name.clone(),
            id_masked: mask_id_from_last4(&v.id_number_last4),
            recorder,
            lines,
        };
        let body = certificate_body(&facts).map_err(super::refused)?;
        // Unchanged record since the latest certificate: that certificate, not a new one.
        if let Some(latest) = self
            .store
            .volunteer_certificates_of(&v.community_code, &v.id)
            .await?
            .into_iter()
            .next()
            && key.decrypt(&latest.body_enc)? == body
        {
            let mut view = VolunteerCertificateView::from(&latest);
            if matches!(op, Op::Do(_)) {
                view.verify_code = Some(key.decrypt(&latest.verify_code_enc)?);
            }
            view.already_issued = true;
            return Ok(view);
        }
        let Op::Do(meta) = op else {
            return Ok(VolunteerCertificateView {
                community: v.community_code.clone(),
                number: String::new(),
                issued_on: self.today_beijing(),
                total_hours: format_hours(vc::total_minutes(&facts.lines)),
                holder: mask_name(&name),
                verify_code: None,
                fee: 0,
                already_issued: false,
            });
        };
        let mut random = [0u8; 5];
        getrandom::fill(&mut random).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
        let code = codes::format_verify_code(random);
        let normalized = codes::normalize_verify_code(&code)
            .ok_or_else(|| ServiceError::Internal("fresh code does not parse".into()))?;
        let now = self.now_ms();
        let me = actor.username.clone().unwrap_or_default();
        let row = VolunteerCertificateRow {
            community_code: v.community_code.clone(),
            number: String::new(),
            volunteer_id: v.id.clone(),
            body_enc: key.encrypt(&body)?,
            holder_masked: mask_name(&name),
            total_minutes: vc::total_minutes(&facts.lines),
            issued_on: self.today_beijing(),
            issued_at: now,
            issued_by: me.clone(),
            verify_code_hash: sha256_hex(normalized.as_bytes()),
            verify_code_enc: key.encrypt(&code)?,
            seal_log: String::new(),
            seal_seq: 0,
        };
        // The seal log keeps its personal part in clear (until the retention rule deletes it):
        // the masked name only, no phone. A volunteer's own request is approved and handled by
        // no person of the community: the log says so instead of naming the volunteer.
        let signer = match issuer {
            Issuer::Volunteer => SELF_REQUESTED.to_string(),
            Issuer::Community => me.clone(),
        };
        let seal = SealDraft {
            community_code: v.community_code.clone(),
            kind: "certificate".into(),
            subject: String::new(),
            content: format!("出具{}（{}，无偿）", vc::TITLE, mask_name(&name)),
            copies: 1,
            approver: signer.clone(),
            handler: signer,
            applicant: mask_name(&name),
            contact: String::new(),
            used_at: now,
        };
        let community = v.community_code.clone();
        let year = self.today().year();
        let number_for = move |seq: u64| vc::certificate_number(&community, year, seq);
        let mut audit = self.audit(actor, meta, "volunteer_certificate.issue", "");
        audit.detail =
            serde_json::json!({"volunteer": v.id, "minutes": row.total_minutes}).to_string();
        let issued = self
            .store
            .issue_volunteer_certificate(
                row,
                year,
                seal,
                self.district_seal_alg().await?,
                &number_for,
                audit,
            )
            .await?;
        let mut view = VolunteerCertificateView::from(&issued);
        view.verify_code = Some(code);
        Ok(view)
    }

    /// A certificate for its volunteer or the community's organisers; NotFound for anyone else.
    async fn readable_volunteer_certificate(
        &self,
        actor: &Actor,
        community: &str,
        number: &str,
    ) -> Result<VolunteerCertificateRow, ServiceError> {
        let not_found = || ServiceError::NotFound(format!("志愿服务记录证明 {number}"));
        let c = self
            .store
            .volunteer_certificate(community, number)
            .await?
            .ok_or_else(not_found)?;
        let own = match self.own_volunteer(actor).await {
            Ok(Some(v)) => v.community_code == c.community_code && v.id == c.volunteer_id,
            _ => false,
        };
        if own || self.organises(actor, community).await {
            Ok(c)
        } else {
            Err(not_found())
        }
    }

    /// A certificate just issued, for the page the issuing form redirects to: with its
    /// verification code (printed on its PDF too), for its volunteer or the organisers only.
    pub async fn issued_volunteer_certificate(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<VolunteerCertificateView, ServiceError> {
        let (community, number) = vc::parse_certificate_number(number)
            .ok_or_else(|| ServiceError::NotFound(format!("志愿服务记录证明 {number}")))?;
        let c = self
            .readable_volunteer_certificate(actor, &community, &number)
            .await?;
        let mut view = VolunteerCertificateView::from(&c);
        view.verify_code = Some(self.data_key().await?.decrypt(&c.verify_code_enc)?);
        Ok(view)
    }

    /// The printable PDF: the same A4 layout as resident certificates, QR code to verification.
    pub async fn volunteer_certificate_pdf(
        &self,
        actor: &Actor,
        community: &str,
        number: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let c = self
            .readable_volunteer_certificate(actor, community, number)
            .await?;
        let key = self.data_key().await?;
        let body = key.decrypt(&c.body_enc)?;
        let code = key.decrypt(&c.verify_code_enc)?;
        let community_name = full_name_in(&*self.org_tree().await?, &c.community_code);
        let issued_on = match c.issued_on.splitn(3, '-').collect::<Vec<_>>().as_slice() {
            [y, m, d] => format!(
                "{y}年{}月{}日",
                m.trim_start_matches('0'),
                d.trim_start_matches('0')
            ),
            _ => c.issued_on.clone(),
        };
        let url = format!(
            "{}/verify/volunteer?number={}&code={}",
            self.public_base_url(),
            c.number,
            code
        );
        let notes = vc::notes();
        let bytes = tokio::task::spawn_blocking(move || {
            let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
            jianfu_pdf::render_certificate(&jianfu_pdf::CertificateDoc {
                title: vc::TITLE,
                number: &c.number,
                body: &body,
                addressee: "",
                community_name: &community_name,
                issued_on: &issued_on,
                verify_code: &code,
                verify_url: &url,
                notes: &notes,
                revoked: false,
            })
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("pdf task: {e}")))?;
        bytes.map_err(|e| rejected(e.code(), e.to_string()))
    }

    /// Public verification (no login). An unknown number and a wrong code get the same answer,
    /// `certificate_not_found`; wrong tries are limited per client, as for resident certificates.
    pub async fn verify_volunteer_certificate(
        &self,
        meta: &RequestMeta,
        number: &str,
        code: &str,
    ) -> Result<VerifiedVolunteerCertificate, ServiceError> {
        let now = self.now_ms();
        let client = verify_limit::client_key(meta.client_addr.as_deref().unwrap_or("?"));
        if let Verdict::Throttled { until } =
            self.verify_limiter
                .check_under(verify_limit::PER_CLIENT, &client, now)
        {
            let minutes = ((until - now) as f64 / 60_000.0).ceil().max(1.0) as i64;
            return Err(ServiceError::RateLimited(format!(
                "您输入错误的核验码次数过多，请 {minutes} 分钟后再试。如证明确有疑问，请联系出具证明的社区。"
            )));
        }
        if number.trim().is_empty() || code.trim().is_empty() {
            return Err(rejected(
                "verification_input_missing",
                "请填写证明编号和核验码",
            ));
        }
        let parsed = vc::parse_certificate_number(number);
        let normalized = codes::normalize_verify_code(code);
        let found = match (&parsed, &normalized) {
            (Some((community, n)), Some(_)) => {
                self.store.volunteer_certificate(community, n).await?
            }
            _ => None,
        };
        let genuine = match (&found, &normalized) {
            (Some(c), Some(n)) => subtle::ConstantTimeEq::ct_eq(
                c.verify_code_hash.as_bytes(),
                sha256_hex(n.as_bytes()).as_bytes(),
            )
            .into(),
            _ => false,
        };
        let Some(c) = found.filter(|_| genuine) else {
            self.verify_limiter
                .fail_under(verify_limit::PER_CLIENT, &client, now);
            return Err(rejected(
                "certificate_not_found",
                "没有查到这份志愿服务记录证明：编号或核验码不正确。请核对证明下方二维码右边的编号（ZY 开头）和 8 位核验码；\
                 伪造、变造志愿服务记录证明是违法的（《志愿服务记录与证明出具办法（试行）》第十七条）。多次输入错误将被暂时限制。",
            ));
        };
        let tree = self.org_tree().await?;
        Ok(VerifiedVolunteerCertificate {
            number: c.number.clone(),
            title: vc::TITLE.into(),
            recorder: full_name_in(&tree, &c.community_code),
            issued_on: c.issued_on.clone(),
            holder_masked: c.holder_masked.clone(),
            total_hours: format_hours(c.total_minutes),
            seal_log: c.seal_log,
            seal_seq: c.seal_seq,
        })
    }
}
