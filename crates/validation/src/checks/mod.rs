//! Structural checks of a record, one module per part of it. Each check pushes
//! findings on the exact field it looked at.

pub(crate) mod diagnoses;
pub(crate) mod header;
pub(crate) mod obstetric_and_age;
pub(crate) mod procedures;
pub(crate) mod providers;
