-- Service-quality evaluation in the record of service (issue 13 §2; 志愿服务记录与证明出具办法（试行）
-- 第十条: 评价情况 = 服务质量评价 + 评价日期). Given by the organiser with the hours, per attendee,
-- optional; who gave it and when are kept. Like the hours it is due within 10 working days of the
-- activity's end (第十一条): a first evaluation after that is recorded and flagged late.
ALTER TABLE volunteer_signups ADD COLUMN evaluation TEXT;
ALTER TABLE volunteer_signups ADD COLUMN evaluation_remark TEXT NOT NULL DEFAULT '';
ALTER TABLE volunteer_signups ADD COLUMN evaluated_by TEXT;
ALTER TABLE volunteer_signups ADD COLUMN evaluated_at BIGINT;
ALTER TABLE volunteer_signups ADD COLUMN evaluated_late BOOLEAN NOT NULL DEFAULT FALSE;
