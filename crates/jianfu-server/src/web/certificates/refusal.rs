//! Why the form was refused, as the page explains it: the heading, the path to the right office,
//! the rule, and every field to mark.

use crate::App;
use crate::service::certificates::ApplicationInput;
use jianfu_domain::certificate::application;

/// A refusal as the page explains it: a heading, what happened, where to go instead, on what
/// rule, and what else is still missing.
pub struct Refusal {
    pub title: &'static str,
    pub message: String,
    pub go_to: String,
    pub citation: String,
    /// The refusal is about the certificate itself (not a field): offer to choose another.
    pub about_certificate: bool,
    /// Further things to fix, each already explained (screening reports them all at once).
    pub more: Vec<String>,
    /// Form fields to mark, with the explanation shown under each.
    pub fields: Vec<(&'static str, String)>,
}

fn title_of(code: &str) -> &'static str {
    match code {
        "certificate_on_negative_list" => "这项证明不由社区出具",
        "certificate_not_on_list" => "这项证明不在社区可以出具的清单上",
        "certificate_not_chosen" => "请先选择要开的证明",
        "certificate_name_too_long" => "证明名称太长了",
        "certificate_other_body" => "这项证明应由其他单位出具",
        "asking_unit_missing" => "请说明是谁要求开这份证明",
        "asking_unit_conflict" => "要求开具单位和“居民自用”只能选一个",
        "unit_own_matter" => "这件事应由要求开具的单位自行核实",
        "unit_cites_no_article" => "请写明单位要求开具证明的法律依据",
        "outside_community" => "请到户籍所在社区申请",
        "pledge_not_confirmed" => "请确认如实申报承诺",
        "materials_missing"
        | "material_too_large"
        | "material_type_not_allowed"
        | "too_many_materials"
        | "unknown_material" => "材料需要补充或更换",
        "upload_draft_unavailable" => "之前上传的材料需要重新选择",
        _ => "申请还不能提交",
    }
}

/// The form field a service-level refusal concerns (screening refusals name their own).
fn field_of(code: &str) -> &'static str {
    match code {
        "name_missing" => "applicant_name",
        "id_number_invalid" => "id_number",
        "phone_invalid" => "phone",
        "household_missing" | "unknown_community" => "household_community",
        c if c.starts_with("material")
            || c.ends_with("_materials")
            || c == "unknown_material"
            || c == "upload_draft_unavailable" =>
        {
            "materials"
        }
        _ => "",
    }
}

impl Refusal {
    /// A refusal the service gave in one message.
    pub(super) fn of(code: &str, message: &str) -> Self {
        let field = field_of(code);
        Refusal {
            title: title_of(code),
            message: message.trim().to_string(),
            go_to: String::new(),
            citation: String::new(),
            about_certificate: false,
            more: vec![],
            fields: if field.is_empty() {
                vec![]
            } else {
                vec![(field, message.trim().to_string())]
            },
        }
    }

    /// The screening's refusals, most useful first, each with where to go and its rule.
    pub(super) fn screened(all: &[application::Refusal]) -> Option<Self> {
        let (first, rest) = all.split_first()?;
        Some(Refusal {
            title: title_of(first.code),
            message: first.message.clone(),
            go_to: first.go_to.clone(),
            citation: first.citation.to_string(),
            about_certificate: matches!(
                first.code,
                "certificate_on_negative_list"
                    | "certificate_not_on_list"
                    | "certificate_other_body"
                    | "unit_own_matter"
            ),
            more: rest.iter().map(|r| r.to_string()).collect(),
            fields: all.iter().map(|r| (r.field, r.message.clone())).collect(),
        })
    }
}

/// Why the service refused, in detail: the same pure screening the service ran (it answers with
/// one message; the form wants the path separately and every field to mark). Empty when the
/// screening passes, i.e. the service refused for something screening does not cover.
pub(super) async fn explain(
    app: &App,
    actor: &crate::service::Actor,
    input: &ApplicationInput,
    material_keys: &[String],
) -> Vec<application::Refusal> {
    let Ok(catalog) = app.current_catalog().await else {
        return vec![];
    };
    let issuing = actor
        .org
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let materials: Vec<&str> = material_keys.iter().map(String::as_str).collect();
    application::screen_all(&input.screening(&issuing, &materials), &catalog)
        .err()
        .unwrap_or_default()
}
