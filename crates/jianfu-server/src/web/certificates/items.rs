//! The retained certificates as the form and the chooser show them to a resident.

use jianfu_domain::gate::{Catalog, CatalogItem};

/// One retained certificate as a resident reads it before applying.
pub struct ItemCard {
    pub code: String,
    pub name: String,
    pub purpose: String,
    pub issuing_level: String,
    pub also_issued_by: String,
    pub conditions: String,
    pub requires_household: bool,
    pub materials: Vec<MaterialNeed>,
    pub days: u32,
    pub units: Vec<String>,
    pub cites: Vec<String>,
    pub notes: String,
}

pub struct MaterialNeed {
    pub key: String,
    pub name: String,
    pub required: bool,
}

impl ItemCard {
    pub(super) fn of(c: &Catalog, it: &CatalogItem) -> Option<Self> {
        let s = it.certificate.as_ref()?;
        Some(ItemCard {
            code: it.code.clone(),
            name: it.name.clone(),
            purpose: s.content_and_purpose.clone(),
            issuing_level: s.issuing_level.clone(),
            also_issued_by: s.also_issued_by.clone(),
            conditions: s.conditions.clone(),
            requires_household: s.requires_household,
            materials: s
                .materials
                .iter()
                .map(|m| MaterialNeed {
                    key: m.key.clone(),
                    name: m.name.clone(),
                    required: m.required,
                })
                .collect(),
            days: s.time_limit_working_days,
            units: s.requesting_units.iter().map(|u| u.name.clone()).collect(),
            cites: it.legal_basis.iter().map(|b| c.cite(b)).collect(),
            notes: it.notes.clone(),
        })
    }
    pub fn material_names(&self) -> String {
        self.materials
            .iter()
            .map(|m| {
                if m.required {
                    m.name.clone()
                } else {
                    format!("{}（如有）", m.name)
                }
            })
            .collect::<Vec<_>>()
            .join("、")
    }
}
