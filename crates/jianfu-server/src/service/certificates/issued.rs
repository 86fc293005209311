//! An issued certificate afterwards: found by its number, its printed verification code for the
//! issuing community, the community's list, and the printable PDF.

use super::{full_name_in, rejected};
use crate::service::{Actor, App, ServiceError};
use jianfu_domain::certificate::codes;
use jianfu_domain::permission::Permission;
use jianfu_store::CertificateRow;

impl App {
    /// A certificate by its number as typed: the community is read from the number (the
    /// distribution column of `certificates`), so the lookup touches one community's data.
    pub(super) async fn stored_certificate(
        &self,
        number: &str,
    ) -> Result<Option<CertificateRow>, ServiceError> {
        let Some(n) = codes::parse_certificate_number(number) else {
            return Ok(None);
        };
        Ok(self
            .store
            .certificate(&n.community_code, &n.to_string())
            .await?)
    }

    /// The certificate for staff of its community or its own applicant.
    pub async fn certificate_for(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<CertificateRow, ServiceError> {
        let not_found = || ServiceError::NotFound(format!("证明 {number}"));
        let c = self
            .stored_certificate(number)
            .await?
            .ok_or_else(not_found)?;
        self.readable_application(actor, &c.community_code, &c.application_id)
            .await
            .map_err(|_| not_found())?;
        Ok(c)
    }

    /// The verification code printed on a certificate, for its issuer's community only.
    pub async fn certificate_code(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let c = self.certificate_for(actor, number).await?;
        self.certificate_code_of(actor, &c).await
    }

    /// The code of a certificate already loaded (e.g. just issued), without reading it again.
    pub async fn certificate_code_of(
        &self,
        actor: &Actor,
        c: &CertificateRow,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        if self.actor_community(actor).await? != c.community_code {
            return Err(ServiceError::NotFound(format!("证明 {}", c.number)));
        }
        self.data_key().await?.decrypt(&c.verify_code_enc)
    }

    pub async fn list_certificates(
        &self,
        actor: &Actor,
    ) -> Result<Vec<CertificateRow>, ServiceError> {
        actor.require(Permission::HandleCertificates)?;
        let community = self.actor_community(actor).await?;
        Ok(self.store.list_certificates(&community, 500).await?)
    }

    /// The printable PDF (A4, embedded fonts, QR code to the public verification page).
    pub async fn certificate_pdf(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let c = self.certificate_for(actor, number).await?;
        if c.body_enc.is_empty() {
            return Err(rejected(
                "personal_data_purged",
                "证明正文已按个人信息保存期限删除，不能再打印；证明本身仍可公开核验",
            ));
        }
        let key = self.data_key().await?;
        let body = key.decrypt(&c.body_enc)?;
        let code = key.decrypt(&c.verify_code_enc)?;
        let community_name = full_name_in(&*self.org_tree().await?, &c.community_code);
        let issued_on = c.issued_on.splitn(3, '-').collect::<Vec<_>>();
        let issued_on_zh = match issued_on.as_slice() {
            [y, m, d] => format!(
                "{y}年{}月{}日",
                m.trim_start_matches('0'),
                d.trim_start_matches('0')
            ),
            _ => c.issued_on.clone(),
        };
        let url = format!(
            "{}/verify?number={}&code={}",
            self.public_base_url(),
            c.number,
            code
        );
        let addressee = if c.addressee.is_empty() {
            String::new()
        } else {
            format!("{}：", c.addressee)
        };
        // The legal basis, as the list in force when it was applied for states it.
        let basis = match self
            .store
            .certificate_application(&c.community_code, &c.application_id)
            .await?
        {
            Some(a) => {
                let catalog = match self.catalog_version(&a.catalog_version).await? {
                    Some(cat) => cat,
                    None => self.current_catalog().await?,
                };
                catalog
                    .item(&c.item_code)
                    .map(|it| {
                        it.legal_basis
                            .iter()
                            .map(|b| catalog.cite(b))
                            .collect::<Vec<_>>()
                            .join("；")
                    })
                    .unwrap_or_default()
            }
            None => String::new(),
        };
        let basis = if basis.is_empty() {
            String::new()
        } else {
            format!("出具依据：{basis}。")
        };
        let mut notes =
            vec!["本证明仅用于上述用途，涂改无效；以核验页面显示的状态为准。".to_string()];
        if !basis.is_empty() {
            notes.push(basis);
        }
        let revoked = c.status == "revoked";
        // Rendering is CPU work (milliseconds); keep it off the async workers.
        let bytes = tokio::task::spawn_blocking(move || {
            let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
            jianfu_pdf::render_certificate(&jianfu_pdf::CertificateDoc {
                title: &c.title,
                number: &c.number,
                body: &body,
                addressee: &addressee,
                community_name: &community_name,
                issued_on: &issued_on_zh,
                verify_code: &code,
                verify_url: &url,
                notes: &notes,
                revoked,
            })
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("pdf task: {e}")))?;
        bytes.map_err(|e| rejected(e.code(), e.to_string()))
    }

    pub fn public_base_url(&self) -> String {
        self.config
            .public_base_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{}", self.config.bind))
    }
}
