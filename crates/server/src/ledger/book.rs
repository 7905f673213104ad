//! The ledger's state and rules: which record a case holds, which revision wins,
//! each case's timeline for concurrency, and which cases a new record revises.
//! Run by the ledger thread alone; every change of one group commit is collected
//! in [`Changes`] and written in one transaction before anyone is answered.

use std::collections::BTreeSet;
use std::sync::Arc;

use anescode_validation::concurrency::{self, CaseContext, Crowded, Span, Timeline};
use anescode_validation::{self as domain, Coder, FieldPath, Finding, Name, Rule};
use prost::Message;
use prost::bytes::Bytes;
use sha2::{Digest as _, Sha256};
use xxhash_rust::xxh3::Xxh3;

use super::figures::FigureSets;
use super::provider_days::ProviderDays;
use super::store::{CaseRow, Changes, ContentDigest, DecisionRow, Store, StoreError};
use crate::decision_wire::{self, Parts};
use crate::figure_sets::FigureSet;
use crate::pb;
use crate::record_wire;

/// A case the ledger holds.
#[derive(Debug)]
struct Case {
    /// (facility_id, date_of_service), kept as the key of its day's index.
    day: Day,
    revision: u64,
    digest: Digest,
    /// The record as received, shared with the rows that store it.
    record: Arc<[u8]>,
    current_version: u64,
    status: i32,
    finalized: bool,
    timeline: Timeline,
    bounds: Option<Span>,
    /// The digest of the current decision without its ledger entry: a
    /// recomputed decision is a new version only when it differs.
    decision_digest: ContentDigest,
}

impl Case {
    fn npis(&self) -> impl Iterator<Item = &str> {
        self.timeline.attendance.iter().map(|a| a.npi.as_str())
    }

    fn row(&self, case_id: &str) -> CaseRow {
        CaseRow {
            case_id: case_id.to_owned(),
            facility_id: self.day.0.clone(),
            date_of_service: self.day.1.clone(),
            revision: self.revision,
            digest: self.digest,
            record: Arc::clone(&self.record),
            current_version: self.current_version,
            status: self.status,
            finalized: self.finalized,
            npis: npi_list(self.npis()),
            decision_digest: Some(self.decision_digest),
        }
    }
}

/// A case's providers as the store's `npis` column holds them: sorted, each
/// once, each between commas (",A,B,"), so `LIKE '%,A,%'` finds a provider.
fn npi_list<'a>(npis: impl Iterator<Item = &'a str>) -> String {
    let mut npis: Vec<&str> = npis.collect();
    npis.sort_unstable();
    npis.dedup();
    let mut list = String::with_capacity(2 + npis.iter().map(|n| n.len() + 1).sum::<usize>());
    list.push(',');
    for npi in &npis {
        list.push_str(npi);
        list.push(',');
    }
    if npis.is_empty() {
        // As ever written: the commas of an empty list.
        list.push(',');
    }
    list
}

type Day = (String, String);

/// A case id as the ledger's maps hold it: one allocation shared by the case and
/// every index entry that names it.
pub(crate) type CaseId = Arc<str>;

/// The ledger's maps hash with foldhash, seeded at random per map: case ids come
/// from clients, and SipHash was 5 % of the ledger thread's time (perf, 2026-12-02).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::quality::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::quality::RandomState>;

/// The ledger's state.
#[derive(Debug, Default)]
pub(crate) struct Book {
    /// Boxed: growing the map moves pointers, not cases.
    cases: HashMap<CaseId, Box<Case>>,
    /// Cases by provider NPI and UTC day of their time.
    by_npi: ProviderDays,
    /// Cases by (facility_id, date_of_service).
    by_day: HashMap<Day, BTreeSet<CaseId>>,
    closed: HashSet<Day>,
    sequence: u64,
    figure_sets: FigureSets,
}

/// What a record's arrival gives: the answer, and every new version to publish
/// with its case's facility.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) answer: Answered,
    pub(crate) published: Vec<(String, pb::CodingDecision)>,
}

/// The answer to a record.
#[derive(Debug)]
pub(crate) enum Answered {
    /// A decision made now (or a refusal).
    Decision(Box<pb::CodingDecision>),
    /// A decision made now, in the full view: its encoding as stored.
    Stored(super::StoredAnswer),
    /// The stored current decision, to be read once the batch has committed.
    Replay {
        case_id: String,
        version: u64,
        finalized: bool,
    },
}

/// A SHA-256 digest.
pub(crate) type Digest = [u8; 32];

pub(crate) fn sha256(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// A record on its way to the ledger, made on the caller's task: the record,
/// its encoding (prost's, which is what the ledger stores) and the SHA-256 of
/// that encoding, which tells a replay from a change.
#[derive(Debug)]
pub(crate) struct Submitted {
    record: domain::CaseRecord,
    bytes: Arc<[u8]>,
    digest: Digest,
}

impl Submitted {
    /// A record and its encoding as prost writes it: the bytes received when
    /// `record_wire` found them to be that, else prost's.
    pub(crate) fn of_encoding(record: domain::CaseRecord, bytes: Arc<[u8]>) -> Self {
        let digest = sha256(&bytes);
        Submitted {
            record,
            bytes,
            digest,
        }
    }
}

/// Bytes kept free after an encoded decision for its ledger entry (one without
/// revised cases takes under 40).
const ENTRY_ROOM: usize = 64;

/// A decision encoded without its figures, with the digest of its content:
/// no message is made of it unless one is asked for (a watcher's).
#[derive(Debug)]
struct EncodedDecision {
    bytes: Vec<u8>,
    digest: ContentDigest,
    status: pb::DecisionStatus,
}

impl EncodedDecision {
    /// A decision without its figures, which are `figures`: its digest is of
    /// both, so a version differs from the last when either does.
    fn new(decision: &domain::Decision, figures: &FigureSet) -> Self {
        let bytes = decision_wire::encode(decision, Parts::WithoutFigures, ENTRY_ROOM);
        let digest = content_digest(&bytes, figures);
        EncodedDecision {
            bytes,
            digest,
            status: decision_wire::status(decision.status),
        }
    }
}

/// A new version of a case's decision, as stored: its encoding without its
/// figures, then its ledger entry.
#[derive(Debug)]
struct Version {
    stored: Bytes,
    /// Where the ledger entry begins in `stored`.
    entry_at: usize,
    status: pb::DecisionStatus,
    sequence: u64,
}

impl Version {
    /// The whole version as a message, its figures `figures` (for watchers).
    fn message(&self, figures: &FigureSet) -> pb::CodingDecision {
        // The ledger's own encoding, just written.
        let mut message = pb::CodingDecision::decode(&self.stored[..]).unwrap_or_default();
        message.figures = figures.messages();
        message
    }
}

/// The digest of a decision's content: its encoding without figures or ledger
/// entry, and its figure set's.
fn content_digest(bytes: &[u8], figures: &FigureSet) -> ContentDigest {
    let mut hasher = Xxh3::new();
    hasher.update(bytes);
    hasher.update(&figures.digest);
    hasher.digest128().to_le_bytes()
}

/// The `ledger` field's number in anescode.v1.CodingDecision: the last, so its
/// encoding appended to the rest is the message's own encoding.
const LEDGER_FIELD: u32 = 14;

/// A case is indexed under at most this many UTC days of its time: more than a
/// day-long case is already reported (TIME_BLOCK_OVER_24_HOURS), and the index
/// stays bounded whatever a record claims.
const MAX_INDEXED_DAYS: i64 = 7;
const SECONDS_PER_DAY: i64 = 86_400;

/// The UTC days a case's time touches, at most [`MAX_INDEXED_DAYS`].
fn days(bounds: Option<Span>) -> impl Iterator<Item = i64> {
    let (first, last) = bounds.map_or((1, 0), |b| {
        let first = b.start.div_euclid(SECONDS_PER_DAY);
        let last = b.end.div_euclid(SECONDS_PER_DAY);
        (first, last.min(first + MAX_INDEXED_DAYS - 1))
    });
    first..=last
}

/// The most other cases the ledger weighs for one record, and so the most one
/// record revises (twice that when a revision moves a case): the work and the
/// versions one record can cause are bounded whatever the ledger holds. One
/// anesthesiologist directs at most four cases at once; 32 overlapping cases of
/// the same providers is beyond any real day (long cases beside a day of short
/// ones in three other rooms), and above four the modifier is AD whatever the
/// count.
const MAX_NEIGHBOURS: usize = 32;

/// How far apart two cases start, for choosing the nearest.
fn distance(a: Option<Span>, b: Option<Span>) -> u64 {
    match (a, b) {
        (Some(a), Some(b)) => a.start.abs_diff(b.start),
        _ => u64::MAX,
    }
}

fn overlaps(a: Option<Span>, b: Option<Span>) -> bool {
    // Touching counts here: this only narrows the candidates, the count decides.
    matches!((a, b), (Some(a), Some(b)) if a.start <= b.end && b.start <= a.end)
}

impl Book {
    /// Rebuilds the state from what the store holds: each case's timeline is
    /// worked out again from its record. Returns the digests it had to work out
    /// from stored decisions (rows written before migration 4), for the store to
    /// keep.
    pub(crate) fn load(
        store: &mut dyn Store,
        coder: &Coder,
    ) -> Result<(Book, Vec<(String, ContentDigest)>), StoreError> {
        let mut book = Book::default();
        let mut missing = Vec::new();
        let loaded = store.load(&mut |row| {
            let case_id = CaseId::from(row.case_id.as_str());
            if row.decision_digest.is_none() {
                missing.push((row.case_id, row.current_version));
            }
            let timeline = coder.timeline(&stored_record(&row.record));
            let case = Case {
                day: (row.facility_id, row.date_of_service),
                revision: row.revision,
                digest: row.digest,
                record: row.record,
                current_version: row.current_version,
                status: row.status,
                finalized: row.finalized,
                bounds: timeline.bounds(),
                timeline,
                decision_digest: row.decision_digest.unwrap_or_default(),
            };
            book.index(&case_id, &case);
            book.cases.insert(case_id, Box::new(case));
        })?;
        book.sequence = loaded.last_sequence;
        book.closed = loaded.closed_days.into_iter().collect();
        let mut worked_out = Vec::with_capacity(missing.len());
        for (case_id, version) in missing {
            let digest = current_digest(store.decision(&case_id, version)?);
            if let Some(case) = book.cases.get_mut(case_id.as_str()) {
                case.decision_digest = digest;
            }
            worked_out.push((case_id, digest));
        }
        Ok((book, worked_out))
    }

    /// How many cases the ledger holds.
    pub(crate) fn len(&self) -> usize {
        self.cases.len()
    }

    /// The last sequence committed or about to be.
    pub(crate) fn sequence(&self) -> u64 {
        self.sequence
    }

    fn index(&mut self, case_id: &CaseId, case: &Case) {
        for npi in case.npis() {
            for day in days(case.bounds) {
                self.by_npi.insert(npi, day, case_id);
            }
        }
        let ids = match self.by_day.get_mut(&case.day) {
            Some(ids) => ids,
            None => self.by_day.entry(case.day.clone()).or_default(),
        };
        ids.insert(Arc::clone(case_id));
    }

    fn unindex(&mut self, case_id: &CaseId, case: &Case) {
        for npi in case.npis() {
            for day in days(case.bounds) {
                self.by_npi.remove(npi, day, case_id);
            }
        }
        if let Some(ids) = self.by_day.get_mut(&case.day) {
            ids.remove(case_id);
        }
    }

    /// The other cases that share a provider with `timeline` and whose time comes
    /// near it: at most [`MAX_NEIGHBOURS`], those starting nearest to it, and how
    /// many there were.
    fn neighbours(&self, timeline: &Timeline) -> (BTreeSet<CaseId>, usize) {
        let bounds = timeline.bounds();
        let mut near: Vec<(u64, &CaseId)> = timeline
            .attendance
            .iter()
            .flat_map(|a| days(bounds).flat_map(|day| self.by_npi.cases(&a.npi, day)))
            .filter(|id| ***id != *timeline.case_id)
            .filter_map(|id| {
                let theirs = self.cases.get(id)?.bounds;
                overlaps(theirs, bounds).then(|| (distance(theirs, bounds), id))
            })
            .collect();
        near.sort_unstable();
        near.dedup_by(|a, b| a.1 == b.1);
        let found = near.len();
        // Nearest first, then by case_id: the same cases each time.
        near.truncate(MAX_NEIGHBOURS);
        (
            near.into_iter().map(|(_, id)| Arc::clone(id)).collect(),
            found,
        )
    }

    /// What the ledger's other cases say about `timeline`'s case, and which
    /// cases it weighed.
    fn context(&self, timeline: &Timeline, day: &Day) -> (CaseContext, BTreeSet<CaseId>) {
        let (near, found) = self.neighbours(timeline);
        let others: Vec<&Timeline> = near
            .iter()
            .filter_map(|id| self.cases.get(id).map(|c| &c.timeline))
            .collect();
        let mut context = concurrency::assess(timeline, &others, timeline.touching_counts);
        context.reopens_closed_day = self.closed.contains(day);
        context.crowded = (found > MAX_NEIGHBOURS).then_some(Crowded {
            overlapping: found,
            weighed: MAX_NEIGHBOURS,
        });
        (context, near)
    }

    /// The revision a record is stored as, or the answer it gets at once: coded
    /// alone (no case_id), a replay, a conflict, a stale revision.
    fn admit(
        &self,
        coder: &Coder,
        record: &domain::CaseRecord,
        digest: &Digest,
    ) -> Result<u64, Answered> {
        let refuse = |case, rule| Answered::Decision(Box::new(refused(coder, record, case, rule)));
        if record.case_id.is_empty() {
            // Nothing to key it by: coded alone and not kept (CASE_ID_MISSING).
            let decision = coder.code(record);
            return Err(Answered::Decision(Box::new(decision.into())));
        }
        let revision = record.revision;
        match self.cases.get(record.case_id.as_str()) {
            None => Ok(revision.max(1)),
            Some(case) if case.digest == *digest => Err(Answered::Replay {
                case_id: record.case_id.clone(),
                version: case.current_version,
                finalized: case.finalized,
            }),
            Some(case) if revision == 0 => Ok(case.revision + 1),
            Some(case) if revision == case.revision => Err(refuse(case, Rule::RevisionConflict)),
            Some(case) if revision < case.revision => Err(refuse(case, Rule::RevisionSuperseded)),
            Some(_) => Ok(revision),
        }
    }

    /// Takes one record: a replay, a conflict, a stale revision, or a new version
    /// of the case with the cases it revises.
    pub(crate) fn submit(
        &mut self,
        coder: &Coder,
        (submitted, lean, watched): (Submitted, bool, bool),
        changes: &mut Changes,
    ) -> Outcome {
        let Submitted {
            record,
            bytes,
            digest,
        } = submitted;
        let case_id: CaseId = Arc::from(record.case_id.as_str());
        let revision = match self.admit(coder, &record, &digest) {
            Ok(revision) => revision,
            Err(answer) => {
                return Outcome {
                    answer,
                    published: Vec::new(),
                };
            }
        };
        let day: Day = (record.facility_id.clone(), record.date_of_service.clone());
        // The cases the record was weighed against are the ones it may revise
        // (none for a record over the limits, which has no timeline).
        let mut near = BTreeSet::new();
        let (mut decision, timeline) = coder.code_in_ledger(&record, &mut |t: &Timeline| {
            let (context, weighed) = self.context(t, &day);
            near = weighed;
            context
        });
        // Counted here, where it is made: the answer leaves as bytes.
        crate::telemetry::decision(&decision);
        let before = self.cases.remove(&case_id);
        if let Some(old) = &before {
            self.unindex(&case_id, old);
            near.extend(self.neighbours(&old.timeline).0);
        }
        // Before the case joins its day: the case is not final.
        self.reopen(&day, changes);
        let case = Case {
            day,
            revision,
            digest,
            record: bytes,
            current_version: before.as_ref().map_or(0, |c| c.current_version),
            status: 0,
            finalized: false,
            bounds: timeline.bounds(),
            timeline,
            decision_digest: ContentDigest::default(),
        };
        self.index(&case_id, &case);
        self.cases.insert(case_id.clone(), Box::new(case));
        let sequence = self.next_sequence();
        let (revised, mut published) = self.revise(coder, (near, &case_id), changes, watched);
        let lean_view = lean.then(|| decision_wire::encode(&decision, Parts::Lean, 0));
        let (encoded, figures) = self.encode(&mut decision, changes);
        let version = self.version(
            &case_id,
            (encoded, &figures),
            (sequence, pb::DecisionCause::Record, String::new()),
            revised,
            changes,
        );
        // Written after its version: the row carries its current version.
        let case = &self.cases[&case_id];
        changes.cases.push(case.row(&case_id));
        if watched {
            published.insert(0, (case.day.0.clone(), version.message(&figures)));
        }
        Outcome {
            answer: answered(&case_id, version, figures, lean_view),
            published,
        }
    }

    /// Codes the cases `near` again after `by` changed: the ones given a new
    /// version, and (when watched) those versions with their facilities.
    fn revise(
        &mut self,
        coder: &Coder,
        (near, by): (BTreeSet<CaseId>, &str),
        changes: &mut Changes,
        watched: bool,
    ) -> (Vec<String>, Vec<(String, pb::CodingDecision)>) {
        let mut published = Vec::new();
        let mut revised = Vec::new();
        for other in near {
            if let Some((version, figures)) = self.recode(coder, &other, by, changes) {
                let facility = self.cases.get(&other).map(|c| c.day.0.clone());
                revised.push(other.to_string());
                if watched {
                    published.push((facility.unwrap_or_default(), version.message(&figures)));
                }
            }
        }
        (revised, published)
    }

    fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    /// Makes the day's cases provisional again when the day was closed.
    fn reopen(&mut self, day: &Day, changes: &mut Changes) {
        if !self.closed.remove(day) {
            return;
        }
        changes.days.push((day.0.clone(), day.1.clone(), false));
        for id in self.by_day.get(day).into_iter().flatten() {
            if let Some(case) = self.cases.get_mut(id)
                && case.finalized
            {
                case.finalized = false;
                changes.finality.push((id.to_string(), false));
            }
        }
    }

    /// Codes a stored case again after `by` changed; a new version when the
    /// decision differs.
    fn recode(
        &mut self,
        coder: &Coder,
        case_id: &str,
        by: &str,
        changes: &mut Changes,
    ) -> Option<(Version, FigureSet)> {
        let case = self.cases.get(case_id)?;
        let day: Day = case.day.clone();
        let record = stored_record(&case.record);
        let (mut decision, _) = coder.code_in_ledger(&record, &mut |t: &Timeline| {
            let (mut context, _) = self.context(t, &day);
            // Its day was open when it came, or it was reopened by `by`.
            context.reopens_closed_day = false;
            context
        });
        let (encoded, figures) = self.encode(&mut decision, changes);
        if encoded.digest == self.cases.get(case_id)?.decision_digest {
            return None;
        }
        let sequence = self.next_sequence();
        let cause = (
            sequence,
            pb::DecisionCause::ConcurrencyChanged,
            by.to_owned(),
        );
        let version = self.version(case_id, (encoded, &figures), cause, Vec::new(), changes);
        // Its row is not rewritten: only where its decision stands.
        let case = self.cases.get(case_id)?;
        changes.current.push((
            case_id.to_owned(),
            case.current_version,
            case.status,
            case.decision_digest,
        ));
        Some((version, figures))
    }

    /// A decision encoded without its figures, and its figure set (sent to the
    /// store when the store does not have it yet).
    fn encode(
        &mut self,
        decision: &mut domain::Decision,
        changes: &mut Changes,
    ) -> (EncodedDecision, FigureSet) {
        let (figures, new) = self.figure_sets.get(std::mem::take(&mut decision.figures));
        if new {
            changes.figure_sets.push(figures.clone());
        }
        (EncodedDecision::new(decision, &figures), figures)
    }

    /// Records a new version of a case's decision, its ledger entry appended to
    /// its encoding.
    fn version(
        &mut self,
        case_id: &str,
        (encoded, figures): (EncodedDecision, &FigureSet),
        (sequence, cause, caused_by): (u64, pb::DecisionCause, String),
        revised: Vec<String>,
        changes: &mut Changes,
    ) -> Version {
        let EncodedDecision {
            mut bytes,
            digest,
            status,
        } = encoded;
        let entry_at = bytes.len();
        let Some(case) = self.cases.get_mut(case_id) else {
            return Version {
                stored: Bytes::from(bytes),
                entry_at,
                status,
                sequence,
            };
        };
        case.current_version += 1;
        case.status = status.into();
        case.finalized = false;
        case.decision_digest = digest;
        let entry = pb::LedgerEntry {
            decision_version: case.current_version,
            sequence,
            cause: cause.into(),
            caused_by_case_id: caused_by.clone(),
            replay: false,
            finalized: false,
            revised_case_ids: revised,
            stored_revision: case.revision,
        };
        prost::encoding::message::encode(LEDGER_FIELD, &entry, &mut bytes);
        let bytes = Bytes::from(bytes);
        changes.decisions.push(DecisionRow {
            sequence,
            case_id: case_id.to_owned(),
            facility_id: case.day.0.clone(),
            decision_version: case.current_version,
            revision: case.revision,
            cause: cause.into(),
            caused_by,
            status: status.into(),
            decision: bytes.clone(),
            figures: Some(figures.digest),
            // Compressed on the packer thread.
            dictionary: None,
        });
        Version {
            stored: bytes,
            entry_at,
            status,
            sequence,
        }
    }

    /// Marks one facility's day final; how many cases it holds.
    pub(crate) fn close_day(&mut self, day: Day, changes: &mut Changes) -> u32 {
        let mut count = 0;
        for id in self.by_day.get(&day).into_iter().flatten() {
            if let Some(case) = self.cases.get_mut(id) {
                count += 1;
                if !case.finalized {
                    case.finalized = true;
                    changes.finality.push((id.to_string(), true));
                }
            }
        }
        if self.closed.insert(day.clone()) {
            changes.days.push((day.0, day.1, true));
        }
        count
    }

    /// Whether a case's current version is final, and which version it is.
    pub(crate) fn current(&self, case_id: &str) -> Option<(u64, bool, &str)> {
        self.cases
            .get(case_id)
            .map(|c| (c.current_version, c.finalized, c.day.0.as_str()))
    }
}

/// The answer to a record whose version was just made, as the bytes of its
/// view: the full one as the store holds it, followed by its figure set; the
/// lean one written for the answer, followed by the version's ledger entry.
fn answered(
    case_id: &str,
    version: Version,
    figures: FigureSet,
    lean_view: Option<Vec<u8>>,
) -> Answered {
    let parts = match lean_view {
        Some(lean) => [Bytes::from(lean), version.stored.slice(version.entry_at..)],
        None => [version.stored, figures.bytes],
    };
    Answered::Stored(super::StoredAnswer {
        parts,
        status: version.status.into(),
        sequence: version.sequence,
        case_id: case_id.to_owned(),
    })
}

/// The content digest of a case's current decision as the store holds it (none
/// read: the digest of an empty decision, which no made decision has).
fn current_digest(stored: Option<Vec<u8>>) -> ContentDigest {
    let mut decision = stored
        .and_then(|bytes| pb::CodingDecision::decode(bytes.as_slice()).ok())
        .unwrap_or_default();
    // The digest is of the content, the ledger entry left out.
    decision.ledger = None;
    let figures = FigureSet::of_messages(std::mem::take(&mut decision.figures));
    content_digest(&decision.encode_to_vec(), &figures)
}

/// A record as the ledger stored it: prost's encoding, which `record_wire`
/// decodes; prost decodes any other (one stored over the record limits).
fn stored_record(bytes: &[u8]) -> domain::CaseRecord {
    record_wire::record(bytes)
        .unwrap_or_else(|| pb::CaseRecord::decode(bytes).unwrap_or_default().into())
}

/// The answer to a record the ledger refuses (a conflicting or stale revision):
/// REJECTED with the one finding, nothing coded, the stored case unchanged.
fn refused(
    coder: &Coder,
    record: &domain::CaseRecord,
    case: &Case,
    rule: Rule,
) -> pb::CodingDecision {
    let message = match rule {
        Rule::RevisionConflict => format!(
            "revision {} of this case is already in the ledger with different content; send the change as a higher revision (the ledger holds revision {})",
            record.revision, case.revision
        ),
        _ => format!(
            "revision {} is older than revision {}, which the ledger holds for this case; it is not coded",
            record.revision, case.revision
        ),
    };
    let finding = Finding::new(rule, FieldPath::of(Name::Revision), message);
    let mut decision: pb::CodingDecision = coder
        .over_limits(&record.case_id, record.revision, vec![finding])
        .into();
    decision.rationale =
        "The ledger refused the record; the stored record and its decision stay.".to_owned();
    decision.ledger = Some(pb::LedgerEntry {
        decision_version: case.current_version,
        stored_revision: case.revision,
        finalized: case.finalized,
        ..Default::default()
    });
    decision
}

#[cfg(test)]
mod tests {
    use super::npi_list;

    #[test]
    fn a_case_s_providers_are_listed_sorted_once_each_between_commas() {
        let list = |npis: &[&str]| npi_list(npis.iter().copied());
        assert_eq!(
            list(&["1456789019", "1234567893", "1456789019"]),
            ",1234567893,1456789019,"
        );
        assert_eq!(list(&["1234567893"]), ",1234567893,");
        assert_eq!(list(&[]), ",,");
    }
}
