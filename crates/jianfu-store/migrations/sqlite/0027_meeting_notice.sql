-- The 2025 城市居民委员会组织法 (in force 2026-01-01), read for issue 13:
-- 第二十六条: a residents' meeting is notified 10 days ahead, "遇有特殊情况的，可以临时通知居民":
--   notice_reason is the special circumstance stated when the notice is shorter ('' = none);
-- 第三十条第四款: matters the residents' (representatives') meeting must decide "应当先经社区党组织
--   研究讨论": party_reviewed_on is the date the committee states it was ('' = not stated).
ALTER TABLE delib_meetings ADD COLUMN notice_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE delib_meetings ADD COLUMN party_reviewed_on TEXT NOT NULL DEFAULT '';
