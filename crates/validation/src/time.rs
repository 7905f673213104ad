//! Anesthesia time: turning time blocks into checked intervals and minutes
//! (42 CFR 414.46(a)(3); CMS Claims Processing Manual ch.12 §50.G).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::field::{FieldPath, Name};
use crate::{Finding, RawTimestamp, Rule, TimeBlock};

/// How far a block may start from the date of service's UTC day, in hours, before
/// it is reported: time zones reach 14 hours from UTC.
const DATE_OF_SERVICE_SLACK_HOURS: i64 = 14;
/// The earliest instant a google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z.
const EARLIEST_SECOND: i64 = -62_135_596_800;

/// A checked block of anesthesia time: it ends after it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interval {
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
}

impl Interval {
    pub(crate) fn duration(self) -> SignedDuration {
        self.end.duration_since(self.start)
    }
}

/// Checks one list of time blocks (the case's, a procedure's or a provider's),
/// reporting each problem on its field under `path`, and returns the intervals
/// that can be counted. Blocks that overlap an earlier one are reported and merged
/// into it, so no minute is counted twice and the time is the blocks' union.
pub(crate) fn check_blocks(
    path: FieldPath,
    blocks: &[TimeBlock],
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Vec<Interval> {
    // Collected anew rather than in place: shrinking the indexed list's
    // allocation in place copies it.
    check_blocks_indexed(path, blocks, date_of_service, findings)
        .iter()
        .map(|&(_, interval)| interval)
        .collect()
}

/// As [`check_blocks`], with each interval's index in `blocks`.
pub(crate) fn check_blocks_indexed(
    path: FieldPath,
    blocks: &[TimeBlock],
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Vec<(usize, Interval)> {
    let mut intervals: Vec<(usize, Interval)> = Vec::with_capacity(blocks.len());
    for (i, block) in blocks.iter().enumerate() {
        let start = endpoint(block.start, (path, i, Name::Start), findings);
        let end = endpoint(block.end, (path, i, Name::End), findings);
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        if end < start {
            findings.push(Finding::new(
                Rule::TimeBlockEndBeforeStart,
                path.at(i).then(Name::End),
                format!("block {} ends at {end}, before it starts at {start}", i + 1),
            ));
            continue;
        }
        if end == start {
            findings.push(Finding::new(
                Rule::TimeBlockZeroLength,
                path.at(i).then(Name::End),
                format!(
                    "block {} ends at the moment it starts ({start}) and adds no time",
                    i + 1
                ),
            ));
            continue;
        }
        let interval = Interval { start, end };
        if interval.duration() > SignedDuration::from_hours(24) {
            findings.push(Finding::new(
                Rule::TimeBlockOver24Hours,
                path.at(i).then(Name::End),
                format!(
                    "block {} lasts {} minutes, more than 24 hours; check the end time",
                    i + 1,
                    interval.duration().as_mins()
                ),
            ));
        }
        if let Some(date) = date_of_service
            && !starts_near(start, date)
        {
            findings.push(Finding::new(
                Rule::TimeBlockOutsideDateOfService,
                path.at(i).then(Name::Start),
                format!(
                    "block {} starts at {start}, more than {DATE_OF_SERVICE_SLACK_HOURS} hours from the date of service {date}",
                    i + 1
                ),
            ));
        }
        intervals.push((i, interval));
    }
    drop_overlaps(path, intervals, findings)
}

/// One end of a block: (list path, block index, "start" or "end"). The field path
/// is formatted only when there is something to report.
fn endpoint(
    raw: Option<RawTimestamp>,
    (path, i, which): (FieldPath, usize, Name),
    findings: &mut Vec<Finding>,
) -> Option<Timestamp> {
    let field = || path.at(i).then(which);
    let Some(raw) = raw else {
        let missing = if which == Name::Start {
            Rule::TimeBlockStartMissing
        } else {
            Rule::TimeBlockEndMissing
        };
        findings.push(Finding::new(
            missing,
            field(),
            format!("the time block has no {}", which.as_str()),
        ));
        return None;
    };
    match Timestamp::new(raw.seconds, raw.nanos) {
        Ok(timestamp) if raw.seconds >= EARLIEST_SECOND && raw.nanos >= 0 => Some(timestamp),
        _ => {
            findings.push(Finding::new(
                Rule::TimestampInvalid,
                field(),
                format!(
                    "seconds {} and nanos {} are not a valid timestamp (years 0001-9999, nanos 0-999999999)",
                    raw.seconds, raw.nanos
                ),
            ));
            None
        }
    }
}

fn starts_near(start: Timestamp, date: Date) -> bool {
    let Ok(midnight) = TimeZone::UTC.to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
    else {
        return true;
    };
    let slack = SignedDuration::from_hours(DATE_OF_SERVICE_SLACK_HOURS);
    let earliest = midnight.checked_sub(slack);
    let latest = midnight.checked_add(SignedDuration::from_hours(24) + slack);
    earliest.is_ok_and(|e| start >= e) && latest.is_ok_and(|l| start < l)
}

fn drop_overlaps(
    path: FieldPath,
    mut intervals: Vec<(usize, Interval)>,
    findings: &mut Vec<Finding>,
) -> Vec<(usize, Interval)> {
    intervals.sort_by_key(|(i, interval)| (interval.start, *i));
    let mut kept: Vec<(usize, Interval)> = Vec::with_capacity(intervals.len());
    let mut overlaps = Vec::new();
    for (i, interval) in intervals {
        // Kept blocks do not overlap and are in start order, and this one starts
        // no earlier than any of them: only the last can overlap it. An overlapping
        // block is reported and merged into it, so the minutes are the union's.
        match kept.last_mut() {
            Some((j, last)) if interval.start < last.end => {
                overlaps.push((i, *j));
                last.end = last.end.max(interval.end);
            }
            _ => kept.push((i, interval)),
        }
    }
    overlaps.sort_unstable();
    for (i, j) in overlaps {
        findings.push(Finding::new(
            Rule::TimeBlocksOverlap,
            path.at(i),
            format!(
                "block {} overlaps block {}; the minutes they share are counted once",
                i + 1,
                j + 1
            ),
        ));
    }
    kept.sort_by_key(|(i, _)| *i);
    kept
}

/// Checks a list of blocks that may be empty (a procedure's or a provider's own
/// time) and returns its intervals; `None` when the list is empty. The path is
/// formatted only for a list that has blocks.
pub(crate) fn own_intervals(
    path: impl FnOnce() -> FieldPath,
    blocks: &[TimeBlock],
    date_of_service: Option<Date>,
    findings: &mut Vec<Finding>,
) -> Option<Vec<Interval>> {
    if blocks.is_empty() {
        return None;
    }
    Some(check_blocks(path(), blocks, date_of_service, findings))
}

/// Whole minutes of anesthesia time in the intervals, half a minute rounded up.
pub(crate) fn total_minutes(intervals: &[Interval]) -> u32 {
    minutes_of(total_seconds(intervals))
}

/// Seconds of anesthesia time in the intervals.
pub(crate) fn total_seconds(intervals: &[Interval]) -> i64 {
    intervals.iter().map(|i| i.duration().as_secs()).sum()
}

/// Whole minutes in `seconds`, half a minute rounded up.
pub(crate) fn minutes_of(seconds: i64) -> u32 {
    u32::try_from((seconds.max(0) + 30) / 60).unwrap_or(u32::MAX)
}

/// Seconds of `interval` that lie within `by`, intervals that do not overlap one
/// another and are sorted by start.
pub(crate) fn covered_seconds(interval: Interval, by: &[Interval]) -> i64 {
    let first = by.partition_point(|b| b.end <= interval.start);
    by[first..]
        .iter()
        .take_while(|b| b.start < interval.end)
        .map(|b| {
            let start = b.start.max(interval.start);
            let end = b.end.min(interval.end);
            end.duration_since(start).as_secs().max(0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<RawTimestamp> {
        let ts: Timestamp = text.parse().expect("timestamp");
        Some(RawTimestamp {
            seconds: ts.as_second(),
            nanos: ts.subsec_nanosecond(),
        })
    }

    fn block(start: &str, end: &str) -> TimeBlock {
        TimeBlock {
            start: at(start),
            end: at(end),
        }
    }

    /// Each finding as "RULE field".
    fn ids(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| format!("{} {}", f.rule.id(), f.field))
            .collect()
    }

    const DOS: Date = jiff::civil::date(2026, 3, 2);

    #[test]
    fn interrupted_care_adds_blocks() {
        let mut findings = Vec::new();
        let blocks = [
            block("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z"),
            block("2026-03-02T15:20:00Z", "2026-03-02T15:55:00Z"),
        ];
        let intervals = check_blocks(
            FieldPath::of(Name::TimeBlocks),
            &blocks,
            Some(DOS),
            &mut findings,
        );
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(total_minutes(&intervals), 95);
    }

    #[test]
    fn half_minutes_round_up() {
        let mut findings = Vec::new();
        let blocks = [block("2026-03-02T14:00:00Z", "2026-03-02T14:10:30Z")];
        let intervals = check_blocks(
            FieldPath::of(Name::TimeBlocks),
            &blocks,
            Some(DOS),
            &mut findings,
        );
        assert_eq!(total_minutes(&intervals), 11);
    }

    #[test]
    fn each_problem_is_reported_on_its_field() {
        let mut findings = Vec::new();
        let blocks = [
            block("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z"),
            block("2026-03-02T14:30:00Z", "2026-03-02T15:30:00Z"),
            block("2026-03-02T17:00:00Z", "2026-03-02T16:00:00Z"),
            TimeBlock {
                start: None,
                end: at("2026-03-02T18:00:00Z"),
            },
            TimeBlock {
                start: Some(RawTimestamp {
                    seconds: 0,
                    nanos: -1,
                }),
                end: None,
            },
            block("2026-03-05T10:00:00Z", "2026-03-05T10:30:00Z"),
            block("2026-03-02T19:00:00Z", "2026-03-02T19:00:00Z"),
        ];
        let intervals = check_blocks(
            FieldPath::of(Name::TimeBlocks),
            &blocks,
            Some(DOS),
            &mut findings,
        );
        assert_eq!(
            ids(&findings),
            [
                "TIME_BLOCK_END_BEFORE_START time_blocks[2].end",
                "TIME_BLOCK_START_MISSING time_blocks[3].start",
                "TIMESTAMP_INVALID time_blocks[4].start",
                "TIME_BLOCK_END_MISSING time_blocks[4].end",
                "TIME_BLOCK_OUTSIDE_DATE_OF_SERVICE time_blocks[5].start",
                "TIME_BLOCK_ZERO_LENGTH time_blocks[6].end",
                "TIME_BLOCKS_OVERLAP time_blocks[1]",
            ]
        );
        assert_eq!(
            findings[6].message,
            "block 2 overlaps block 1; the minutes they share are counted once"
        );
        // The union of blocks 1 and 2 (14:00-15:30) and block 6 (30 minutes).
        assert_eq!(total_minutes(&intervals), 120);
    }

    #[test]
    fn long_blocks_are_reported() {
        let mut findings = Vec::new();
        let blocks = [block("2026-03-02T08:00:00Z", "2026-03-03T09:00:00Z")];
        check_blocks(
            FieldPath::of(Name::Procedures).at(0).then(Name::TimeBlocks),
            &blocks,
            Some(DOS),
            &mut findings,
        );
        assert_eq!(
            ids(&findings),
            ["TIME_BLOCK_OVER_24_HOURS procedures[0].time_blocks[0].end"]
        );
    }
}
