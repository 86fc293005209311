//! The catalog jianfu ships (demo data a district replaces), compiled in. It is kept in two files
//! so the work lists and the certificate lists can be edited apart; together they are one
//! catalog version (TOML arrays of tables may continue across the join).

/// The shipped catalog version as one TOML text.
pub const SHIPPED_CATALOG_TOML: &str = concat!(
    include_str!("../../../../data/catalog/daxing-demo.work.toml"),
    "\n",
    include_str!("../../../../data/catalog/daxing-demo.certificates.toml"),
);

/// The shipped catalog, parsed and checked. Panics only if the shipped data is broken, which the
/// domain's tests catch before a build ships.
pub fn shipped_catalog() -> super::Catalog {
    super::Catalog::from_toml(SHIPPED_CATALOG_TOML).expect("the shipped catalog is valid")
}
