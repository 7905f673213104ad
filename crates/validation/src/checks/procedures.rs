//! Which anesthesia code each procedure stands for: the code given upstream, or
//! the crosswalk of its surgical CPT code; and which code carries the case.

use anescode_codes::{Catalog, CatalogEntry, Code, CodeKind};
use jiff::civil::Date;

use crate::field::{FieldPath, Name};
use crate::time::{self, Interval};
use crate::{CaseRecord, Finding, Rule};

/// How a procedure's anesthesia code was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Given by the record.
    Given,
    /// Found through the crosswalk from this surgical code.
    Crosswalk(Code),
}

/// A procedure whose anesthesia code is known and in the catalog.
#[derive(Debug, Clone)]
pub(crate) struct Resolved<'c> {
    /// The procedure's position in the record.
    pub(crate) index: usize,
    pub(crate) entry: &'c CatalogEntry,
    pub(crate) source: Source,
    /// Its own time (index of the block, interval), when it has blocks of its own
    /// (obstetric add-ons).
    pub(crate) own_time: Option<Vec<(usize, Interval)>>,
}

impl Resolved<'_> {
    pub(crate) fn base_units(&self) -> u32 {
        self.entry.base_units.as_ref().map_or(0, |b| b.units)
    }
}

/// Resolves every procedure's anesthesia code, reporting each one that cannot be.
pub(crate) fn resolve<'c>(
    record: &CaseRecord,
    catalog: &'c Catalog,
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Vec<Resolved<'c>> {
    if record.procedures.is_empty() {
        findings.push(Finding::new(
            Rule::ProceduresMissing,
            FieldPath::of(Name::Procedures),
            "the record has no procedure; send at least one anesthesia code or surgical CPT code",
        ));
        return Vec::new();
    }
    let mut resolved = Vec::with_capacity(record.procedures.len());
    for (index, procedure) in record.procedures.iter().enumerate() {
        let surgical = surgical_code(&procedure.surgical_cpt, index, findings);
        let found = if !procedure.anesthesia_code.is_empty() {
            given(&procedure.anesthesia_code, index, catalog, findings)
                .map(|entry| (entry, Source::Given))
        } else if let Some(surgical) = surgical {
            crosswalked(surgical, index, catalog, findings)
                .map(|entry| (entry, Source::Crosswalk(surgical)))
        } else {
            if procedure.surgical_cpt.is_empty() {
                findings.push(Finding::new(
                    Rule::ProcedureCodeMissing,
                    FieldPath::of(Name::Procedures).at(index),
                    format!(
                        "procedure {} has neither an anesthesia code nor a surgical CPT code",
                        index + 1
                    ),
                ));
            }
            None
        };
        let Some((entry, source)) = found else {
            continue;
        };
        let field = match source {
            Source::Given => FieldPath::of(Name::Procedures)
                .at(index)
                .then(Name::AnesthesiaCode),
            Source::Crosswalk(_) => FieldPath::of(Name::Procedures)
                .at(index)
                .then(Name::SurgicalCpt),
        };
        if let Some(date) = date_of_service
            && !entry.is_active_on(date)
        {
            findings.push(Finding::new(
                Rule::AnesthesiaCodeNotActive,
                field,
                not_active_message(entry, date),
            ));
            continue;
        }
        if entry.base_units.is_none() {
            findings.push(Finding::new(
                Rule::AnesthesiaCodeUnpriced,
                field,
                format!(
                    "{} has no base units in the schedule in force ({}); it must be priced by hand",
                    entry.code,
                    catalog.schedule().id()
                ),
            ));
        }
        resolved.push(Resolved {
            index,
            entry,
            source,
            own_time: None,
        });
    }
    check_add_ons(&resolved, findings);
    resolved
}

fn surgical_code(text: &str, index: usize, findings: &mut Vec<Finding>) -> Option<Code> {
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(code) => Some(code),
        Err(error) => {
            findings.push(Finding::new(
                Rule::SurgicalCptInvalid,
                FieldPath::of(Name::Procedures)
                    .at(index)
                    .then(Name::SurgicalCpt),
                format!("{text:?} is not a CPT or HCPCS code: {error}"),
            ));
            None
        }
    }
}

fn given<'c>(
    text: &str,
    index: usize,
    catalog: &'c Catalog,
    findings: &mut Vec<Finding>,
) -> Option<&'c CatalogEntry> {
    let field = FieldPath::of(Name::Procedures)
        .at(index)
        .then(Name::AnesthesiaCode);
    let code = text.parse::<Code>().ok().filter(|c| c.number().is_some());
    let Some(code) = code else {
        findings.push(Finding::new(
            Rule::AnesthesiaCodeInvalid,
            field,
            format!("{text:?} is not an anesthesia code: send five digits in 00100-01999"),
        ));
        return None;
    };
    match catalog.get(code) {
        Some(entry) if entry.kind == CodeKind::Anesthesia => Some(entry),
        Some(entry) => {
            findings.push(Finding::new(
                Rule::AnesthesiaCodeIsQualifyingCircumstance,
                field,
                format!(
                    "{code} is a qualifying-circumstance code ({}); send the case's flags (emergency, total_body_hypothermia, controlled_hypotension, the birth date) instead",
                    entry.description
                ),
            ));
            None
        }
        None if code.is_anesthesia() => {
            findings.push(Finding::new(
                Rule::AnesthesiaCodeUnknown,
                field,
                format!("{code} is not an anesthesia code in the catalog"),
            ));
            None
        }
        None => {
            findings.push(Finding::new(
                Rule::AnesthesiaCodeInvalid,
                field,
                format!(
                    "{code} is outside the anesthesia range 00100-01999; a surgical code goes in surgical_cpt"
                ),
            ));
            None
        }
    }
}

fn crosswalked<'c>(
    surgical: Code,
    index: usize,
    catalog: &'c Catalog,
    findings: &mut Vec<Finding>,
) -> Option<&'c CatalogEntry> {
    let field = FieldPath::of(Name::Procedures)
        .at(index)
        .then(Name::SurgicalCpt);
    let Some(crosswalk) = catalog.crosswalk() else {
        findings.push(Finding::new(
            Rule::CrosswalkNotLoaded,
            field,
            format!(
                "procedure {} has only the surgical code {surgical} and no crosswalk is loaded; send its anesthesia code",
                index + 1
            ),
        ));
        return None;
    };
    let candidates = crosswalk.candidates(surgical);
    let Some((&first, others)) = candidates.split_first() else {
        findings.push(Finding::new(
            Rule::CrosswalkNoMatch,
            field,
            format!("the crosswalk does not map {surgical}; send the procedure's anesthesia code"),
        ));
        return None;
    };
    if !others.is_empty() {
        let others: Vec<String> = others.iter().map(Code::to_string).collect();
        findings.push(Finding::new(
            Rule::CrosswalkMultipleCandidates,
            field,
            format!(
                "the crosswalk maps {surgical} to {first} and also to {}; {first} was taken, confirm it against the record",
                others.join(", ")
            ),
        ));
    }
    // The catalog refuses at load time a crosswalk that points outside it.
    catalog.get(first)
}

fn not_active_message(entry: &CatalogEntry, date: Date) -> String {
    match (entry.effective_from, entry.effective_to) {
        (_, Some(to)) if date > to => format!(
            "{} was deleted: its last valid date of service is {to}, the case is on {date}",
            entry.code
        ),
        (Some(from), _) => format!(
            "{} is valid from {from}, after the date of service {date}",
            entry.code
        ),
        _ => format!("{} is not valid on {date}", entry.code),
    }
}

/// Add-on codes need one of their primary codes among the case's procedures.
fn check_add_ons(resolved: &[Resolved<'_>], findings: &mut Vec<Finding>) {
    for add_on in resolved.iter().filter(|r| r.entry.add_on) {
        let primaries = &add_on.entry.primary_codes;
        let has_primary = resolved.iter().any(|r| primaries.contains(&r.entry.code));
        if !has_primary {
            let names: Vec<String> = primaries.iter().map(Code::to_string).collect();
            findings.push(Finding::new(
                Rule::AddOnWithoutPrimary,
                FieldPath::of(Name::Procedures).at(add_on.index),
                format!(
                    "{} is an add-on code reported only with {}, which is not on the record",
                    add_on.entry.code,
                    names.join(" or ")
                ),
            ));
        }
    }
}

/// The position in `resolved` of the procedure whose code carries the case: among
/// codes that are not add-ons, the one with the highest base units; the first of
/// equals.
pub(crate) fn carrying(resolved: &[Resolved<'_>]) -> Option<usize> {
    resolved
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.entry.add_on)
        .rev()
        .max_by_key(|(_, r)| r.base_units())
        .map(|(i, _)| i)
}

/// Several procedures under one anesthetic: the one that carries the case is
/// named (CMS ch.12 §50.G: the highest base units, with the total time).
pub(crate) fn carrying_of_several(
    resolved: &[Resolved<'_>],
    carrying: Option<usize>,
    findings: &mut Vec<Finding>,
) {
    let others = resolved.iter().filter(|r| !r.entry.add_on).count();
    if let Some(carrying) = carrying.map(|i| &resolved[i])
        && others > 1
    {
        findings.push(Finding::new(
            Rule::MultipleProceduresHighestBase,
            FieldPath::of(Name::Procedures).at(carrying.index),
            format!(
                "{} procedures share one anesthetic; {} has the highest base units and carries the total time",
                others, carrying.entry.code
            ),
        ));
    }
}

/// Checks each procedure's own time blocks and gives them to its resolved code.
pub(crate) fn own_time(
    record: &CaseRecord,
    resolved: &mut [Resolved<'_>],
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) {
    let mut times: Vec<_> = record
        .procedures
        .iter()
        .enumerate()
        .map(|(index, procedure)| {
            (!procedure.time_blocks.is_empty()).then(|| {
                time::check_blocks_indexed(
                    FieldPath::of(Name::Procedures)
                        .at(index)
                        .then(Name::TimeBlocks),
                    &procedure.time_blocks,
                    date_of_service,
                    findings,
                )
            })
        })
        .collect();
    for r in resolved {
        r.own_time = times.get_mut(r.index).and_then(Option::take);
    }
}
