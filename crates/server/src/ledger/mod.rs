//! The case ledger: every record and every decision version, kept durably, with
//! revisions honoured and concurrency worked out across the cases it holds.
//!
//! One thread owns the state ([`book::Book`]). Calls send it commands; it
//! takes every command waiting (up to [`MAX_BATCH`]) and applies the records and
//! closings in order. A packer thread compresses the batch's decision versions
//! (`packing`), and a writer thread writes every batch waiting in one
//! transaction (a group commit across streams) and only after the commit answers
//! them and publishes the new versions to the watchers. Reads are answered after
//! the batch's commit, so they never see what is not durable.

mod book;
mod checkpoint;
mod figures;
mod packing;
mod provider_days;
mod schema;
pub(crate) mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anescode_validation::Coder;
use prost::Message;
use tokio::sync::{OwnedSemaphorePermit, broadcast, mpsc, oneshot};

use book::Book;
pub(crate) use book::Submitted;
use packing::Packer;
pub(crate) use store::ListFilter;
use store::{Changes, Sqlite, Store, StoreError};

use crate::pb;

/// The most commands one group commit takes.
const MAX_BATCH: usize = 512;
/// Records of all calls in the ledger at once, waiting for their commit: what the
/// ledger's queue can hold (about 48 MB of typical records and answers) whatever
/// the number of streams. A stream whose next record finds none free waits.
/// Deep enough that while one commit waits for the disk the ledger thread has
/// the next ones to code (docs/performance.md, tenth and twelfth sessions).
pub(crate) const MAX_IN_FLIGHT: usize = 16384;
/// New versions a watcher may fall behind by before it reads them from the store.
const WATCH_BUFFER: usize = 4096;

/// Where the ledger lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// No ledger: every record is decided alone and forgotten.
    None,
    /// An in-memory database, gone when the server stops.
    Memory,
    /// An SQLite database file.
    File(PathBuf),
}

impl std::str::FromStr for StoreChoice {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "none" => StoreChoice::None,
            "memory" => StoreChoice::Memory,
            path => StoreChoice::File(PathBuf::from(path)),
        })
    }
}

/// A new decision version, with its case's facility (for watchers limited to
/// some facilities).
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub(crate) facility_id: String,
    pub(crate) decision: Arc<pb::CodingDecision>,
}

/// What a GetDecision finds.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) facility_id: String,
    pub(crate) decision: pb::CodingDecision,
    pub(crate) versions: Vec<pb::DecisionVersionSummary>,
}

type Reply<T> = oneshot::Sender<Result<T, LedgerError>>;

/// A CodeCases stream's one channel for its records' answers, which come on it
/// in the order the records were submitted: the ledger applies a stream's
/// records in that order, and the writer answers batches, and each batch's
/// records, in that order. Once the store has failed, every answer still owed
/// is an error (refused by the writer or, for later batches, by the ledger
/// thread, so not always in order); the first error ends the stream, and no
/// batch after the failure is committed or answered as kept.
pub(crate) type StreamAnswers = mpsc::UnboundedSender<Result<Decided, LedgerError>>;

/// Where a record's answer goes: its own channel (CodeCase) or its stream's.
enum Responder {
    One(Reply<Decided>),
    Stream(StreamAnswers),
}

impl Responder {
    /// A caller gone is not an error here.
    fn send(self, answer: Result<Decided, LedgerError>) {
        match self {
            Responder::One(reply) => drop(reply.send(answer)),
            Responder::Stream(stream) => drop(stream.send(answer)),
        }
    }
}

/// The answer to a record sent to the ledger.
#[derive(Debug)]
pub(crate) enum Decided {
    /// A decision made now, as bytes: the full view as the store holds it, or
    /// the lean view written for the answer with the version's ledger entry.
    Stored(StoredAnswer),
    /// A message: a replay, a refusal, a record without a case_id.
    Message(Box<pb::CodingDecision>),
}

/// A decision made now, encoded once for the store and sent as those bytes.
#[derive(Debug)]
pub(crate) struct StoredAnswer {
    /// Its anescode.v1.CodingDecision encoding, in two parts one after the
    /// other (`Outgoing::Encoded`).
    pub(crate) parts: [prost::bytes::Bytes; 2],
    pub(crate) case_id: String,
    pub(crate) status: i32,
    pub(crate) sequence: u64,
}

/// A record for the ledger and whether its answer is the lean view.
struct Submit {
    record: book::Submitted,
    lean: bool,
}

enum Command {
    Submit(Box<Submit>, Responder),
    CloseDay(String, String, Reply<(u32, u64)>),
    Get(String, u64, Reply<Option<Found>>),
    List(ListFilter, Reply<Vec<(String, pb::CodingDecision)>>),
    After(u64, u32, Reply<Vec<Published>>),
}

/// Why the ledger cannot answer.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum LedgerError {
    /// The store failed; nothing of the batch was kept or answered as kept.
    #[error("the case ledger failed: {0}")]
    Failed(Arc<str>),
    /// The ledger thread has stopped.
    #[error("the case ledger has stopped")]
    Stopped,
}

impl From<StoreError> for LedgerError {
    fn from(error: StoreError) -> Self {
        LedgerError::Failed(error.to_string().into())
    }
}

impl From<LedgerError> for tonic::Status {
    fn from(error: LedgerError) -> Self {
        tonic::Status::unavailable(error.to_string())
    }
}

/// A handle on the ledger; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    commands: mpsc::UnboundedSender<Command>,
    /// One permit per record in the ledger ([`MAX_IN_FLIGHT`]).
    admission: Arc<tokio::sync::Semaphore>,
    events: broadcast::Sender<Published>,
    committed: Arc<AtomicU64>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

/// Opens the ledger the choice names, loading what it holds; `None` for no ledger.
pub(crate) fn open(choice: &StoreChoice, coder: Coder) -> Result<Option<Ledger>, StoreError> {
    let store = match choice {
        StoreChoice::None => return Ok(None),
        StoreChoice::Memory => Sqlite::memory()?,
        StoreChoice::File(path) => Sqlite::open(path)?,
    };
    let started = std::time::Instant::now();
    let mut store = store;
    let (book, worked_out) = Book::load(&mut store, &coder)?;
    store.keep_digests(&worked_out)?;
    let path = match choice {
        StoreChoice::File(path) => std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.clone())
            .display()
            .to_string(),
        _ => "memory".to_owned(),
    };
    tracing::info!(
        path,
        cases = book.len(),
        sequence = book.sequence(),
        digests_worked_out = worked_out.len(),
        load_ms = started.elapsed().as_millis() as u64,
        "case ledger open"
    );
    let (commands, inbox) = mpsc::unbounded_channel();
    let (events, _) = broadcast::channel(WATCH_BUFFER);
    let publisher = events.clone();
    let committed = Arc::new(AtomicU64::new(book.sequence()));
    let progress = Arc::clone(&committed);
    std::thread::Builder::new()
        .name("anescode-ledger".to_owned())
        .spawn(move || run(store, book, coder, inbox, (publisher, progress)))
        .map_err(|source| StoreError::File {
            path: PathBuf::from("anescode-ledger thread"),
            source,
        })?;
    Ok(Some(Ledger {
        commands,
        admission: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
        events,
        committed,
    }))
}

impl Ledger {
    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, LedgerError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .map_err(|_| LedgerError::Stopped)?;
        answer.await.map_err(|_| LedgerError::Stopped)?
    }

    /// Waits for room in the ledger for one more record; the permit is held
    /// until the record is answered.
    pub(crate) fn room(
        &self,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, LedgerError>> + use<> {
        let admission = Arc::clone(&self.admission);
        async move {
            admission
                .acquire_owned()
                .await
                .map_err(|_| LedgerError::Stopped)
        }
    }

    /// Room for one more record if there is some now.
    pub(crate) fn room_now(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.admission).try_acquire_owned().ok()
    }

    /// Sends a record at once and returns the future of its answer, ready after
    /// the commit: the lean view when `lean`, else the full one. The record comes encoded and
    /// hashed from the caller's task, not made so on the one ledger thread.
    pub(crate) fn submit(
        &self,
        record: book::Submitted,
        lean: bool,
    ) -> impl Future<Output = Result<Decided, LedgerError>> + use<> {
        let (reply, answer) = oneshot::channel();
        let sent = self
            .commands
            .send(Command::Submit(
                Box::new(Submit { record, lean }),
                Responder::One(reply),
            ))
            .is_ok();
        async move {
            if !sent {
                return Err(LedgerError::Stopped);
            }
            answer.await.map_err(|_| LedgerError::Stopped)?
        }
    }

    /// Sends a record of a stream, its answer to come on the stream's channel
    /// `answers` after the commit: the lean view when `lean`, else the full one.
    pub(crate) fn submit_to(
        &self,
        record: book::Submitted,
        lean: bool,
        answers: &StreamAnswers,
    ) -> Result<(), LedgerError> {
        self.commands
            .send(Command::Submit(
                Box::new(Submit { record, lean }),
                Responder::Stream(answers.clone()),
            ))
            .map_err(|_| LedgerError::Stopped)
    }

    pub(crate) async fn close_day(
        &self,
        facility_id: String,
        date: String,
    ) -> Result<(u32, u64), LedgerError> {
        self.ask(|reply| Command::CloseDay(facility_id, date, reply))
            .await
    }

    pub(crate) async fn get(
        &self,
        case_id: String,
        version: u64,
    ) -> Result<Option<Found>, LedgerError> {
        self.ask(|reply| Command::Get(case_id, version, reply))
            .await
    }

    pub(crate) async fn list(
        &self,
        filter: ListFilter,
    ) -> Result<Vec<(String, pb::CodingDecision)>, LedgerError> {
        self.ask(|reply| Command::List(filter, reply)).await
    }

    /// Up to `limit` versions after `sequence`, from the store.
    pub(crate) async fn after(
        &self,
        sequence: u64,
        limit: u32,
    ) -> Result<Vec<Published>, LedgerError> {
        self.ask(|reply| Command::After(sequence, limit, reply))
            .await
    }

    /// The last sequence committed.
    pub(crate) fn committed(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    /// Every version published from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.events.subscribe()
    }
}

/// The most rows a batch's emptied buffers may hold room for and still be kept
/// for the next batch (more is a rare batch of many revisions: let it go).
const SPARE_ROWS: usize = 8 * MAX_BATCH;

/// The most batches waiting for the packer, and the most waiting for the writer.
const BATCHES_AHEAD: usize = 4;

/// One batch's work for the writer: its changes, then its answers, publishes
/// and reads, in that order, after the commit.
struct Work {
    changes: Changes,
    answers: Vec<Answer>,
    published: Vec<Published>,
    reads: Vec<Read>,
    sequence: u64,
}

/// An answer held until the batch's commit.
enum Answer {
    Decision(Responder, Decided),
    /// A replay: the stored version, read after the commit.
    Replay(Responder, String, u64, bool),
    Closed(Reply<(u32, u64)>, u32, u64),
}

/// The case a GetDecision names, as the state knows it when the read is queued:
/// its current version, whether that is final, and its facility.
type Current = Option<(u64, bool, String)>;

/// A read, answered after the batch's commit.
enum Read {
    Get(Reply<Option<Found>>, String, u64, Current),
    List(ListFilter, Reply<Vec<(String, pb::CodingDecision)>>),
    After(u64, u32, Reply<Vec<Published>>),
}

type Failure = Arc<std::sync::Mutex<Option<LedgerError>>>;

/// The ledger thread: takes batches, applies them to the state, and hands each
/// to the writer; it codes the next batch while the writer commits the last.
fn run(
    store: Sqlite,
    mut book: Book,
    coder: Coder,
    mut inbox: mpsc::UnboundedReceiver<Command>,
    (events, committed): (broadcast::Sender<Published>, Arc<AtomicU64>),
) {
    let failed: Failure = Arc::default();
    let (work, to_pack) = std::sync::mpsc::sync_channel::<Work>(BATCHES_AHEAD);
    let (packed, to_write) = std::sync::mpsc::sync_channel::<Work>(BATCHES_AHEAD);
    let packer = std::thread::Builder::new()
        .name("anescode-packer".to_owned())
        .spawn(move || pack_all(to_pack, packed));
    if packer.is_err() {
        tracing::error!("cannot start the ledger's packer thread");
        return;
    }
    let writer_failed = Arc::clone(&failed);
    let watchers = events.clone();
    // Written batches' emptied buffers, back to be filled again: no batch grows
    // its vectors from nothing.
    let (spare, spares) = std::sync::mpsc::channel::<Changes>();
    let writer = std::thread::Builder::new()
        .name("anescode-writer".to_owned())
        .spawn(move || write_all(store, (to_write, spare), (events, committed), writer_failed));
    if writer.is_err() {
        tracing::error!("cannot start the ledger's writer thread");
        return;
    }
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = inbox.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(command) => batch.push(command),
                Err(_) => break,
            }
        }
        let failure = failed.lock().ok().and_then(|f| f.clone());
        if let Some(error) = failure {
            refuse(batch.drain(..), &error);
            continue;
        }
        let watched = watchers.receiver_count() > 0;
        let changes = spares.try_recv().unwrap_or_default();
        let next = apply(&mut book, &coder, (batch.drain(..), changes), watched);
        if let Err(std::sync::mpsc::SendError(next)) = work.send(next) {
            refuse_work(next, &LedgerError::Stopped);
        }
    }
}

fn refuse(batch: impl Iterator<Item = Command>, error: &LedgerError) {
    for command in batch {
        match command {
            Command::Submit(_, responder) => responder.send(Err(error.clone())),
            Command::CloseDay(_, _, reply) => drop(reply.send(Err(error.clone()))),
            Command::Get(_, _, reply) => drop(reply.send(Err(error.clone()))),
            Command::List(_, reply) => drop(reply.send(Err(error.clone()))),
            Command::After(_, _, reply) => drop(reply.send(Err(error.clone()))),
        }
    }
}

fn refuse_work(work: Work, error: &LedgerError) {
    for answer in work.answers {
        match answer {
            Answer::Decision(responder, _) | Answer::Replay(responder, ..) => {
                responder.send(Err(error.clone()));
            }
            Answer::Closed(reply, ..) => drop(reply.send(Err(error.clone()))),
        }
    }
    for read in work.reads {
        match read {
            Read::Get(reply, ..) => drop(reply.send(Err(error.clone()))),
            Read::List(_, reply) => drop(reply.send(Err(error.clone()))),
            Read::After(_, _, reply) => drop(reply.send(Err(error.clone()))),
        }
    }
}

/// Applies one batch to the state: the records and closings in order, their
/// changes collected for one transaction, the reads queued behind them.
fn apply(
    book: &mut Book,
    coder: &Coder,
    (batch, changes): (impl Iterator<Item = Command>, Changes),
    watched: bool,
) -> Work {
    let mut work = Work {
        changes,
        answers: Vec::new(),
        published: Vec::new(),
        reads: Vec::new(),
        sequence: 0,
    };
    for command in batch {
        match command {
            Command::Submit(submit, reply) => {
                let Submit { record, lean } = *submit;
                let outcome = book.submit(coder, (record, lean, watched), &mut work.changes);
                let published = outcome.published.into_iter();
                work.published
                    .extend(published.map(|(facility_id, d)| Published {
                        facility_id,
                        decision: Arc::new(d),
                    }));
                work.answers.push(match outcome.answer {
                    book::Answered::Decision(d) => Answer::Decision(reply, Decided::Message(d)),
                    book::Answered::Stored(s) => Answer::Decision(reply, Decided::Stored(s)),
                    book::Answered::Replay {
                        case_id,
                        version,
                        finalized,
                    } => Answer::Replay(reply, case_id, version, finalized),
                });
            }
            Command::CloseDay(facility, date, reply) => {
                let count = book.close_day((facility, date), &mut work.changes);
                work.answers
                    .push(Answer::Closed(reply, count, book.sequence()));
            }
            Command::Get(case_id, version, reply) => {
                let current = book
                    .current(&case_id)
                    .map(|(v, f, facility)| (v, f, facility.to_owned()));
                work.reads.push(Read::Get(reply, case_id, version, current));
            }
            Command::List(filter, reply) => work.reads.push(Read::List(filter, reply)),
            Command::After(sequence, limit, reply) => {
                work.reads.push(Read::After(sequence, limit, reply));
            }
        }
    }
    work.sequence = book.sequence();
    work
}

/// The packer thread: compresses each batch's decision versions for the store
/// (`packing`), off the ledger thread, and hands the batch on to the writer.
fn pack_all(batches: std::sync::mpsc::Receiver<Work>, writer: std::sync::mpsc::SyncSender<Work>) {
    let mut packer = Packer::default();
    for mut work in batches {
        for row in &mut work.changes.decisions {
            (row.decision, row.dictionary) = packer.pack(&row.decision);
        }
        if let Err(std::sync::mpsc::SendError(work)) = writer.send(work) {
            refuse_work(work, &LedgerError::Stopped);
        }
    }
}

/// The writer thread: commits every batch waiting in one transaction (a group
/// commit of group commits: while one commit waits for the disk, the ledger
/// thread codes the next batches, and they share the next commit), then answers
/// and publishes them in order.
fn write_all(
    mut store: Sqlite,
    (batches, spare): (
        std::sync::mpsc::Receiver<Work>,
        std::sync::mpsc::Sender<Changes>,
    ),
    (events, committed): (broadcast::Sender<Published>, Arc<AtomicU64>),
    failed: Failure,
) {
    let mut group = Vec::with_capacity(BATCHES_AHEAD + 1);
    while let Ok(first) = batches.recv() {
        group.push(first);
        group.extend(batches.try_iter());
        let mut changes = std::mem::take(&mut group[0].changes);
        for work in &mut group[1..] {
            changes.append(&mut work.changes);
        }
        if let Some(error) = failed.lock().ok().and_then(|f| f.clone()) {
            group.drain(..).for_each(|work| refuse_work(work, &error));
            continue;
        }
        let started = std::time::Instant::now();
        if !changes.is_empty()
            && let Err(error) = store.commit(&changes)
        {
            let error = LedgerError::from(error);
            tracing::error!(%error, "case ledger failed; it answers UNAVAILABLE until restarted");
            if let Ok(mut slot) = failed.lock() {
                *slot = Some(error.clone());
            }
            group.drain(..).for_each(|work| refuse_work(work, &error));
            continue;
        }
        if let Some(last) = group.last() {
            committed.store(last.sequence, Ordering::Release);
        }
        tracing::debug!(
            batches = group.len(),
            answers = group.iter().map(|w| w.answers.len()).sum::<usize>(),
            versions = changes.decisions.len(),
            commit_us = started.elapsed().as_micros() as u64,
            "ledger batch committed"
        );
        changes.clear();
        let spares = std::iter::once(changes)
            .chain(group.iter_mut().map(|w| std::mem::take(&mut w.changes)));
        for buffers in spares.filter(|c| c.capacity() > 0 && c.capacity() <= SPARE_ROWS) {
            // The ledger thread gone is not an error here.
            let _ = spare.send(buffers);
        }
        for work in group.drain(..) {
            answer_work(&mut store, work, &events);
        }
    }
}

/// A committed batch's answers, publishes and reads, in that order.
fn answer_work(store: &mut Sqlite, work: Work, events: &broadcast::Sender<Published>) {
    for answer in work.answers {
        match answer {
            Answer::Decision(responder, decided) => responder.send(Ok(decided)),
            Answer::Replay(responder, case_id, version, finalized) => {
                let replayed = replay(store, &case_id, version, finalized);
                let replayed = replayed.map(|d| Decided::Message(Box::new(d)));
                responder.send(replayed.map_err(Into::into));
            }
            Answer::Closed(reply, count, sequence) => {
                drop(reply.send(Ok((count, sequence))));
            }
        }
    }
    for version in work.published {
        // No watcher is not an error.
        let _ = events.send(version);
    }
    for read in work.reads {
        answer_read(store, read);
    }
}

/// The stored decision, marked as a replay.
fn replay(
    store: &mut Sqlite,
    case_id: &str,
    version: u64,
    finalized: bool,
) -> Result<pb::CodingDecision, StoreError> {
    let mut decision = store
        .decision(case_id, version)?
        .and_then(|b| pb::CodingDecision::decode(b.as_slice()).ok())
        .unwrap_or_default();
    if let Some(entry) = decision.ledger.as_mut() {
        entry.replay = true;
        entry.finalized = finalized;
        entry.revised_case_ids.clear();
    }
    Ok(decision)
}

fn answer_read(store: &mut Sqlite, read: Read) {
    match read {
        Read::Get(reply, case_id, version, current) => {
            let found = match current {
                None => Ok(None),
                Some(current) => get(store, &case_id, version, current),
            };
            let _ = reply.send(found.map_err(Into::into));
        }
        Read::List(filter, reply) => {
            let listed = store.list(&filter).map(|rows| {
                rows.into_iter()
                    .map(|(row, bytes)| {
                        let mut decision =
                            pb::CodingDecision::decode(bytes.as_slice()).unwrap_or_default();
                        if let Some(entry) = decision.ledger.as_mut() {
                            entry.finalized = row.finalized;
                        }
                        (row.date_of_service + "\u{0}" + &row.case_id, decision)
                    })
                    .collect()
            });
            let _ = reply.send(listed.map_err(Into::into));
        }
        Read::After(sequence, limit, reply) => {
            let rows = store.after(sequence, limit).map(|rows| {
                rows.into_iter()
                    .map(|row| Published {
                        facility_id: row.facility_id,
                        decision: Arc::new(
                            pb::CodingDecision::decode(&row.decision[..]).unwrap_or_default(),
                        ),
                    })
                    .collect()
            });
            let _ = reply.send(rows.map_err(Into::into));
        }
    }
}

fn get(
    store: &mut Sqlite,
    case_id: &str,
    version: u64,
    (current, finalized, facility): (u64, bool, String),
) -> Result<Option<Found>, StoreError> {
    let version = if version == 0 { current } else { version };
    let Some(bytes) = store.decision(case_id, version)? else {
        return Ok(None);
    };
    let mut decision = pb::CodingDecision::decode(bytes.as_slice()).unwrap_or_default();
    if let Some(entry) = decision.ledger.as_mut() {
        entry.finalized = finalized && version == current;
    }
    let versions = store
        .versions(case_id)?
        .into_iter()
        .map(|row| pb::DecisionVersionSummary {
            decision_version: row.decision_version,
            sequence: row.sequence,
            cause: row.cause,
            caused_by_case_id: row.caused_by,
            status: row.status,
            revision: row.revision,
        })
        .collect();
    Ok(Some(Found {
        facility_id: facility,
        decision,
        versions,
    }))
}
