//! Collect once, report many (一表通). 《大兴区进一步开展社区减负工作实施意见》三(二): “精简和压缩
//! 各类报表……确需保留记录的，可依托社区管理服务信息平台，整合建立电子台账”; 三(六): “为数据资源
//! 共享、减轻社区数据录入工作提供技术支持”.
//!
//! - [`element`]: the register of shared data elements, ranges and consistency rules;
//! - [`period`]: monthly, quarterly and yearly periods that never overlap;
//! - [`value`]: a figure as people type it, read into a scaled integer;
//! - [`similarity`]: a new element may not duplicate one already collected;
//! - [`report`]: a department's report as columns over elements, and what each cell is;
//! - [`ledger`]: electronic ledgers (电子台账) from templates.
//!
//! The access gate reads the register too: a report or data collection whose every field is a
//! shared element is served from shared data and admitted; a new field needs district approval
//! (`gate::burdens`).

pub mod element;
pub mod ledger;
pub mod period;
pub mod report;
pub mod similarity;
pub mod value;

pub use element::{Aggregation, DataElement, ElementRegistry};
pub use period::{Period, PeriodType};
pub use value::ValueType;
