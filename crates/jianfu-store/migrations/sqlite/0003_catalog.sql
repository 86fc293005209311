-- Versions of the work lists (清单). A small reference table: every version is kept whole, so an
-- old decision can be explained against the lists in force at its time. Rows are never changed:
-- a new list is a new version.
CREATE TABLE catalog_versions (
    id             TEXT NOT NULL PRIMARY KEY,
    title          TEXT NOT NULL,
    document       TEXT NOT NULL,
    -- YYYY-MM-DD; effective_to is '' while open-ended.
    effective_from TEXT NOT NULL,
    effective_to   TEXT NOT NULL DEFAULT '',
    notice         TEXT NOT NULL DEFAULT '',
    -- The whole catalog (jianfu_domain::gate::Catalog) as JSON.
    body           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX catalog_versions_from ON catalog_versions (effective_from);
