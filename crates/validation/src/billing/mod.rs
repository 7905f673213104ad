//! From a checked case to claim lines: the payment modifier of each billing
//! provider, the anesthesia, add-on and qualifying-circumstance lines with their
//! units, the separately billable work, and the money.

mod ancillary;
mod team;

use anescode_codes::{Catalog, CatalogEntry, Code};
use jiff::civil::Date;

use crate::Modifier;
use crate::checks::procedures::Resolved;
use crate::field::{FieldPath, Name};
use crate::time::{self, Interval};
use crate::units::allowed_amount;
use crate::{
    AnesthesiaType, AppliedFigure, CaseRecord, ClaimLine, Enumerated, FigureKind, Finding,
    LineKind, PayerProfile, Rule, Tenths,
};
use team::{Biller, Payment};

/// What the engine knows of a checked case.
#[derive(Debug)]
pub(crate) struct CaseFacts<'a, 'c> {
    pub(crate) record: &'a CaseRecord,
    pub(crate) catalog: &'c Catalog,
    pub(crate) date_of_service: Option<Date>,
    pub(crate) age: Option<i16>,
    pub(crate) minutes: u32,
    /// The case's anesthesia time, checked, in start order (blocks do not overlap).
    pub(crate) intervals: &'a [Interval],
    /// Each procedure's own time (index of the block, interval), when it has blocks of its own.
    pub(crate) procedure_intervals: &'a [Option<Vec<(usize, Interval)>>],
    /// Each provider's own minutes, when it has blocks of its own.
    pub(crate) provider_minutes: &'a [Option<u32>],
    /// Each provider's own time, when it has blocks of its own.
    pub(crate) provider_intervals: &'a [Option<Vec<Interval>>],
    pub(crate) resolved: &'a [Resolved<'c>],
    pub(crate) carrying: Option<&'a Resolved<'c>>,
}

/// The lines, the figures applied, and sentences for the rationale.
#[derive(Debug, Default)]
pub(crate) struct Billing {
    pub(crate) lines: Vec<ClaimLine>,
    pub(crate) figures: Vec<AppliedFigure>,
    pub(crate) narrative: Vec<String>,
}

/// Diagnosis pointers per claim line: an 837P service line points to at most four
/// of the claim's diagnoses (SV107).
const MAX_POINTERS: usize = 4;
/// 99100 applies under 1 year and over 70 (CPT 99100 descriptor; domain reference
/// §1.10): these ages do not qualify.
const NOT_EXTREME_AGE: std::ops::RangeInclusive<i16> = 1..=70;

/// Bills a checked case under `profile`.
pub(crate) fn bill(
    facts: &CaseFacts<'_, '_>,
    profile: &PayerProfile,
    findings: &mut Vec<Finding>,
) -> Billing {
    let mut billing = Billing::default();
    let record = facts.record;
    let pointers: Vec<u32> = (1..=record.diagnoses.len().min(MAX_POINTERS))
        .map(|i| i as u32)
        .collect();
    let locality = record
        .payer
        .as_ref()
        .map(|p| p.locality.as_str())
        .filter(|l| !l.is_empty());
    let factor = facts
        .date_of_service
        .and_then(|date| profile.conversion_factor(date, locality));
    figures(&mut billing, facts, profile, factor);
    if factor.is_none()
        && let Some(date) = facts.date_of_service
    {
        findings.push(Finding::new(
            Rule::NoConversionFactor,
            FieldPath::of(Name::Payer).then(Name::Profile),
            format!(
                "the {} profile has no conversion factor for {date}{}; units are coded, amounts are left empty",
                profile.name,
                locality.map(|l| format!(" in locality {l}")).unwrap_or_default()
            ),
        ));
    }

    if let Some(carrying) = facts.carrying {
        bill_anesthesia(
            facts,
            profile,
            carrying.entry,
            &pointers,
            &mut billing,
            findings,
        );
    }
    billing
        .lines
        .extend(ancillary::lines(record, facts.age, &pointers, findings));
    if let Some(factor) = factor {
        for line in &mut billing.lines {
            let priced = match line.kind {
                LineKind::Anesthesia | LineKind::AddOn => line.base_units.is_some(),
                LineKind::QualifyingCircumstance => true,
                // Surgical and medical codes are priced by the physician fee
                // schedule, which anescode does not hold.
                LineKind::SeparateProcedure => false,
            };
            if priced {
                line.allowed_amount = Some(allowed_amount(
                    line.total_units,
                    factor.rate,
                    line.payment_percent,
                ));
            }
        }
    }
    billing
}

/// The anesthesia, add-on and qualifying-circumstance lines. Each line is billed
/// by the providers present in its own time: when an obstetric add-on's team
/// differs from the primary's (a labour epidural placed alone, a CRNA joining for
/// the cesarean), each gets its own payment modifiers (domain reference §1.13;
/// Highmark WV A-5).
fn bill_anesthesia(
    facts: &CaseFacts<'_, '_>,
    profile: &PayerProfile,
    entry: &CatalogEntry,
    pointers: &[u32],
    billing: &mut Billing,
    findings: &mut Vec<Finding>,
) {
    let record = facts.record;
    let minutes = (facts.minutes, facts.provider_minutes);
    let presence = Presence::of(facts);
    let team = team::team(
        record,
        profile,
        minutes,
        &|i| presence.in_primary(i),
        findings,
    );
    if !team.explanation.is_empty() {
        billing.narrative.push(team.explanation.clone());
    }
    let qualifying = qualifying_circumstances(facts, profile, findings, &mut billing.narrative);
    let (add_ons, within_case) = add_on_minutes(facts, findings);
    let primary_minutes = time::minutes_of(time::total_seconds(facts.intervals) - within_case);
    if within_case > 0 {
        billing
            .narrative
            .push(minutes_split(entry, &add_ons, within_case, primary_minutes));
    }
    let add_on_team = presence
        .differs()
        .then(|| add_on_team(facts, profile, &presence, &add_ons, billing, findings));
    for biller in &team.billers {
        let modifiers = modifiers(record, profile, entry, biller);
        billing.lines.push(anesthesia_line(
            facts,
            profile,
            (entry, primary_minutes),
            biller,
            &modifiers,
            pointers,
        ));
        if add_on_team.is_none() {
            for (add_on, minutes) in &add_ons {
                billing.lines.push(add_on_line(
                    profile, add_on, *minutes, biller, &modifiers, pointers,
                ));
            }
        }
        // Medical supervision (AD) is 3 or 4 base units and nothing more
        // (CMS ch.12 §50.D; domain reference §1.1, §1.7): the qualifying
        // circumstances go on the directed CRNA's or AA's lines only.
        let supervising = matches!(biller.payment, Payment::Supervising { .. });
        for (code, units) in qualifying.iter().filter(|_| !supervising) {
            billing
                .lines
                .push(qualifying_line(*code, *units, biller, pointers));
        }
    }
    for biller in add_on_team.iter().flat_map(|t| &t.billers) {
        let modifiers = modifiers(record, profile, entry, biller);
        for (add_on, minutes) in &add_ons {
            billing.lines.push(add_on_line(
                profile, add_on, *minutes, biller, &modifiers, pointers,
            ));
        }
    }
}

/// The sentence saying that the add-ons' minutes are not the primary's.
fn minutes_split(
    primary: &CatalogEntry,
    add_ons: &[(&CatalogEntry, u32)],
    within_case: i64,
    primary_minutes: u32,
) -> String {
    let codes: Vec<String> = add_ons.iter().map(|(e, _)| e.code.to_string()).collect();
    format!(
        "{} minutes of the case's anesthesia time are {}'s own and are billed on it only; {} carries the other {primary_minutes}.",
        time::minutes_of(within_case),
        codes.join(" and "),
        primary.code
    )
}

/// The team of the obstetric add-ons' own time, when it differs from the
/// primary's; its findings that the primary's team did not give are added.
fn add_on_team<'r>(
    facts: &CaseFacts<'r, '_>,
    profile: &PayerProfile,
    presence: &Presence,
    add_ons: &[(&CatalogEntry, u32)],
    billing: &mut Billing,
    findings: &mut Vec<Finding>,
) -> team::Team<'r> {
    let mut own = Vec::new();
    let minutes = (facts.minutes, facts.provider_minutes);
    let team = team::team(
        facts.record,
        profile,
        minutes,
        &|i| presence.in_add_on(i),
        &mut own,
    );
    own.retain(|f| !findings.contains(f));
    findings.extend(own);
    // The concurrency the anesthesiologist reports is that of the add-on's time,
    // where they direct: it is no fault of the primary's.
    let directs = team.billers.iter().any(|b| {
        matches!(
            b.payment,
            Payment::DirectingOne | Payment::DirectingConcurrent | Payment::Supervising { .. }
        )
    });
    if directs {
        findings.retain(|f| f.rule != Rule::ConcurrencyWithoutDirection);
    }
    if !team.explanation.is_empty() {
        let codes: Vec<String> = add_ons.iter().map(|(e, _)| e.code.to_string()).collect();
        billing.narrative.push(format!(
            "{} has a team of its own, the providers present in its time: {}",
            codes.join(" and "),
            team.explanation
        ));
    }
    team
}

fn qualifying_line(code: Code, units: Tenths, biller: &Biller<'_>, pointers: &[u32]) -> ClaimLine {
    ClaimLine {
        code,
        modifiers: Vec::new(),
        provider_npi: biller.provider.npi.clone(),
        kind: LineKind::QualifyingCircumstance,
        minutes: 0,
        base_units: None,
        time_units: None,
        modifying_units: Some(units),
        total_units: units,
        payment_percent: biller.percent,
        allowed_amount: None,
        diagnosis_pointers: pointers.to_vec(),
    }
}

/// Which providers were present in the primary's time and in the obstetric
/// add-ons' own time. A provider without time blocks of its own was present for
/// the whole case.
struct Presence {
    /// Per provider: (present in the primary's time, present in the add-ons' time);
    /// empty when every provider is present in both.
    providers: Vec<(bool, bool)>,
}

impl Presence {
    fn of(facts: &CaseFacts<'_, '_>) -> Self {
        let mut add_on_time: Vec<Interval> = facts
            .resolved
            .iter()
            .filter(|r| r.entry.add_on && r.entry.time_units_apply)
            .filter_map(|r| {
                facts
                    .procedure_intervals
                    .get(r.index)
                    .and_then(Option::as_ref)
            })
            .flat_map(|own| own.iter().map(|(_, interval)| *interval))
            .collect();
        add_on_time.sort_by_key(|i| i.start);
        if add_on_time.is_empty() {
            // No add-on time of its own: one team bills every line (no entry: present).
            return Presence {
                providers: Vec::new(),
            };
        }
        let case_time = facts.intervals;
        let providers = (0..facts.record.providers.len())
            .map(
                |i| match facts.provider_intervals.get(i).and_then(Option::as_ref) {
                    None => (true, true),
                    Some(own) => {
                        let seconds = |by: &[Interval]| -> i64 {
                            own.iter().map(|o| time::covered_seconds(*o, by)).sum()
                        };
                        let in_add_ons = seconds(&add_on_time);
                        (seconds(case_time) > in_add_ons, in_add_ons > 0)
                    }
                },
            )
            .collect();
        Presence { providers }
    }

    fn in_primary(&self, provider: usize) -> bool {
        self.providers.get(provider).is_none_or(|p| p.0)
    }

    fn in_add_on(&self, provider: usize) -> bool {
        self.providers.get(provider).is_none_or(|p| p.1)
    }

    /// True when some provider was present in one part and not the other, and
    /// someone was present in the add-ons' time at all.
    fn differs(&self) -> bool {
        self.providers.iter().any(|(a, b)| a != b) && self.providers.iter().any(|p| p.1)
    }
}

fn figures(
    billing: &mut Billing,
    facts: &CaseFacts<'_, '_>,
    profile: &PayerProfile,
    factor: Option<&crate::ConversionFactor>,
) {
    let figure =
        |kind, name: &str, value: String, source: &str, effective: Option<Date>| AppliedFigure {
            kind,
            code: None,
            locality: None,
            name: name.to_owned(),
            value,
            source: source.to_owned(),
            effective,
        };
    if let Some(carrying) = facts.carrying
        && let Some(base) = &carrying.entry.base_units
    {
        let schedule = facts.catalog.schedule();
        billing.figures.push(AppliedFigure {
            code: Some(carrying.entry.code),
            ..figure(
                FigureKind::BaseUnits,
                &format!("base units {}", carrying.entry.code),
                base.units.to_string(),
                &format!(
                    "{} ({}): {}",
                    schedule.id(),
                    base.corroboration.as_str(),
                    base.evidence
                ),
                Some(schedule.effective()),
            )
        });
    }
    let rule = &profile.time_units;
    billing.figures.push(figure(
        FigureKind::TimeUnitRule,
        "time units",
        rule.value.to_string(),
        &rule.source,
        rule.effective,
    ));
    let ps = &profile.physical_status_units;
    billing.figures.push(figure(
        FigureKind::PhysicalStatusUnits,
        "physical status units P1-P6",
        ps.value.0.map(|u| u.to_string()).join("/"),
        &ps.source,
        ps.effective,
    ));
    let qc = &profile.qualifying_units;
    billing.figures.push(figure(
        FigureKind::QualifyingCircumstanceUnits,
        "qualifying circumstance units 99100/99116/99135/99140",
        format!(
            "{}/{}/{}/{}",
            qc.value.extreme_age,
            qc.value.total_body_hypothermia,
            qc.value.controlled_hypotension,
            qc.value.emergency
        ),
        &qc.source,
        qc.effective,
    ));
    let split = &profile.medical_direction_percent;
    billing.figures.push(figure(
        FigureKind::MedicalDirectionPercent,
        "medical direction percent",
        split.value.to_string(),
        &split.source,
        split.effective,
    ));
    if let Some(factor) = factor {
        billing.figures.push(AppliedFigure {
            locality: factor.locality.clone(),
            ..figure(
                FigureKind::ConversionFactor,
                &match &factor.locality {
                    Some(locality) => format!("conversion factor, locality {locality}"),
                    None => "conversion factor".to_owned(),
                },
                factor.rate.to_string(),
                &factor.source,
                Some(factor.effective),
            )
        });
    }
}

/// Payment modifier first, then GC, QS, G8, G9, the physical status and 23
/// (domain reference §2: the pricing modifier goes first).
fn modifiers(
    record: &CaseRecord,
    profile: &PayerProfile,
    entry: &CatalogEntry,
    biller: &Biller<'_>,
) -> Vec<Modifier> {
    let mut modifiers: Vec<Modifier> = biller.payment.modifier().into_iter().collect();
    if biller.teaching {
        modifiers.push(Modifier::GC);
    }
    let mac = record.anesthesia_type == Enumerated::Known(AnesthesiaType::MonitoredAnesthesiaCare);
    if mac {
        modifiers.push(Modifier::QS);
        if record.mac_deep_complex {
            modifiers.push(Modifier::G8);
        }
        if record.mac_severe_cardiopulmonary_history {
            modifiers.push(Modifier::G9);
        }
    }
    if let Enumerated::Known(status) = record.physical_status {
        modifiers.push(status.into());
    }
    let general = record.anesthesia_type == Enumerated::Known(AnesthesiaType::General);
    if general && profile.unusual_anesthesia_codes.contains(&entry.code) {
        modifiers.push(Modifier::UnusualAnesthesia);
    }
    modifiers
}

fn anesthesia_line(
    facts: &CaseFacts<'_, '_>,
    profile: &PayerProfile,
    (entry, minutes): (&CatalogEntry, u32),
    biller: &Biller<'_>,
    modifiers: &[Modifier],
    pointers: &[u32],
) -> ClaimLine {
    let (base, time, modifying) = match biller.payment {
        // CMS ch.12 §50.D: three base units, one more when present at induction.
        Payment::Supervising {
            present_at_induction,
        } => (
            Some(Tenths::whole(3 + u32::from(present_at_induction))),
            Tenths::default(),
            Tenths::default(),
        ),
        _ => {
            let time = if entry.time_units_apply {
                profile.time_units.value.units(minutes)
            } else {
                Tenths::default()
            };
            let modifying = match facts.record.physical_status {
                Enumerated::Known(status) => {
                    Tenths::whole(profile.physical_status_units.value.of(status))
                }
                Enumerated::Unspecified | Enumerated::Unknown(_) => Tenths::default(),
            };
            (
                entry.base_units.as_ref().map(|b| Tenths::whole(b.units)),
                time,
                modifying,
            )
        }
    };
    // The claim reports time only where time is paid: none on an AD line (its
    // service is 1 unit, Palmetto GBA 8EELAB1511) or for codes without time units.
    let reported_minutes = match biller.payment {
        Payment::Supervising { .. } => 0,
        _ if !entry.time_units_apply => 0,
        _ => minutes,
    };
    ClaimLine {
        code: entry.code,
        modifiers: modifiers.to_vec(),
        provider_npi: biller.provider.npi.clone(),
        kind: LineKind::Anesthesia,
        minutes: reported_minutes,
        base_units: base,
        time_units: Some(time),
        modifying_units: Some(modifying),
        total_units: base.unwrap_or_default() + time + modifying,
        payment_percent: biller.percent,
        allowed_amount: None,
        diagnosis_pointers: pointers.to_vec(),
    }
}

/// The add-on procedures with the minutes each carries: obstetric add-ons their own
/// blocks, 01953 none (domain reference §1.4, §1.13, §1.14); and how many seconds of
/// the case's own time they take (a minute is billed once, §1.2: those seconds are
/// not the primary's).
fn add_on_minutes<'c>(
    facts: &CaseFacts<'_, 'c>,
    findings: &mut Vec<Finding>,
) -> (Vec<(&'c CatalogEntry, u32)>, i64) {
    let mut add_ons = Vec::new();
    let mut within_case = 0;
    let with_primary = |r: &&Resolved<'_>| {
        facts
            .resolved
            .iter()
            .any(|p| r.entry.primary_codes.contains(&p.entry.code))
    };
    let case_time = facts.intervals;
    // An add-on without its primary was reported when the procedures were resolved,
    // and is not billed.
    for resolved in facts
        .resolved
        .iter()
        .filter(|r| r.entry.add_on)
        .filter(with_primary)
    {
        if !resolved.entry.time_units_apply {
            add_ons.push((resolved.entry, 0));
            continue;
        }
        let own = facts
            .procedure_intervals
            .get(resolved.index)
            .and_then(Option::as_ref);
        let Some(own) = own else {
            findings.push(Finding::new(
                Rule::AddOnTimeMissing,
                FieldPath::of(Name::Procedures).at(resolved.index).then(Name::TimeBlocks),
                format!(
                    "{} carries its own anesthesia time, reported apart from its primary code; send the procedure's time blocks",
                    resolved.entry.code
                ),
            ));
            add_ons.push((resolved.entry, 0));
            continue;
        };
        for &(block, interval) in own {
            let covered = time::covered_seconds(interval, case_time);
            within_case += covered;
            if covered < interval.duration().as_secs() {
                findings.push(Finding::new(
                    Rule::AddOnTimeOutsideCase,
                    FieldPath::of(Name::Procedures).at(resolved.index).then(Name::TimeBlocks).at(block),
                    format!(
                        "block {} of {} ({} to {}) lies partly or wholly outside the case's anesthesia time; the case's time_blocks should hold all of it",
                        block + 1,
                        resolved.entry.code,
                        interval.start,
                        interval.end
                    ),
                ));
            }
        }
        let own: Vec<Interval> = own.iter().map(|(_, interval)| *interval).collect();
        add_ons.push((resolved.entry, time::total_minutes(&own)));
    }
    (add_ons, within_case)
}

fn add_on_line(
    profile: &PayerProfile,
    entry: &CatalogEntry,
    minutes: u32,
    biller: &Biller<'_>,
    modifiers: &[Modifier],
    pointers: &[u32],
) -> ClaimLine {
    let base = entry.base_units.as_ref().map(|b| Tenths::whole(b.units));
    let time = if entry.time_units_apply {
        profile.time_units.value.units(minutes)
    } else {
        Tenths::default()
    };
    ClaimLine {
        code: entry.code,
        modifiers: modifiers.to_vec(),
        provider_npi: biller.provider.npi.clone(),
        kind: LineKind::AddOn,
        minutes,
        base_units: base,
        time_units: Some(time),
        modifying_units: Some(Tenths::default()),
        total_units: base.unwrap_or_default() + time,
        payment_percent: biller.percent,
        allowed_amount: None,
        diagnosis_pointers: pointers.to_vec(),
    }
}

/// The qualifying circumstances that apply, with the profile's units.
fn qualifying_circumstances(
    facts: &CaseFacts<'_, '_>,
    profile: &PayerProfile,
    findings: &mut Vec<Finding>,
    narrative: &mut Vec<String>,
) -> Vec<(Code, Tenths)> {
    let record = facts.record;
    let units = profile.qualifying_units.value;
    let mut applies: Vec<(&str, u32, &str)> = Vec::new();
    if let (Some(age), Some(carrying)) = (facts.age, facts.carrying)
        && !NOT_EXTREME_AGE.contains(&age)
    {
        if carrying.entry.reflects_extreme_age {
            findings.push(Finding::new(
                Rule::ExtremeAgeInCode,
                FieldPath::of(Name::Patient).then(Name::BirthDate),
                format!(
                    "{} already reflects the patient's age; 99100 is not reported with it",
                    carrying.entry.code
                ),
            ));
        } else {
            applies.push((
                "99100",
                units.extreme_age,
                if age < 1 {
                    "a patient younger than 1 year"
                } else {
                    "a patient older than 70"
                },
            ));
        }
    }
    if record.total_body_hypothermia {
        applies.push((
            "99116",
            units.total_body_hypothermia,
            "total body hypothermia",
        ));
    }
    if record.controlled_hypotension {
        applies.push((
            "99135",
            units.controlled_hypotension,
            "controlled hypotension",
        ));
    }
    if record.emergency {
        applies.push(("99140", units.emergency, "emergency conditions"));
    }
    if applies.is_empty() {
        return Vec::new();
    }
    let codes: Vec<&str> = applies.iter().map(|(c, _, _)| *c).collect();
    let (list, verb) = match codes.as_slice() {
        [one] => ((*one).to_owned(), ("applies", "is")),
        many => (many.join(", "), ("apply", "are")),
    };
    if !profile.report_qualifying_circumstances {
        findings.push(Finding::new(
            Rule::QualifyingCircumstanceNotPaid,
            FieldPath::RECORD,
            format!(
                "{} apply, but the {} profile does not report qualifying circumstances",
                codes.join(", "),
                profile.name
            ),
        ));
        return Vec::new();
    }
    if applies.iter().all(|(_, u, _)| *u == 0) {
        findings.push(Finding::new(
            Rule::QualifyingCircumstanceNotPaid,
            FieldPath::RECORD,
            format!("{list} {} reported with 0 units: the {} profile does not pay qualifying circumstances", verb.1, profile.name),
        ));
    }
    narrative.push(format!(
        "Qualifying circumstances: {}.",
        applies
            .iter()
            .map(|(code, units, why)| format!("{code} for {why} ({units} units)"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    applies
        .into_iter()
        .filter_map(|(code, units, _)| code.parse().ok().map(|c| (c, Tenths::whole(units))))
        .collect()
}
