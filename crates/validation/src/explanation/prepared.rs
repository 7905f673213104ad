//! What the explanations of many cases share, written once when the coder is
//! built: per catalog entry, the sentence naming it as the carrying code and its
//! base-units figure; per payer profile, its figures (unit rules, split,
//! conversion factors) and its time-unit rule in words. Every full decision of a
//! profile shares the same figures rather than writing them again.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ptr;
use std::sync::Arc;

use anescode_codes::{Catalog, CatalogEntry, Code};
use jiff::civil::Date;

use crate::checked::CheckedCase;
use crate::{AppliedFigure, ConversionFactor, FigureKind, PayerProfile, PayerProfiles};

/// The shared parts of explanations, for one catalog and set of profiles.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// In the catalog's order.
    entries: Vec<(Code, Entry)>,
    profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The sentence naming the entry as the case's carrying code.
    pub(super) carrying: Box<str>,
    base_units: Option<Arc<AppliedFigure>>,
}

/// What one case's explanation shares: its carrying code's parts and its
/// profile's, prepared (or, for a code or profile the coder was not built with,
/// written for this case).
#[derive(Debug)]
pub(crate) struct Shared<'p> {
    pub(super) entry: Option<Cow<'p, Entry>>,
    pub(super) profile: Option<Cow<'p, Profile>>,
}

/// A profile's shared figures and words.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// Time-unit rule, physical-status units, qualifying units, direction split.
    figures: [Arc<AppliedFigure>; 4],
    /// One per conversion factor, in the profile's order.
    factors: Vec<Arc<AppliedFigure>>,
    /// The time-unit rule as the rationale names it.
    pub(super) time_rule: Box<str>,
}

impl Prepared {
    pub(crate) fn new(catalog: &Catalog, profiles: &PayerProfiles) -> Self {
        // In the catalog's order.
        let entries: Vec<(Code, Entry)> = catalog
            .entries()
            .iter()
            .map(|entry| (entry.code, self::entry(catalog, entry)))
            .collect();
        Prepared {
            entries,
            profiles: profiles
                .iter()
                .map(|p| (p.name.clone(), self::profile(p)))
                .collect(),
        }
    }

    /// What `case`'s explanation shares under `profile`.
    pub(crate) fn for_case(
        &self,
        catalog: &Catalog,
        case: &CheckedCase<'_, '_>,
        profile: Option<&PayerProfile>,
    ) -> Shared<'_> {
        Shared {
            entry: case.carrying().map(|c| match self.entry(catalog, c.entry) {
                Some(prepared) => Cow::Borrowed(prepared),
                None => Cow::Owned(self::entry(catalog, c.entry)),
            }),
            profile: profile.map(|p| match self.profiles.get(&p.name) {
                Some(prepared) => Cow::Borrowed(prepared),
                None => Cow::Owned(self::profile(p)),
            }),
        }
    }

    /// The shared parts of an entry of the coder's catalog, found by its place.
    fn entry(&self, catalog: &Catalog, entry: &CatalogEntry) -> Option<&Entry> {
        let entries = catalog.entries();
        let offset = (entry as *const CatalogEntry as usize)
            .wrapping_sub(entries.as_ptr() as usize)
            / std::mem::size_of::<CatalogEntry>().max(1);
        match (entries.get(offset), self.entries.get(offset)) {
            (Some(own), Some((code, prepared))) if ptr::eq(own, entry) && *code == entry.code => {
                Some(prepared)
            }
            _ => None,
        }
    }
}

fn entry(catalog: &Catalog, entry: &CatalogEntry) -> Entry {
    Entry {
        carrying: carrying(catalog, entry).into_boxed_str(),
        base_units: base_units(catalog, entry).map(Arc::new),
    }
}

fn profile(profile: &PayerProfile) -> Profile {
    Profile {
        figures: profile_figures(profile),
        factors: profile
            .conversion_factors
            .iter()
            .map(|f| Arc::new(factor_figure(f)))
            .collect(),
        time_rule: profile.time_units.value.to_string().into_boxed_str(),
    }
}

fn carrying(catalog: &Catalog, entry: &CatalogEntry) -> String {
    let mut text = format!("{} ({}) carries the case", entry.code, entry.description);
    match &entry.base_units {
        Some(base) => {
            let _ = write!(
                text,
                " with {} base units ({} effective {}, {})",
                base.units,
                catalog.schedule().id(),
                catalog.schedule().effective(),
                base.corroboration.as_str()
            );
        }
        None => text.push_str(" without base units (unpriced in the schedule in force)"),
    }
    text
}

/// The figures the decision applied, each with its source and effective date:
/// the carrying code's base units, the profile's unit rules and split, and the
/// conversion factor when one applies.
pub(crate) fn figures(
    shared: &Shared<'_>,
    profile: &PayerProfile,
    factor: Option<&ConversionFactor>,
) -> Vec<Arc<AppliedFigure>> {
    let mut figures = Vec::with_capacity(6);
    if let Some(entry) = &shared.entry {
        figures.extend(entry.base_units.iter().cloned());
    }
    if let Some(prepared) = &shared.profile {
        figures.extend(prepared.figures.iter().cloned());
        if let Some(factor) = factor {
            let at = profile
                .conversion_factors
                .iter()
                .position(|f| ptr::eq(f, factor));
            match at.and_then(|at| prepared.factors.get(at)) {
                Some(figure) => figures.push(Arc::clone(figure)),
                None => figures.push(Arc::new(factor_figure(factor))),
            }
        }
    }
    figures
}

fn base_units(catalog: &Catalog, entry: &CatalogEntry) -> Option<AppliedFigure> {
    let base = entry.base_units.as_ref()?;
    let schedule = catalog.schedule();
    Some(AppliedFigure {
        code: Some(entry.code),
        ..figure(
            FigureKind::BaseUnits,
            format!("base units {}", entry.code),
            base.units.to_string(),
            format!(
                "{} ({}): {}",
                schedule.id(),
                base.corroboration.as_str(),
                base.evidence
            ),
            Some(schedule.effective()),
        )
    })
}

fn factor_figure(factor: &ConversionFactor) -> AppliedFigure {
    let name = match &factor.locality {
        Some(locality) => format!("conversion factor, locality {locality}"),
        None => "conversion factor".to_owned(),
    };
    AppliedFigure {
        locality: factor.locality.clone(),
        ..figure(
            FigureKind::ConversionFactor,
            name,
            factor.rate.to_string(),
            factor.source.clone(),
            Some(factor.effective),
        )
    }
}

/// The profile's time-unit rule, physical-status and qualifying-circumstance
/// units, and medical direction split.
fn profile_figures(profile: &PayerProfile) -> [Arc<AppliedFigure>; 4] {
    let rule = &profile.time_units;
    let ps = &profile.physical_status_units;
    let qc = &profile.qualifying_units;
    let split = &profile.medical_direction_percent;
    [
        figure(
            FigureKind::TimeUnitRule,
            "time units".to_owned(),
            rule.value.to_string(),
            rule.source.clone(),
            rule.effective,
        ),
        figure(
            FigureKind::PhysicalStatusUnits,
            "physical status units P1-P6".to_owned(),
            ps.value.0.map(|u| u.to_string()).join("/"),
            ps.source.clone(),
            ps.effective,
        ),
        figure(
            FigureKind::QualifyingCircumstanceUnits,
            "qualifying circumstance units 99100/99116/99135/99140".to_owned(),
            format!(
                "{}/{}/{}/{}",
                qc.value.extreme_age,
                qc.value.total_body_hypothermia,
                qc.value.controlled_hypotension,
                qc.value.emergency
            ),
            qc.source.clone(),
            qc.effective,
        ),
        figure(
            FigureKind::MedicalDirectionPercent,
            "medical direction percent".to_owned(),
            split.value.to_string(),
            split.source.clone(),
            split.effective,
        ),
    ]
    .map(Arc::new)
}

fn figure(
    kind: FigureKind,
    name: String,
    value: String,
    source: String,
    effective: Option<Date>,
) -> AppliedFigure {
    AppliedFigure {
        kind,
        code: None,
        locality: None,
        name,
        value,
        source,
        effective,
    }
}
