//! The demo community's inventory (only for `serve --demo`): a few things a community really
//! finds on its walls and desks, some cleared, so the list, the advice and the overview show
//! something a person can click through.

use super::{EntryInput, StepInput};
use crate::service::{App, RequestMeta, ServiceError};

/// One image file as evidence: the smallest valid PNG (1×1).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn entry(kind: &str, title: &str, owner: &str, found_on: &str) -> EntryInput {
    EntryInput {
        kind: kind.into(),
        title: title.into(),
        owner: owner.into(),
        found_on: found_on.into(),
        ..EntryInput::default()
    }
}

impl App {
    /// Records the demo entries once, as the demo community worker.
    pub async fn load_demo_inventory(&self, meta: &RequestMeta) -> Result<usize, ServiceError> {
        let worker = self.demo_actor("shegong").await?;
        let ledger = entry("ledger", "安全生产检查台账", "110115-ZJW", "2026-03-02");
        let mut report = entry("report", "流动人口月报表", "110115-GAFJ", "2026-03-02");
        report.frequency = "monthly".into();
        report.field_count = "46".into();
        let mut group = entry("work_group", "平安建设工作群", "110115001", "2026-04-10");
        group.check_in = "other".into();
        group.screenshots = true;
        let mut app = entry("gov_app", "某某通 App 推广", "110115-WJW", "2026-05-06");
        app.ranking = "points".into();
        let entries = [
            entry("sign", "丁香雅苑社区居民委员会", "110115001", "2026-03-01"),
            entry("sign", "社区禁毒工作站", "110115-GAFJ", "2026-03-01"),
            entry("sign", "文明社区", "110115-MZJ", "2026-03-01"),
            ledger,
            report,
            entry(
                "responsibility_letter",
                "消防安全目标责任书",
                "110115-ZJW",
                "2026-03-05",
            ),
            entry("creation", "绿色社区创建", "110115-CGZF", "2026-03-20"),
            group,
            app,
        ];
        let mut views = Vec::new();
        for e in &entries {
            views.push(self.record_inventory(&worker, meta, e).await?);
        }
        // Two already cleared: the extra sign came down, the paper report went into the platform.
        for (i, action, day) in [(2, "remove", "2026-06-15"), (4, "convert", "2026-07-01")] {
            let v = &views[i];
            let step = StepInput {
                action: action.into(),
                note: if action == "remove" {
                    "已摘除，附摘牌后照片".into()
                } else {
                    "改由平台电子台账生成，不再手工报送".into()
                },
                on_date: day.into(),
                evidence: (action == "remove").then(|| PNG.to_vec()),
                expected_steps: v.steps,
            };
            self.inventory_step(&worker, meta, &v.community, &v.id, &step)
                .await?;
        }
        let mark = &views[1];
        let step = StepInput {
            action: "mark_to_remove".into(),
            note: "已告知区公安分局，待其回复后摘牌".into(),
            expected_steps: mark.steps,
            ..StepInput::default()
        };
        self.inventory_step(&worker, meta, &mark.community, &mark.id, &step)
            .await?;
        Ok(views.len())
    }
}
