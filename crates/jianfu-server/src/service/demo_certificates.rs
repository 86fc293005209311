//! Sample certificate work for `serve --demo` (not for tests, whose counts start from zero): one
//! application at each step, so a person can click through every page, and one issued
//! certificate whose number and code are printed for trying the public verification page.
//! People and ID numbers are invented (the ID numbers are valid in form only).

use super::certificates::{ApplicationInput, Upload};
use super::{Actor, App, RequestMeta, ServiceError};
use std::collections::BTreeMap;

/// A one-pixel PNG standing in for a photo of an ID card or household register.
const SAMPLE_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const COMMUNITY: &str = "110115001901";

/// The certificate issued by the demo, for trying `/verify`.
pub struct DemoCertificate {
    pub number: String,
    pub code: String,
}

fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn uploads(materials: &[&str]) -> Vec<Upload> {
    materials
        .iter()
        .map(|m| Upload {
            material: m.to_string(),
            bytes: SAMPLE_PNG.to_vec(),
        })
        .collect()
}

impl App {
    /// The demo account as an actor, straight from its row: no login (three password hashes
    /// and sessions at start-up) is needed to act as it from the console.
    pub async fn demo_actor(&self, username: &str) -> Result<Actor, ServiceError> {
        let user = self
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("演示账号 {username}")))?;
        Ok(super::auth::actor_of(&user))
    }

    /// Adds the sample applications once (right after the demo district is first loaded).
    pub async fn load_demo_certificates(
        &self,
        meta: &RequestMeta,
    ) -> Result<DemoCertificate, ServiceError> {
        let resident = self.demo_actor("jumin").await?;
        let worker = self.demo_actor("shegong").await?;
        let director = self.demo_actor("shuji").await?;

        // 1. Issued: 亲属关系证明（仅限公证）for an inheritance notarisation, for the verification
        //    page. (Beijing's 2019 kinship items C02/C03 left the retained list in 2026.2.)
        let inheritance = ApplicationInput {
            item_code: "C05".into(),
            applicant_name: "王居民".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
            household_community: COMMUNITY.into(),
            reason: "父亲去世，继承其名下住房".into(),
            purpose: "到公证处办理继承公证".into(),
            asking_unit: "北京市大兴区公证处".into(),
            asking_article: "《中华人民共和国公证法》第十一条".into(),
            pledge: true,
            ..Default::default()
        };
        let id = self
            .apply_certificate(
                &resident,
                meta,
                &inheritance,
                uploads(&["id_card", "hukou", "evidence"]),
                None,
            )
            .await?
            .id;
        self.verify_certificate_application(
            &worker,
            meta,
            COMMUNITY,
            &id,
            facts(&[
                ("关系人", "王大山"),
                ("关系人身份证号", "110105194012310016"),
                ("关系", "父子"),
                ("公证机构", "北京市大兴区公证处"),
                ("公证事项", "继承权"),
            ]),
            true,
            "核对户口本原件和历史户籍档案：申请人与王大山系父子，原户籍均在本社区",
        )
        .await?;
        self.approve_certificate_application(&director, meta, COMMUNITY, &id)
            .await?;
        let issued = self
            .issue_certificate(&worker, meta, COMMUNITY, &id, "demo-issue-1")
            .await?;
        let code = self.certificate_code(&worker, &issued.number).await?;

        // 2. Checked by the worker, waiting for the director's seal approval: the guardianship
        //    the committee itself designated (民法典 第三十一条).
        let guardian = ApplicationInput {
            item_code: "C04".into(),
            applicant_name: "王居民".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
            household_community: COMMUNITY.into(),
            reason: "居委会指定我为母亲的监护人，代母亲办理房屋登记".into(),
            purpose: "代被监护人申请不动产登记".into(),
            asking_unit: "大兴区不动产登记中心".into(),
            asking_article: "《不动产登记暂行条例实施细则》第十二条".into(),
            pledge: true,
            ..Default::default()
        };
        let id = self
            .apply_certificate(
                &resident,
                meta,
                &guardian,
                uploads(&["id_card", "hukou", "evidence"]),
                None,
            )
            .await?
            .id;
        let checked = self
            .certificate_application_detail(&worker, COMMUNITY, &id)
            .await?;
        let mut values = BTreeMap::new();
        for f in checked.facts.iter().filter(|f| !f.auto) {
            let v = match f.name.as_str() {
                "被监护人" => "李秀兰",
                "被监护人身份证号" => "110105195203150021",
                "行为能力" => "无",
                "指定日期" => "2026年3月2日",
                "监护人" => "王居民",
                _ => "（演示）",
            };
            values.insert(f.name.clone(), v.to_string());
        }
        self.verify_certificate_application(
            &worker,
            meta,
            COMMUNITY,
            &id,
            values,
            true,
            "核对户口本和本居委会的指定监护决定书：被监护人户籍在本社区",
        )
        .await?;

        // 3. Just submitted, waiting for the worker: a kinship certificate for a notarisation.
        self.apply_certificate(
            &resident,
            meta,
            &ApplicationInput {
                purpose: "办理亲属关系公证".into(),
                reason: "与母亲的亲属关系需办理公证".into(),
                item_code: "C05".into(),
                asking_unit: "大兴区公证处".into(),
                asking_article: "《中华人民共和国公证法》第十一条".into(),
                ..guardian
            },
            uploads(&["id_card", "hukou"]),
            None,
        )
        .await?;

        // Sign the log's first checkpoint so verification shows a proof straight away.
        self.make_seal_checkpoint(&Actor::console(), meta, false)
            .await?;
        Ok(DemoCertificate {
            number: issued.number,
            code,
        })
    }
}
