//! The funding ledger (经费台账, 费随事转): every funding row in the actor's scope with names,
//! and its totals per community, department and year.

use crate::service::{Actor, App, ServiceError};
use jianfu_domain::assignment as case;
use jianfu_store::FundingLine;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One total of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingTotal {
    pub key: String,
    pub label: String,
    pub amount_fen: i64,
    pub amount_yuan: String,
    /// Number of ledger rows.
    pub rows: usize,
}

/// One ledger row with names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingLineOut {
    pub community_code: String,
    pub community_name: String,
    pub department_code: String,
    pub department_name: String,
    pub assignment_id: String,
    pub title: String,
    pub access_number: Option<String>,
    pub status: String,
    pub amount_fen: i64,
    pub amount_yuan: String,
    pub channel: String,
    pub period_from: String,
    pub period_to: String,
}

/// 经费台账：逐条记录及按社区、部门、年度的合计。
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingLedger {
    pub lines: Vec<FundingLineOut>,
    pub by_community: Vec<FundingTotal>,
    pub by_department: Vec<FundingTotal>,
    pub by_year: Vec<FundingTotal>,
    pub total_fen: i64,
    pub total_yuan: String,
}

impl App {
    /// The funding ledger in the actor's scope, with totals per community, department and year.
    pub async fn funding_ledger(&self, actor: &Actor) -> Result<FundingLedger, ServiceError> {
        let scope = self.case_scope(actor)?;
        let tree = self.org_tree().await?;
        let lines: Vec<FundingLine> = self.store.funding_lines(&scope).await?;
        let mut by_community: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut by_department: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut by_year: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut total = 0i64;
        for l in &lines {
            for (map, key) in [
                (&mut by_community, l.community_code.clone()),
                (&mut by_department, l.department_code.clone()),
                (&mut by_year, l.period_from.chars().take(4).collect()),
            ] {
                let e = map.entry(key).or_insert((0, 0));
                e.0 = e.0.saturating_add(l.amount_fen);
                e.1 += 1;
            }
            total = total.saturating_add(l.amount_fen);
        }
        let totals = |m: BTreeMap<String, (i64, usize)>, label: &dyn Fn(&str) -> String| {
            m.into_iter()
                .map(|(k, (fen, rows))| FundingTotal {
                    label: label(&k),
                    amount_yuan: case::format_fen(fen),
                    amount_fen: fen,
                    rows,
                    key: k,
                })
                .collect::<Vec<_>>()
        };
        Ok(FundingLedger {
            by_community: totals(by_community, &|k| tree.name_or_code(k)),
            by_department: totals(by_department, &|k| tree.name_or_code(k)),
            by_year: totals(by_year, &|k| format!("{k}年")),
            total_fen: total,
            total_yuan: case::format_fen(total),
            lines: lines
                .into_iter()
                .map(|l| FundingLineOut {
                    community_name: tree.name_or_code(&l.community_code),
                    department_name: tree.name_or_code(&l.department_code),
                    amount_yuan: case::format_fen(l.amount_fen),
                    community_code: l.community_code,
                    department_code: l.department_code,
                    assignment_id: l.assignment_id,
                    title: l.title,
                    access_number: l.access_number,
                    status: l.status,
                    amount_fen: l.amount_fen,
                    channel: l.channel,
                    period_from: l.period_from,
                    period_to: l.period_to,
                })
                .collect(),
        })
    }
}
