//! The demo's shared data (only for `serve --demo`): three months of figures for every
//! community, last quarter's and last year's, three departments' reports (each replacing a form
//! communities used to fill), and a few ledger records of the demo community.

use super::{ColumnInput, ReportInput};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::shared_data::{Period, PeriodType};
use jianfu_store::ValueWrite;
use std::collections::BTreeMap;

/// A community's figures, made up but consistent (older ≤ residents, and so on).
fn figures(i: u64, month_shift: i64) -> BTreeMap<&'static str, i64> {
    let h = |salt: u64| (i.wrapping_mul(2_654_435_761).wrapping_add(salt * 97)) % 1000;
    let residents = 3_000 + (h(1) as i64) * 9 + month_shift * (h(2) as i64 % 7);
    let households = residents * 10 / 26;
    let older = residents * (14 + (h(3) as i64 % 12)) / 100;
    let low_households = 5 + h(4) as i64 % 40;
    BTreeMap::from([
        ("SD001", residents),
        ("SD002", residents * (55 + h(5) as i64 % 30) / 100),
        ("SD003", households),
        ("SD004", older),
        ("SD005", older * (10 + h(6) as i64 % 10) / 100),
        ("SD006", older * (3 + h(7) as i64 % 5) / 100),
        ("SD007", low_households),
        ("SD008", low_households * 2 + h(8) as i64 % 10),
        ("SD009", residents * 2 / 100 + h(9) as i64 % 20),
        ("SD010", residents * (5 + h(10) as i64 % 30) / 100),
        ("SD011", (h(11) as i64 + month_shift * 3) % 9),
        ("SD012", 40 + h(12) as i64 % 200),
        ("SD013", h(13) as i64 % 25),
        ("SD014", h(14) as i64 % 30),
        ("SD015", 30_000 + (h(15) as i64) * 120),
        ("SD016", residents * (12 + h(16) as i64 % 8) / 100),
    ])
}

impl App {
    pub async fn load_demo_shared_data(&self, meta: &RequestMeta) -> Result<(), ServiceError> {
        if !self.store.report_definitions().await?.is_empty() {
            return Ok(());
        }
        let console = Actor::console();
        let reg = self.shared_elements().await?;
        let tree = self.org_tree().await?;
        let d = self.today();
        let month = Period::containing(PeriodType::Monthly, d.year(), d.month() as u32);
        // Last month and the two before it; this month is left for the communities to enter.
        let months = [
            month.previous().previous().previous(),
            month.previous().previous(),
            month.previous(),
        ];
        let quarter = Period::last_ended(PeriodType::Quarterly, d.year(), d.month() as u32);
        let year = Period::last_ended(PeriodType::Yearly, d.year(), d.month() as u32);
        let communities: Vec<_> = tree
            .all()
            .iter()
            .filter(|o| o.kind == OrgKind::Community)
            .cloned()
            .collect();
        for (i, c) in communities.iter().enumerate() {
            let mut writes = Vec::new();
            for (shift, p) in months.iter().enumerate() {
                let f = figures(i as u64 + 1, shift as i64);
                for e in reg.of_period(PeriodType::Monthly) {
                    if let Some(v) = f.get(e.code.as_str()) {
                        writes.push(ValueWrite {
                            element: e.code.clone(),
                            period: p.key(),
                            value: *v,
                            expected_revision: None,
                            reason: String::new(),
                        });
                    }
                }
            }
            let f = figures(i as u64 + 1, 0);
            for (kind, p) in [(PeriodType::Quarterly, quarter), (PeriodType::Yearly, year)] {
                for e in reg.of_period(kind) {
                    if let Some(v) = f.get(e.code.as_str()) {
                        writes.push(ValueWrite {
                            element: e.code.clone(),
                            period: p.key(),
                            value: *v,
                            expected_revision: None,
                            reason: String::new(),
                        });
                    }
                }
            }
            let mut audit = self.audit(
                &console,
                meta,
                "shared_data.enter",
                format!("data:{}:demo", c.code),
            );
            audit.detail =
                serde_json::json!({"source": "demo", "values": writes.len()}).to_string();
            self.store
                .enter_values(
                    c.code.as_str(),
                    &writes,
                    "demo",
                    "import",
                    self.now_ms(),
                    audit,
                )
                .await?;
        }
        let col = |label: &str, func: &str, element: &str, den: Option<&str>| ColumnInput {
            label: label.into(),
            func: func.into(),
            element: element.into(),
            denominator: den.map(str::to_string),
        };
        let minzheng = self.demo_actor("minzheng").await?;
        self.define_report(
            &minzheng,
            meta,
            &ReportInput {
                title: "老年人和困难群众情况月报".into(),
                replaces: "民政服务对象统计月报表（纸质，每月报街道）".into(),
                columns: vec![
                    col("常住人口", "sum", "SD001", None),
                    col("60岁及以上老年人", "sum", "SD004", None),
                    col("老龄化率", "ratio", "SD004", Some("SD001")),
                    col("80岁及以上老年人", "sum", "SD005", None),
                    col("独居老年人", "sum", "SD006", None),
                    col("低保户", "sum", "SD007", None),
                    col("低保人数", "sum", "SD008", None),
                    col("已填报社区", "count", "SD001", None),
                ],
            },
        )
        .await?;
        self.define_report(
            &minzheng,
            meta,
            &ReportInput {
                title: "社区基本情况季报".into(),
                replaces: "社区基本情况统计表（各科室分别下发）".into(),
                columns: vec![
                    col("常住人口", "sum", "SD001", None),
                    col("常住户数", "sum", "SD003", None),
                    col("户均人口", "ratio", "SD001", Some("SD003")),
                    col("流动人口", "sum", "SD010", None),
                    col("本季调解纠纷", "sum", "SD011", None),
                    col("志愿者", "sum", "SD012", None),
                    col("平均每社区志愿者", "average", "SD012", None),
                ],
            },
        )
        .await?;
        // The third report is defined by a street: its own view, replacing its own sheet.
        let street = self.demo_actor("jiedao").await?;
        self.define_report(
            &street,
            meta,
            &ReportInput {
                title: "残疾人和就业困难人员情况".into(),
                replaces: String::new(),
                columns: vec![
                    col("残疾人", "sum", "SD009", None),
                    col("残疾人占常住人口", "ratio", "SD009", Some("SD001")),
                    col("就业困难人员", "sum", "SD013", None),
                    col("本季新增就业", "sum", "SD014", None),
                ],
            },
        )
        .await?;
        let worker = self.demo_actor("shegong").await?;
        let day = |n: i64| (d - time::Duration::days(n)).to_string();
        for (template, fields) in [
            (
                "visit",
                vec![
                    ("date", day(2)),
                    ("who", "5号楼2单元 王奶奶".into()),
                    ("by", "丁香雅苑 社区工作者".into()),
                    ("matter", "独居老人冬季走访".into()),
                    (
                        "result",
                        "身体尚可，暖气正常；已留联系电话，约定每周电话问候。".into(),
                    ),
                ],
            ),
            (
                "mediation",
                vec![
                    ("date", day(5)),
                    ("parties", "3号楼 张、李两户".into()),
                    ("type", "邻里纠纷".into()),
                    ("outcome", "调解成功".into()),
                    (
                        "notes",
                        "楼上漏水引发纠纷，约物业检修，两户达成一致。".into(),
                    ),
                ],
            ),
            (
                "meeting",
                vec![
                    ("date", day(9)),
                    ("title", "居委会月度工作会".into()),
                    ("chair", "社区书记".into()),
                    ("attendance", "9".into()),
                    ("topics", "冬季供暖巡查；加装电梯意见征集。".into()),
                    ("decisions", "分楼栋征集加装电梯意见，两周内汇总。".into()),
                ],
            ),
        ] {
            let input: BTreeMap<String, String> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            self.add_ledger_record(&worker, meta, template, &input)
                .await?;
        }
        Ok(())
    }
}
