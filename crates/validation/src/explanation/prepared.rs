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

#[derive(Debug)]
struct Entry {
    carrying: Box<str>,
    base_units: Option<Arc<AppliedFigure>>,
}

/// A profile's shared figures and words.
#[derive(Debug)]
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

    /// The shared parts of a catalog entry, found by its place in the catalog
    /// (the coder's own) or, for any other entry, by its code.
    fn entry(&self, catalog: &Catalog, entry: &CatalogEntry) -> Option<&Entry> {
        let entries = catalog.entries();
        let offset = (entry as *const CatalogEntry as usize)
            .wrapping_sub(entries.as_ptr() as usize)
            / std::mem::size_of::<CatalogEntry>().max(1);
        if let (Some(own), Some((code, prepared))) = (entries.get(offset), self.entries.get(offset))
            && ptr::eq(own, entry)
            && *code == entry.code
        {
            return Some(prepared);
        }
        self.entries
            .iter()
            .find(|(code, _)| *code == entry.code)
            .map(|(_, prepared)| prepared)
    }

    /// The profile's shared parts; `None` for a profile the coder was not built
    /// with.
    pub(super) fn profile(&self, profile: &PayerProfile) -> Option<&Profile> {
        self.profiles.get(&profile.name)
    }

    /// The sentence that names `entry` as the case's carrying code: its
    /// description and base units with their source.
    pub(super) fn carrying(&self, catalog: &Catalog, entry: &CatalogEntry) -> Cow<'_, str> {
        match self.entry(catalog, entry) {
            Some(prepared) => Cow::Borrowed(&prepared.carrying),
            None => Cow::Owned(carrying(catalog, entry)),
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
    prepared: &Prepared,
    catalog: &Catalog,
    case: &CheckedCase<'_, '_>,
    profile: &PayerProfile,
    factor: Option<&ConversionFactor>,
) -> Vec<Arc<AppliedFigure>> {
    let mut figures = Vec::with_capacity(6);
    if let Some(carrying) = case.carrying() {
        let entry = carrying.entry;
        match prepared.entry(catalog, entry) {
            Some(shared) => figures.extend(shared.base_units.iter().cloned()),
            None => figures.extend(base_units(catalog, entry).map(Arc::new)),
        }
    }
    let shared = prepared.profile(profile);
    match shared {
        Some(shared) => figures.extend(shared.figures.iter().cloned()),
        None => figures.extend(profile_figures(profile)),
    }
    if let Some(factor) = factor {
        let at = profile
            .conversion_factors
            .iter()
            .position(|f| ptr::eq(f, factor));
        match shared.zip(at).and_then(|(s, at)| s.factors.get(at)) {
            Some(figure) => figures.push(Arc::clone(figure)),
            None => figures.push(Arc::new(factor_figure(factor))),
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
