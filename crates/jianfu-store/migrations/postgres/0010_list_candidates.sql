-- Issue 8: an off-list case whose department says its cited provision names the community's duty
-- may be approved "for the next catalog draft" (三(一) 清单管理). The approver's choice is kept on the
-- case; the catalog page lists these candidates and exports a draft that includes them.
ALTER TABLE assignments ADD COLUMN list_candidate BOOLEAN NOT NULL DEFAULT FALSE;
