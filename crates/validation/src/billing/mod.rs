//! From a checked case to claim lines: the payment modifier of each billing
//! provider, the anesthesia, add-on and qualifying-circumstance lines with their
//! units, the separately billable work, and the money. Billing reads only the
//! [`CheckedCase`] and records why it decided as [`Reason`]s, which the
//! explanation module puts into words.

mod ancillary;
mod qualifying;
mod team;

use anescode_codes::{CatalogEntry, Code};

pub(crate) use qualifying::Circumstance;

use crate::checked::CheckedCase;
use crate::checks::procedures::Resolved;
use crate::explanation::Reason;
use crate::field::{FieldPath, Name};
use crate::time::{self, Interval};
use crate::units::allowed_amount;
use crate::{
    AnesthesiaType, ClaimLine, ConversionFactor, Finding, LineKind, LineModifiers, Modifier,
    PayerProfile, Rule, Tenths,
};
use team::{Biller, Payment};

/// Medical supervision (AD) is paid 3 base units, and 1 more when the
/// anesthesiologist was present at induction (CMS ch.12 §50.D; 42 CFR 414.46(d)).
const SUPERVISION_BASE_UNITS: u32 = 3;
const PRESENT_AT_INDUCTION_UNITS: u32 = 1;

/// Each add-on code billed, with the minutes it carries.
type AddOnMinutes<'c> = [(&'c CatalogEntry, u32)];

/// The lines, the conversion factor applied, and why.
#[derive(Debug, Default)]
pub(crate) struct Billing<'p> {
    pub(crate) lines: Vec<ClaimLine>,
    pub(crate) factor: Option<&'p ConversionFactor>,
    pub(crate) reasons: Vec<Reason>,
}

/// Bills a checked case under `profile`.
pub(crate) fn bill<'p>(
    case: &CheckedCase<'_, '_>,
    profile: &'p PayerProfile,
    findings: &mut Vec<Finding>,
) -> Billing<'p> {
    let mut billing = Billing {
        // A typical case: the directing and the directed provider's lines and
        // one billed apart.
        lines: Vec::with_capacity(4),
        ..Billing::default()
    };
    let pointers = case.pointers();
    let locality = case.locality;
    billing.factor = case
        .date_of_service
        .and_then(|date| profile.conversion_factor(date, locality));
    if billing.factor.is_none()
        && let Some(date) = case.date_of_service
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
    if let Some(carrying) = case.carrying() {
        bill_anesthesia(
            case,
            profile,
            carrying.entry,
            &pointers,
            &mut billing,
            findings,
        );
    }
    ancillary::lines(case, &pointers, &mut billing.lines, findings);
    if let Some(factor) = billing.factor {
        price(&mut billing.lines, factor);
    }
    billing
}

/// Prices the lines the conversion factor applies to.
fn price(lines: &mut [ClaimLine], factor: &ConversionFactor) {
    for line in lines {
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

/// The anesthesia, add-on and qualifying-circumstance lines. Each line is billed
/// by the providers present in its own time: when an obstetric add-on's team
/// differs from the primary's (a labour epidural placed alone, a CRNA joining for
/// the cesarean), each gets its own payment modifiers (domain reference §1.13;
/// Highmark WV A-5).
fn bill_anesthesia(
    case: &CheckedCase<'_, '_>,
    profile: &PayerProfile,
    entry: &CatalogEntry,
    pointers: &[u32],
    billing: &mut Billing<'_>,
    findings: &mut Vec<Finding>,
) {
    let presence = Presence::of(case);
    let in_primary = |i| presence.in_primary(i);
    let team = team::team(
        &case.providers,
        profile,
        case.time.minutes,
        &in_primary,
        findings,
    );
    billing.reasons.extend(team.reason.map(Reason::Team));
    let qualifying =
        qualifying::qualifying_circumstances(case, profile, findings, &mut billing.reasons);
    let (add_ons, within_case) = add_on_minutes(case, findings);
    let primary_minutes = time::minutes_of(time::total_seconds(&case.time.intervals) - within_case);
    if within_case > 0 {
        billing.reasons.push(Reason::MinutesSplit {
            add_ons: add_ons.iter().map(|(e, _)| e.code).collect(),
            within_case: time::minutes_of(within_case),
            primary: entry.code,
            primary_minutes,
        });
    }
    let in_add_on = |i| presence.in_add_on(i);
    let add_on_team = presence
        .differs()
        .then(|| add_on_team(case, profile, (&in_add_on, &add_ons), billing, findings));
    for biller in &team.billers {
        let modifiers = modifiers(case, profile, entry, biller);
        billing.lines.push(anesthesia_line(
            case,
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
        let modifiers = modifiers(case, profile, entry, biller);
        for (add_on, minutes) in &add_ons {
            billing.lines.push(add_on_line(
                profile, add_on, *minutes, biller, &modifiers, pointers,
            ));
        }
    }
}

/// The team of the obstetric add-ons' own time, when it differs from the
/// primary's; its findings that the primary's team did not give are added.
fn add_on_team<'a, 'r>(
    case: &'a CheckedCase<'r, '_>,
    profile: &PayerProfile,
    (present, add_ons): (&'a dyn Fn(usize) -> bool, &AddOnMinutes<'_>),
    billing: &mut Billing<'_>,
    findings: &mut Vec<Finding>,
) -> team::Team<'a, 'r> {
    let mut own = Vec::new();
    let team = team::team(
        &case.providers,
        profile,
        case.time.minutes,
        present,
        &mut own,
    );
    own.retain(|f| !findings.contains(f));
    findings.extend(own);
    // The concurrency the anesthesiologist reports is that of the add-on's time,
    // where they direct: it is no fault of the primary's.
    if team.billers.iter().any(|b| b.payment.directs()) {
        findings.retain(|f| f.rule != Rule::ConcurrencyWithoutDirection);
    }
    if let Some(reason) = team.reason {
        billing.reasons.push(Reason::AddOnTeam {
            add_ons: add_ons.iter().map(|(e, _)| e.code).collect(),
            team: reason,
        });
    }
    team
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
    fn of(case: &CheckedCase<'_, '_>) -> Self {
        let mut add_on_time: Vec<Interval> = case
            .procedures
            .iter()
            .filter(|r| r.entry.add_on && r.entry.time_units_apply)
            .filter_map(|r| r.own_time.as_ref())
            .flat_map(|own| own.iter().map(|(_, interval)| *interval))
            .collect();
        add_on_time.sort_by_key(|i| i.start);
        if add_on_time.is_empty() {
            // No add-on time of its own: one team bills every line (no entry: present).
            return Presence {
                providers: Vec::new(),
            };
        }
        let case_time = &case.time.intervals;
        let providers = (case.providers.iter())
            .map(|provider| match provider.own_time.as_ref() {
                None => (true, true),
                Some(own) => {
                    let seconds = |by: &[Interval]| -> i64 {
                        own.iter().map(|o| time::covered_seconds(*o, by)).sum()
                    };
                    let in_add_ons = seconds(&add_on_time);
                    (seconds(case_time) > in_add_ons, in_add_ons > 0)
                }
            })
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

/// Payment modifier first, then GC, QS, G8, G9, the physical status and 23
/// (domain reference §2: the pricing modifier goes first).
fn modifiers(
    case: &CheckedCase<'_, '_>,
    profile: &PayerProfile,
    entry: &CatalogEntry,
    biller: &Biller<'_, '_>,
) -> LineModifiers {
    let mut modifiers: LineModifiers = biller.payment.modifier().into_iter().collect();
    if biller.teaching {
        modifiers.push(Modifier::GC);
    }
    if case.anesthesia_type == Some(AnesthesiaType::MonitoredAnesthesiaCare) {
        modifiers.push(Modifier::QS);
        if case.mac.deep_complex {
            modifiers.push(Modifier::G8);
        }
        if case.mac.severe_cardiopulmonary_history {
            modifiers.push(Modifier::G9);
        }
    }
    if let Some(status) = case.physical_status {
        modifiers.push(status.into());
    }
    let general = case.anesthesia_type == Some(AnesthesiaType::General);
    if general && profile.unusual_anesthesia_codes.contains(&entry.code) {
        modifiers.push(Modifier::UnusualAnesthesia);
    }
    modifiers
}

fn anesthesia_line(
    case: &CheckedCase<'_, '_>,
    profile: &PayerProfile,
    (entry, minutes): (&CatalogEntry, u32),
    biller: &Biller<'_, '_>,
    modifiers: &[Modifier],
    pointers: &[u32],
) -> ClaimLine {
    let (base, time, modifying) = match biller.payment {
        // CMS ch.12 §50.D: three base units, one more when present at induction.
        Payment::Supervising {
            present_at_induction,
        } => (
            Some(Tenths::whole(
                SUPERVISION_BASE_UNITS
                    + if present_at_induction {
                        PRESENT_AT_INDUCTION_UNITS
                    } else {
                        0
                    },
            )),
            Tenths::default(),
            Tenths::default(),
        ),
        _ => {
            let time = if entry.time_units_apply {
                profile.time_units.value.units(minutes)
            } else {
                Tenths::default()
            };
            let modifying = case.physical_status.map_or(Tenths::default(), |status| {
                Tenths::whole(profile.physical_status_units.value.of(status))
            });
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
        modifiers: modifiers.into(),
        provider_npi: biller.provider.billing_npi(),
        kind: LineKind::Anesthesia,
        minutes: reported_minutes,
        base_units: base,
        time_units: Some(time),
        modifying_units: Some(modifying),
        total_units: base.unwrap_or_default() + time + modifying,
        payment_percent: biller.percent,
        allowed_amount: None,
        diagnosis_pointers: pointers.into(),
    }
}

/// The add-on procedures with the minutes each carries: obstetric add-ons their own
/// blocks, 01953 none (domain reference §1.4, §1.13, §1.14); and how many seconds of
/// the case's own time they take (a minute is billed once, §1.2: those seconds are
/// not the primary's).
fn add_on_minutes<'c>(
    case: &CheckedCase<'_, 'c>,
    findings: &mut Vec<Finding>,
) -> (Vec<(&'c CatalogEntry, u32)>, i64) {
    let mut add_ons = Vec::new();
    let mut within_case = 0;
    let with_primary = |r: &&Resolved<'_>| {
        case.procedures
            .iter()
            .any(|p| r.entry.primary_codes.contains(&p.entry.code))
    };
    let case_time = &case.time.intervals;
    // An add-on without its primary was reported when the procedures were resolved,
    // and is not billed.
    for resolved in case
        .procedures
        .iter()
        .filter(|r| r.entry.add_on)
        .filter(with_primary)
    {
        if !resolved.entry.time_units_apply {
            add_ons.push((resolved.entry, 0));
            continue;
        }
        let Some(own) = resolved.own_time.as_ref() else {
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
    biller: &Biller<'_, '_>,
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
        modifiers: modifiers.into(),
        provider_npi: biller.provider.billing_npi(),
        kind: LineKind::AddOn,
        minutes,
        base_units: base,
        time_units: Some(time),
        modifying_units: Some(Tenths::default()),
        total_units: base.unwrap_or_default() + time,
        payment_percent: biller.percent,
        allowed_amount: None,
        diagnosis_pointers: pointers.into(),
    }
}

fn qualifying_line(
    code: Code,
    units: Tenths,
    biller: &Biller<'_, '_>,
    pointers: &[u32],
) -> ClaimLine {
    ClaimLine {
        code,
        modifiers: LineModifiers::new(),
        provider_npi: biller.provider.billing_npi(),
        kind: LineKind::QualifyingCircumstance,
        minutes: 0,
        base_units: None,
        time_units: None,
        modifying_units: Some(units),
        total_units: units,
        payment_percent: biller.percent,
        allowed_amount: None,
        diagnosis_pointers: pointers.into(),
    }
}
