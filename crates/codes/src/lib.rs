//! Code tables anescode applies: the anesthesia code catalog (00100–01999 and the
//! qualifying-circumstance codes) with base units and their provenance, the
//! surgical-CPT crosswalk, place-of-service codes and provider taxonomies.
//!
//! Nothing here does I/O beyond reading the data files it is pointed at, and
//! nothing knows about the wire format.

#![warn(missing_docs)]

mod catalog;
mod code;
mod crosswalk;
mod error;
pub mod icd10cm;
pub mod icd10cm_releases;
mod key_index;
pub mod place_of_service;
pub mod query;
mod schedule;
mod subsection;
pub mod support;
pub mod taxonomy;

pub use catalog::{Catalog, CatalogEntry, CodeKind, SearchPage, SearchQuery};
pub use code::{Code, CodeParseError};
pub use crosswalk::Crosswalk;
pub use error::LoadError;
pub use schedule::{BaseUnitSchedule, BaseUnits, Corroboration, ScheduleOrigin};
pub use subsection::Subsection;
