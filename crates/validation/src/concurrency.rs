//! Concurrency across cases: how many cases an anesthesiologist directed at any one
//! moment of a case, and the overlaps only a whole day shows (domain reference
//! §1.5-§1.8, §1.16). Pure: the ledger gives the cases it holds, this module
//! counts.
//!
//! "Concurrency is defined with regard to the maximum number of procedures that the
//! physician is medically directing within the context of a single procedure and
//! whether these other procedures overlap each other" (CMS Claims Processing Manual
//! ch.12 §50): for each anesthesiologist directing a case, the most cases they
//! directed at any one instant of their time on it, this case included.

/// A span of anesthesia time in seconds since the Unix epoch, from `start` to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first second.
    pub start: i64,
    /// The end, after `start`.
    pub end: i64,
}

/// How a provider takes part in a case, for concurrency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// An anesthesiologist with a CRNA, AA, resident or student on the case:
    /// directing, supervising or teaching. These cases are counted.
    Directing,
    /// An anesthesiologist alone on the case: personally performed.
    Personal,
    /// A CRNA or anesthesiologist assistant.
    Anesthetist,
    /// A resident or student nurse anesthetist.
    Trainee,
}

/// One provider's time on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    /// The provider's NPI as sent.
    pub npi: String,
    /// How the provider takes part.
    pub part: Part,
    /// Their own time on the case (the case's time when they sent none), in start
    /// order, not overlapping.
    pub spans: Vec<Span>,
}

/// What concurrency needs of one case: who was on it and when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The case's id.
    pub case_id: String,
    /// Every provider with time on the case.
    pub attendance: Vec<Attendance>,
    /// Whether the case's payer profile counts touching cases as concurrent.
    pub touching_counts: bool,
}

impl Timeline {
    /// The first and last second of anyone's time on the case.
    pub fn bounds(&self) -> Option<Span> {
        let spans = self.attendance.iter().flat_map(|a| &a.spans);
        let start = spans.clone().map(|s| s.start).min()?;
        let end = spans.map(|s| s.end).max()?;
        Some(Span { start, end })
    }
}

/// The concurrency of one directing anesthesiologist on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directed {
    /// The anesthesiologist's NPI.
    pub npi: String,
    /// The most cases they directed at one instant of this case, this one included.
    pub cases: u32,
    /// The other cases they directed that overlap this one, by case_id, sorted.
    pub overlapping: Vec<String>,
}

/// An overlap that cannot be billed as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// An anesthesiologist personally performing a case while on another.
    PersonallyPerformed,
    /// A CRNA or AA on two cases at once.
    Anesthetist,
    /// A resident or student on two cases at once.
    Trainee,
}

/// One provider's overlap with other cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The provider's NPI.
    pub npi: String,
    /// What kind of overlap.
    pub kind: ConflictKind,
    /// The other cases, by case_id, sorted.
    pub with: Vec<String>,
}

/// What the ledger's other cases say about one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseContext {
    /// The concurrency of each anesthesiologist directing the case.
    pub directed: Vec<Directed>,
    /// Overlaps that cannot be billed as they stand.
    pub conflicts: Vec<Conflict>,
    /// The case's facility and date of service were closed before it arrived.
    pub reopens_closed_day: bool,
    /// More cases overlap this one than the ledger weighs for one record.
    pub crowded: Option<Crowded>,
}

/// How many cases the ledger found overlapping a case's providers' time, and how
/// many of them (the nearest) it weighed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Crowded {
    /// Cases of the same providers whose time overlaps the case.
    pub overlapping: usize,
    /// The most the ledger weighs for one record.
    pub weighed: usize,
}

impl CaseContext {
    /// The computed concurrency of `npi` on the case, when it directs it.
    pub fn directed_by(&self, npi: &str) -> Option<&Directed> {
        self.directed.iter().find(|d| d.npi == npi)
    }
}

/// Whether two spans overlap: sharing a second, or, when `touching` counts, also
/// one ending when the other starts (a payer-profile setting; default no).
fn meets(a: Span, b: Span, touching: bool) -> bool {
    if touching {
        a.start <= b.end && b.start <= a.end
    } else {
        a.start < b.end && b.start < a.end
    }
}

fn overlap(a: &[Span], b: &[Span], touching: bool) -> bool {
    a.iter().any(|x| b.iter().any(|y| meets(*x, *y, touching)))
}

/// Works out `this` case's concurrency and conflicts against `others`, the other
/// cases the ledger holds (any order; `this` itself is skipped by case_id).
pub fn assess(this: &Timeline, others: &[&Timeline], touching: bool) -> CaseContext {
    let mut context = CaseContext::default();
    for mine in &this.attendance {
        let theirs: Vec<(&str, &Attendance)> = others
            .iter()
            .filter(|o| o.case_id != this.case_id)
            .flat_map(|o| {
                o.attendance
                    .iter()
                    .filter(|a| a.npi == mine.npi)
                    .map(|a| (o.case_id.as_str(), a))
            })
            .filter(|(_, a)| overlap(&mine.spans, &a.spans, touching))
            .collect();
        let both_directing =
            |a: &Attendance| mine.part == Part::Directing && a.part == Part::Directing;
        if mine.part == Part::Directing {
            let directed: Vec<(&str, &[Span])> = theirs
                .iter()
                .filter(|(_, a)| both_directing(a))
                .map(|(id, a)| (*id, a.spans.as_slice()))
                .collect();
            context.directed.push(Directed {
                npi: mine.npi.clone(),
                cases: most_at_once(&mine.spans, &directed, touching),
                overlapping: sorted_ids(directed.iter().map(|(id, _)| *id)),
            });
        }
        let conflicting: Vec<(&str, Part)> = theirs
            .iter()
            .filter(|(_, a)| !both_directing(a))
            .map(|(id, a)| (*id, a.part))
            .collect();
        if conflicting.is_empty() {
            continue;
        }
        let personal = mine.part == Part::Personal
            || conflicting.iter().any(|(_, part)| *part == Part::Personal);
        let kind = match mine.part {
            _ if personal => ConflictKind::PersonallyPerformed,
            Part::Trainee => ConflictKind::Trainee,
            _ => ConflictKind::Anesthetist,
        };
        context.conflicts.push(Conflict {
            npi: mine.npi.clone(),
            kind,
            with: sorted_ids(conflicting.iter().map(|(id, _)| *id)),
        });
    }
    context
}

fn sorted_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut ids: Vec<String> = ids.map(str::to_owned).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The most of `others`' spans covering one instant of `mine`, plus one for this
/// case: a sweep over the start and end of every span clipped to `mine`.
fn most_at_once(mine: &[Span], others: &[(&str, &[Span])], touching: bool) -> u32 {
    let mut most = 0;
    for span in mine {
        // (instant, +1 start / -1 end). Ends sort before starts at the same
        // instant unless touching spans count as overlapping.
        let mut events: Vec<(i64, i32)> = Vec::new();
        for (_, spans) in others {
            for other in spans.iter().filter(|o| meets(*span, **o, touching)) {
                events.push((other.start.max(span.start), 1));
                events.push((other.end.min(span.end), -1));
            }
        }
        events.sort_unstable_by_key(|&(at, delta)| (at, if touching { -delta } else { delta }));
        let mut open = 0;
        for (_, delta) in events {
            open += delta;
            most = most.max(open);
        }
    }
    u32::try_from(most).unwrap_or(u32::MAX).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-02 at hh:mm, in seconds.
    fn at(hh: i64, mm: i64) -> i64 {
        1_772_409_600 + hh * 3600 + mm * 60
    }

    fn directed_case(id: &str, from: (i64, i64), to: (i64, i64)) -> Timeline {
        Timeline {
            case_id: id.to_owned(),
            attendance: vec![Attendance {
                npi: "1234567893".to_owned(),
                part: Part::Directing,
                spans: vec![Span {
                    start: at(from.0, from.1),
                    end: at(to.0, to.1),
                }],
            }],
            touching_counts: false,
        }
    }

    /// The CMS manual's worked example (ch.12 §50; domain reference §1.16): A
    /// 8:00-8:20, B 8:10-8:45, C 8:30-9:15, D 9:00-12:00, E 9:10-9:55 give 2, 2,
    /// 3, 3, 3.
    #[test]
    fn the_manuals_five_cases() {
        let cases = [
            directed_case("A", (8, 0), (8, 20)),
            directed_case("B", (8, 10), (8, 45)),
            directed_case("C", (8, 30), (9, 15)),
            directed_case("D", (9, 0), (12, 0)),
            directed_case("E", (9, 10), (9, 55)),
        ];
        let all: Vec<&Timeline> = cases.iter().collect();
        let counts: Vec<u32> = cases
            .iter()
            .map(|case| assess(case, &all, false).directed[0].cases)
            .collect();
        assert_eq!(counts, [2, 2, 3, 3, 3]);
        let b = assess(&cases[1], &all, false);
        assert_eq!(b.directed[0].overlapping, ["A", "C"]);
        assert_eq!(b.conflicts, []);
    }

    #[test]
    fn touching_cases_overlap_only_when_the_profile_says_so() {
        let first = directed_case("F", (8, 0), (9, 0));
        let second = directed_case("G", (9, 0), (10, 0));
        let all = [&first, &second];
        assert_eq!(assess(&first, &all, false).directed[0].cases, 1);
        assert_eq!(assess(&first, &all, true).directed[0].cases, 2);
    }

    #[test]
    fn personally_performing_while_directing_is_a_conflict_on_both() {
        let directed = directed_case("D1", (8, 0), (10, 0));
        let mut personal = directed_case("P1", (9, 0), (9, 30));
        personal.attendance[0].part = Part::Personal;
        let all = [&directed, &personal];
        let on_directed = assess(&directed, &all, false);
        assert_eq!(on_directed.directed[0].cases, 1);
        assert_eq!(
            on_directed.conflicts,
            [Conflict {
                npi: "1234567893".to_owned(),
                kind: ConflictKind::PersonallyPerformed,
                with: vec!["P1".to_owned()],
            }]
        );
        assert_eq!(
            assess(&personal, &all, false).conflicts[0].with,
            ["D1".to_owned()]
        );
    }
}
