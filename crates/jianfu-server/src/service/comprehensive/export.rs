//! The results as a workbook: one row per nominee, best first, with every part of its score and
//! what lost it the most points.

use super::{CycleView, NominationView};
use crate::service::ServiceError;
use crate::service::catalog_xlsx::{SheetData, write_sheets};
use jianfu_domain::evaluation::comprehensive::SATISFACTION_KEY;

pub fn results_xlsx(c: &CycleView, rows: &[NominationView]) -> Result<Vec<u8>, ServiceError> {
    let mut header: Vec<String> = vec![
        "名次".into(),
        "社区".into(),
        "街道（镇）".into(),
        "综合得分".into(),
        format!("居民满意度（{}%）", c.scheme.satisfaction_weight),
    ];
    header.extend(
        c.scheme
            .criteria
            .iter()
            .map(|k| format!("{}（{}%）", k.name, k.weight)),
    );
    header.extend(["失分最多的一项".to_string(), "说明".to_string()]);
    let mut out = vec![header];
    for n in rows {
        let Some(card) = &n.scorecard else {
            out.push(vec![
                String::new(),
                n.community_name.clone(),
                n.street_name.clone(),
                "未评分".into(),
            ]);
            continue;
        };
        let mut row = vec![
            n.rank
                .map(|r| r.to_string())
                .unwrap_or_else(|| "不排名".into()),
            n.community_name.clone(),
            n.street_name.clone(),
            format!("{:.1}", card.total),
        ];
        row.extend(card.parts.iter().map(|p| {
            if card.satisfaction_missing && p.key == SATISFACTION_KEY {
                "答卷不足".to_string()
            } else {
                format!("{:.1}", p.score)
            }
        }));
        row.push(n.main_driver());
        row.push(card.warnings.join("；"));
        out.push(row);
    }
    let mut widths = vec![6.0, 18.0, 14.0, 10.0, 16.0];
    widths.extend(c.scheme.criteria.iter().map(|_| 16.0));
    widths.extend([40.0, 30.0]);
    write_sheets(&[SheetData {
        name: format!("{}年度综合考评", c.year),
        widths,
        header: true,
        rows: out,
    }])
    .map_err(|e| ServiceError::Internal(format!("xlsx: {e}")))
}
