//! Files of a refused application form are kept for the resident who picked them (issue 10 §2):
//! the form shows them again by name and size, the next submission uses them without picking
//! them again, and the material downloads byte for byte. Only the owner can use a kept file, a
//! file that failed the checks is not kept, and after 24 hours the purge deletes them and a stale
//! id is refused with a message asking for the file again. On SQLite and PostgreSQL.

use crate::certificate_pages::{
    COMMUNITY, EXE, ID, PNG, as_refs, complete_fields, get, household_item, location, post_apply,
};
use crate::helpers::{self, TestServer, hidden_field};
use jianfu_domain::gate::CatalogItem;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::ApplicationFilter;
use reqwest::Client;
use time::Duration;

/// An ID number with a wrong check character: the form is refused for it alone.
const BAD_ID: &str = "110115198001010018";
const GONE: &str = "已过期或无法使用";

/// The required materials' keys, and for each a distinct photo (PNG magic, own tail) and the
/// name it had on the phone.
fn photos(item: &CatalogItem) -> Vec<(String, String, Vec<u8>)> {
    item.certificate
        .as_ref()
        .unwrap()
        .required_materials()
        .enumerate()
        .map(|(i, m)| {
            let mut bytes = PNG.to_vec();
            bytes.extend(format!("photo {i} of {}", m.key).as_bytes());
            bytes.extend(std::iter::repeat_n(i as u8, 2000 + i));
            (m.key.clone(), format!("{}{i}.jpg", m.name), bytes)
        })
        .collect()
}

async fn form(s: &TestServer, c: &Client, item: &CatalogItem) -> (String, String) {
    let (status, page) = get(s, c, &format!("/certificates/apply?item={}", item.code)).await;
    assert_eq!(status, 200, "{page}");
    (
        hidden_field(&page, "csrf").unwrap(),
        hidden_field(&page, "key").unwrap(),
    )
}

/// The application form with every field complete, the ID number replaced by `id`, the given
/// extra fields (kept ids) and files; returns (status, page or location).
async fn submit(
    s: &TestServer,
    c: &Client,
    item: &CatalogItem,
    id: &str,
    extra: &[(String, String)],
    files: &[(String, String, Vec<u8>)],
) -> (u16, String) {
    let (csrf, key) = form(s, c, item).await;
    let mut fields = complete_fields(item, &csrf, &key);
    for f in fields.iter_mut() {
        if f.0 == "id_number" {
            f.1 = id.to_string();
        }
    }
    fields.extend(extra.iter().cloned());
    let named: Vec<(String, &str, &[u8])> = files
        .iter()
        .map(|(k, n, b)| (format!("m_{k}"), n.as_str(), b.as_slice()))
        .collect();
    let named: Vec<(&str, &str, &[u8])> =
        named.iter().map(|(f, n, b)| (f.as_str(), *n, *b)).collect();
    let r = post_apply(s, c, &as_refs(&fields), &named).await;
    let status = r.status().as_u16();
    if status == 303 {
        (status, location(&r))
    } else {
        (status, r.text().await.unwrap())
    }
}

/// The kept ids a re-rendered form carries, as the fields to send back.
fn kept_fields(page: &str, item: &CatalogItem) -> Vec<(String, String)> {
    item.certificate
        .as_ref()
        .unwrap()
        .materials
        .iter()
        .filter_map(|m| {
            let name = format!("kept_{}", m.key);
            hidden_field(page, &name).map(|v| (name, v))
        })
        .collect()
}

async fn applications(s: &TestServer) -> usize {
    s.app
        .store
        .list_certificate_applications(&ApplicationFilter {
            community: Some(COMMUNITY.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .len()
}

async fn user_id(s: &TestServer, username: &str) -> String {
    s.app
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn drafts(s: &TestServer, owner: &str, ids: &[String]) -> Vec<jianfu_store::UploadDraftRow> {
    let owner = user_id(s, owner).await;
    s.app
        .store
        .upload_drafts_of(COMMUNITY, &owner, ids)
        .await
        .unwrap()
}

fn ids(kept: &[(String, String)]) -> Vec<String> {
    kept.iter().map(|(_, v)| v.clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_drafts_refused_form_keeps_files_for_the_owner_until_they_expire() {
    for db in helpers::backends().await {
        let s = TestServer::start(db).await;
        let jumin = s.web_login("jumin").await;
        let item = household_item(&s).await;
        let files = photos(&item);
        assert!(!files.is_empty(), "the item asks for materials");

        // (a) Refused for the ID number alone: the photos stay, shown by name and size.
        let (status, page) = submit(&s, &jumin, &item, BAD_ID, &[], &files).await;
        assert_eq!(status, 422, "{page}");
        for (key, name, bytes) in &files {
            let size = format!("{} KB", (bytes.len() as f64 / 1024.0).round() as i64);
            assert!(
                page.contains(&format!("已上传：{name}（{size}）")),
                "{key} shown as kept: {page}"
            );
        }
        assert!(page.contains("换一个文件") && page.contains("name=\"drop\""));
        assert!(page.contains("不用再选"), "{page}");
        let kept = kept_fields(&page, &item);
        assert_eq!(kept.len(), files.len(), "{page}");
        // Stored encrypted, for the uploader alone.
        let rows = drafts(&s, "jumin", &ids(&kept)).await;
        assert_eq!(rows.len(), files.len());
        for r in &rows {
            let plain = &files.iter().find(|f| f.0 == r.material).unwrap().2;
            assert_ne!(&r.bytes, plain, "bytes encrypted at rest");
            assert!(!String::from_utf8_lossy(&r.bytes).contains("photo "));
            assert!(!r.file_name_enc.contains(".jpg"), "name encrypted too");
        }
        assert_eq!(applications(&s).await, 0);

        // (b) Another resident of the community posts those ids: not attached, asked again.
        s.app
            .create_account_owned(
                &Actor::console(),
                &RequestMeta::console(),
                &jianfu_server::service::accounts::NewAccount {
                    username: "jumin2".into(),
                    display_name: "钱居民".into(),
                    password: helpers::DEMO_PASSWORD.into(),
                    roles: vec!["resident".into()],
                    org: COMMUNITY.into(),
                },
            )
            .await
            .unwrap();
        let jumin2 = s.web_login("jumin2").await;
        let (status, other) = submit(&s, &jumin2, &item, ID, &kept, &[]).await;
        assert_eq!(status, 422, "{other}");
        assert!(
            other.contains(GONE) && other.contains("请重新选择文件"),
            "{other}"
        );
        assert!(
            !files
                .iter()
                .any(|(_, name, _)| other.contains(name.as_str())),
            "someone else's file names are not shown"
        );
        assert!(kept_fields(&other, &item).is_empty(), "nor their ids");
        assert_eq!(applications(&s).await, 0, "nothing stored with them");
        assert_eq!(
            drafts(&s, "jumin", &ids(&kept)).await.len(),
            files.len(),
            "and the owner's drafts are untouched"
        );

        // (a) The owner resubmits with the kept ids only, no file picked again: stored, the
        // materials are the photos byte for byte, and the drafts are gone.
        let (status, to) = submit(&s, &jumin, &item, ID, &kept, &[]).await;
        assert_eq!(status, 303, "{to}");
        let app_path = to.trim_end_matches("?created=1").to_string();
        let mut got: Vec<Vec<u8>> = Vec::new();
        for seq in 1..=files.len() {
            let r = jumin
                .get(s.url(&format!("{app_path}/materials/{seq}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            got.push(r.bytes().await.unwrap().to_vec());
        }
        let mut want: Vec<Vec<u8>> = files.iter().map(|f| f.2.clone()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "the kept files became the materials unchanged");
        let (status, _) = get(
            &s,
            &jumin,
            &format!("{app_path}/materials/{}", files.len() + 1),
        )
        .await;
        assert_eq!(status, 404, "nothing else attached");
        assert!(drafts(&s, "jumin", &ids(&kept)).await.is_empty());
        assert_eq!(applications(&s).await, 1);

        // (c) Kept again after another refusal; 23 hours later they are still there, after
        // 24 hours the purge deletes them and the stale ids are refused with the message.
        let (status, page) = submit(&s, &jumin, &item, BAD_ID, &[], &files).await;
        assert_eq!(status, 422);
        let kept = kept_fields(&page, &item);
        assert_eq!(kept.len(), files.len());
        s.clock.advance(Duration::hours(23));
        assert_eq!(
            s.app
                .purge_upload_drafts(&RequestMeta::console())
                .await
                .unwrap(),
            0
        );
        assert_eq!(drafts(&s, "jumin", &ids(&kept)).await.len(), files.len());
        s.clock.advance(Duration::hours(1) + Duration::minutes(1));
        assert_eq!(
            s.app
                .purge_upload_drafts(&RequestMeta::console())
                .await
                .unwrap(),
            files.len() as u64
        );
        assert!(drafts(&s, "jumin", &ids(&kept)).await.is_empty());
        // (The session lapsed meanwhile: the resident signs in again.)
        let jumin = s.web_login("jumin").await;
        let (status, page) = submit(&s, &jumin, &item, ID, &kept, &[]).await;
        assert_eq!(status, 422, "{page}");
        assert!(
            page.contains(GONE) && page.contains("请重新选择文件"),
            "{page}"
        );
        assert_eq!(applications(&s).await, 1);
        // The purge is in the audit trail.
        let (_, trail) = get(&s, &s.web_login("auditadmin").await, "/audit").await;
        assert!(
            trail.contains("删除过期的暂存材料文件")
                && trail.contains("暂存被退回申请表的材料文件"),
            "{trail}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_drafts_a_file_that_failed_the_checks_is_not_kept_and_a_new_pick_replaces() {
    for db in helpers::backends().await {
        let s = TestServer::start(db).await;
        let jumin = s.web_login("jumin").await;
        let item = household_item(&s).await;
        let mut files = photos(&item);
        // (d) The first material is a program named like a photo: refused, not kept; the
        // others (if any) are.
        files[0].1 = "户口本.jpg".into();
        files[0].2 = EXE.to_vec();
        let (status, page) = submit(&s, &jumin, &item, ID, &[], &files).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("Windows 可执行程序"), "{page}");
        assert!(!page.contains("已上传：户口本.jpg"), "{page}");
        assert!(hidden_field(&page, &format!("kept_{}", files[0].0)).is_none());
        let kept = kept_fields(&page, &item);
        assert_eq!(kept.len(), files.len() - 1, "{page}");

        // A real photo for the first material, plus the kept ones: stored.
        let mut photo = PNG.to_vec();
        photo.extend(b"the real one");
        let fixed = vec![(files[0].0.clone(), "户口本.png".to_string(), photo.clone())];
        let (status, page) = submit(&s, &jumin, &item, BAD_ID, &kept, &fixed).await;
        assert_eq!(status, 422, "refused for the ID number: {page}");
        let kept = kept_fields(&page, &item);
        assert_eq!(kept.len(), files.len(), "all kept now: {page}");

        // Replace the first one by picking again (the kept one goes), and let one go with “换一个
        // 文件” if there is a second: the form must then say that material is missing.
        let mut newer = PNG.to_vec();
        newer.extend(b"picked again");
        let again = vec![(files[0].0.clone(), "重拍.png".to_string(), newer.clone())];
        let (status, to) = submit(&s, &jumin, &item, ID, &kept, &again).await;
        assert_eq!(status, 303, "{to}");
        let app_path = to.trim_end_matches("?created=1").to_string();
        let mut got: Vec<Vec<u8>> = Vec::new();
        for seq in 1..=files.len() {
            let r = jumin
                .get(s.url(&format!("{app_path}/materials/{seq}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            got.push(r.bytes().await.unwrap().to_vec());
        }
        assert!(got.contains(&newer), "the new pick replaced the kept file");
        assert!(!got.contains(&photo), "the replaced one is not attached");
        assert!(
            drafts(&s, "jumin", &ids(&kept)).await.is_empty(),
            "used and replaced drafts deleted with the application"
        );

        if files.len() > 1 {
            let (status, page) = submit(&s, &jumin, &item, BAD_ID, &[], &files[1..]).await;
            assert_eq!(status, 422);
            let kept = kept_fields(&page, &item);
            let mut extra = kept.clone();
            extra.push(("drop".into(), kept[0].1.clone()));
            let (status, page) = submit(&s, &jumin, &item, ID, &extra, &[]).await;
            assert_eq!(status, 422, "a required material was let go: {page}");
            assert!(hidden_field(&page, &kept[0].0).is_none(), "{page}");
            assert!(drafts(&s, "jumin", &[kept[0].1.clone()]).await.is_empty());
        }
    }
}
