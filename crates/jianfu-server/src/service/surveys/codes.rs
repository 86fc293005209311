//! One-time household codes. The community's street (or the district) prints a batch of slips
//! for one community: the codes exist in plain text only in the PDF handed back; the store keeps
//! their digests. A batch whose slips went astray is voided as a whole (its unused codes stop
//! working).

use super::{SurveyView, bad};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::survey::household_code::{code_digest, format_household_code};
use jianfu_domain::{Org, OrgCode, OrgKind};
use jianfu_store::CodeBatchRow;

/// Most slips in one batch (a large community prints several batches).
pub const MAX_BATCH: usize = 2_000;
/// Fewest: with a batch of one slip, its "used" count would tell which household answered.
pub const MIN_BATCH: usize = 5;

/// A slip that cannot be printed: what the survey or the community can change (a name too long
/// for the slip, a character the font lacks) is the caller's to fix; the rest is ours.
pub(super) fn slip_error(e: jianfu_pdf::PdfError) -> ServiceError {
    use jianfu_pdf::PdfError as P;
    match e {
        P::TooWide { .. }
        | P::MissingGlyphs(_)
        | P::ControlCharacter { .. }
        | P::SlipFieldEmpty { .. } => bad(
            "slip_text_does_not_fit",
            format!("入户码纸条排不下或印不出：{e}"),
        ),
        other => ServiceError::Internal(format!("slips: {other}")),
    }
}

/// The printed batch.
pub struct CodeSlipsPdf {
    pub bytes: Vec<u8>,
    pub filename: String,
    pub batch: i64,
}

impl App {
    /// The community, if the actor may handle its codes (`p`) and results within scope.
    pub(super) async fn community_in_scope(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<Org, ServiceError> {
        let tree = self.org_tree().await?;
        let not_found = || ServiceError::NotFound("没有这个社区".into());
        let code = OrgCode::parse(community).map_err(|_| not_found())?;
        let org = tree
            .get(&code)
            .filter(|o| o.kind == OrgKind::Community)
            .ok_or_else(not_found)?;
        if !actor.scope().can_read_records_of(&org.code, &tree) {
            return Err(not_found());
        }
        Ok(org.clone())
    }

    /// A community named in a request body or query (not the path): one that does not exist or
    /// lies outside the actor's scope is a refused input (422 `unknown_community`), so that a 404
    /// always means the survey in the path, and the answer does not tell which of the two it was.
    pub(super) async fn named_community_in_scope(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<Org, ServiceError> {
        match self.community_in_scope(actor, community).await {
            Err(ServiceError::NotFound(_)) => Err(ServiceError::rejected(
                "unknown_community",
                format!("没有机构代码为“{community}”的社区，或它不在您的管辖范围内。"),
            )),
            other => other,
        }
    }

    /// Prints `count` new codes for `community` as a PDF of slips.
    pub async fn print_survey_codes(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        survey_id: &str,
        community: &str,
        count: &str,
    ) -> Result<CodeSlipsPdf, ServiceError> {
        actor.require(Permission::PrintSurveyCodes)?;
        let survey = self.survey(survey_id).await?;
        use jianfu_domain::survey::Phase;
        if !matches!(survey.phase, Phase::Scheduled | Phase::Open) {
            return Err(bad(
                "survey_not_open",
                format!(
                    "问卷“{}”{}，不能再打印入户码。",
                    survey.title(),
                    survey.phase.label_zh()
                ),
            ));
        }
        let org = self.named_community_in_scope(actor, community).await?;
        let count: usize = jianfu_domain::text::half_width_text(count.trim())
            .parse()
            .ok()
            .filter(|n| (MIN_BATCH..=MAX_BATCH).contains(n))
            .ok_or_else(|| {
                bad(
                    "bad_code_count",
                    format!(
                        "张数请填 {MIN_BATCH} 到 {MAX_BATCH} 之间的整数（按户数打印，一户一张；一批至少 {MIN_BATCH} 张，以免从使用数看出是哪一户答了）。"
                    ),
                )
            })?;
        let mut codes: Vec<String> = Vec::with_capacity(count);
        while codes.len() < count {
            let mut r = [0u8; 5];
            getrandom::fill(&mut r).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
            let c = format_household_code(r);
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        let digests: Vec<String> = codes.iter().map(|c| code_digest(survey_id, c)).collect();
        let url = format!(
            "{}{}",
            self.public_base_url(),
            survey.answer_path(org.code.as_str())
        );
        let closes = survey
            .closes_on
            .as_deref()
            .and_then(jianfu_domain::inventory::status::parse_day)
            .map(|d| format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()))
            .unwrap_or_default();
        let title = survey.title().to_string();
        let name = org.name.clone();
        let printed = codes.clone();
        // Rendering is CPU work (fonts, QR codes): off the async workers.
        let bytes = tokio::task::spawn_blocking(move || {
            jianfu_pdf::render_code_slips(&jianfu_pdf::CodeSlips {
                survey_title: &title,
                community_name: &name,
                url: &url,
                codes: &printed,
                closes_on: &closes,
                note: "每户一码，只能提交一次。答卷匿名：不记录您的姓名、门牌号、手机号和IP地址。",
            })
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("slips task: {e}")))?
        .map_err(slip_error)?;
        let row = CodeBatchRow {
            community_code: org.code.to_string(),
            survey_id: survey_id.to_string(),
            batch: 0,
            codes: count as i64,
            printed_by: actor.username.clone().unwrap_or_default(),
            printed_by_org: actor
                .org
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_default(),
            printed_on: self.today().to_string(),
            voided_on: None,
            spent: 0,
        };
        let mut a = self.audit(
            actor,
            meta,
            "survey.codes",
            format!("survey:{survey_id}/{}", org.code),
        );
        a.detail = serde_json::json!({"count": count}).to_string();
        // Two prints for one community at once may pick the same batch number (PostgreSQL reads
        // the last one without a lock); the loser tries again on the new last number.
        let mut attempt = 0;
        let batch = loop {
            match self.store.add_code_batch(&row, &digests, a.clone()).await {
                Err(jianfu_store::StoreError::Conflict(_)) if attempt < 3 => attempt += 1,
                other => break other?,
            }
        };
        Ok(CodeSlipsPdf {
            bytes,
            filename: format!("survey-codes-{}-{batch}.pdf", org.code),
            batch,
        })
    }

    /// Voids the unused codes of one batch.
    pub async fn void_survey_codes(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        survey_id: &str,
        community: &str,
        batch: i64,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::PrintSurveyCodes)?;
        let survey = self.survey(survey_id).await?;
        if survey.phase.results_open() {
            return Err(bad(
                "survey_closed",
                "调查已经结束，入户码不能再作废：作废会改变已公布的回收率。",
            ));
        }
        let org = self.named_community_in_scope(actor, community).await?;
        let a = self.audit(
            actor,
            meta,
            "survey.codes_void",
            format!("survey:{survey_id}/{}#{batch}", org.code),
        );
        if !self
            .store
            .void_code_batch(
                org.code.as_str(),
                survey_id,
                batch,
                &self.today().to_string(),
                a,
            )
            .await?
        {
            return Err(bad("batch_not_found", "没有这一批入户码，或它已经作废。"));
        }
        Ok(())
    }

    /// The batches printed for a community.
    pub async fn survey_code_batches(
        &self,
        actor: &Actor,
        survey: &SurveyView,
        community: &str,
    ) -> Result<Vec<CodeBatchRow>, ServiceError> {
        if !(actor.may(Permission::PrintSurveyCodes) || actor.may(Permission::ViewSurveyResults)) {
            return Err(ServiceError::Forbidden);
        }
        let org = self.community_in_scope(actor, community).await?;
        Ok(self
            .store
            .code_batches(&survey.id, org.code.as_str())
            .await?)
    }
}
