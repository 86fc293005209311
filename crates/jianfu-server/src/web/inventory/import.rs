//! Workbook import (a community's entries from .xlsx or CSV) and export (what the reader sees).

use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::inventory::xlsx::{COLUMNS, export_xlsx};
use crate::service::listing::{Listing, MAX_PAGE_SIZE};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "inventory_import.html")]
pub struct ImportPage {
    pub ctx: PageContext,
    pub error: Option<String>,
    pub columns: String,
}

fn import_page(ctx: PageContext, error: Option<String>) -> Response {
    let refused = error.is_some();
    let mut resp = render(&ImportPage {
        ctx,
        error,
        columns: COLUMNS.join("、"),
    });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

pub(super) async fn form(ctx: PageContext) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::RecordInventory)?;
    Ok(import_page(ctx, None))
}

pub(super) async fn upload(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::RecordInventory)?;
    let Ok(mut multipart) = multipart else {
        return Ok(crate::web::error_page(
            StatusCode::BAD_REQUEST,
            "提交的表单无法读取，请返回上一页刷新后重试。",
        ));
    };
    let (mut csrf, mut file) = (String::new(), Vec::new());
    let mut read_error = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                match f.bytes().await {
                    Ok(b) if name == "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                    Ok(b) if name == "file" => file = b.to_vec(),
                    Ok(_) => {}
                    Err(_) => {
                        read_error = Some("文件超过 5 MB 或上传中断，请检查后重新上传。");
                        break;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                read_error = Some("文件超过 5 MB 或上传中断，请检查后重新上传。");
                break;
            }
        }
    }
    ctx.check_csrf(&csrf)?;
    if let Some(msg) = read_error {
        return Ok(import_page(ctx, Some(msg.into())));
    }
    if file.is_empty() {
        return Ok(import_page(
            ctx,
            Some("请选择要上传的负担台账表格（.xlsx 或 .csv）。".into()),
        ));
    }
    match app.import_inventory(&actor, &meta, &file).await {
        Ok(n) => Ok(Redirect::to(&format!("/inventory?imported={n}")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => Ok(import_page(
            ctx,
            Some(format!("{message}（一行也没有导入；改好后重新上传即可。）")),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// `1`: the header only, as a template to fill.
    #[serde(default)]
    blank: String,
}

/// Everything the reader sees, page by page, as one workbook.
pub(super) async fn export(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ViewInventory)?;
    let mut entries = Vec::new();
    if q.blank.is_empty() {
        let mut page = 1;
        loop {
            let listing = Listing {
                page,
                per_page: MAX_PAGE_SIZE,
                past_end_shows_last: false,
                ..Listing::default()
            };
            let p = app.inventory(&actor, &listing, None, None, false).await?;
            let done = p.items.is_empty() || page >= p.pages();
            entries.extend(p.items);
            if done {
                break;
            }
            page += 1;
        }
    }
    let bytes = export_xlsx(&entries)?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Disposition::Attachment,
        &format!("inventory-{}.xlsx", app.today_beijing()),
        bytes,
    ))
}
