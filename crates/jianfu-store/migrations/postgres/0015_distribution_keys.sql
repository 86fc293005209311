-- Keys a distributed engine accepts (issue 14 §3): every primary and unique key of a distributed
-- table contains its distribution column (see crates/jianfu-store/src/distribution.rs).
-- Access numbers stay unique district-wide (one counter hands them out); the index now also
-- names the department, the distribution column of assignments.
DROP INDEX assignments_access_number;
CREATE UNIQUE INDEX assignments_access_number ON assignments (department_code, access_number);

-- Certificates are distributed by community: the number (which embeds the community code) is
-- unique within its community.
ALTER TABLE certificates DROP CONSTRAINT certificates_pkey;
ALTER TABLE certificates ADD PRIMARY KEY (community_code, number);
