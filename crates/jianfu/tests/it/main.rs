//! All integration tests in one binary (one link on a 2-core machine). Each module tests one
//! capability end to end against real parts: SQLite, PostgreSQL when reachable, the real HTTP
//! server on a free port, the real `jianfu` binary, and headless Chromium.

mod helpers;

mod admin_split;
mod assignment_rework;
mod audit_tamper;
mod browser;
mod calendar;
mod certificate_drafts;
mod certificate_pages;
mod certificates;
mod cli;
mod comprehensive;
mod deliberation;
mod deliberation_demo;
mod deliberation_forms;
mod deliberation_meetings;
mod deliberation_pages;
mod deliberation_support;
mod deliberation_votes;
mod distribution;
mod evaluations;
mod gate_assignments;
mod gate_catalog;
mod gate_fidelity;
mod gate_violations;
mod http_api;
mod http_pages;
mod inventory;
mod inventory_import;
mod lists;
mod mandates;
mod openapi_doc;
mod perimeter;
mod portable;
mod seal_log;
mod seal_logs;
mod second_factor;
mod shared_data;
mod store_contract;
mod surveys;
mod volunteer_contention;
mod volunteer_evaluation;
mod volunteer_records;
mod volunteers;
