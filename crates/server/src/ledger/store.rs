//! Where the ledger keeps its cases and decision versions, behind one small trait
//! with portable SQL, so a PostgreSQL store can stand beside the SQLite one. The
//! ledger thread is the only user of a store: one connection, one writer.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::checkpoint::{BUSY_TIMEOUT_MS, Checkpoints};
use super::packing::{DICTIONARY, DICTIONARY_ID, Unpacker};
use super::schema::MIGRATIONS;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("ledger database {path}: {source}")]
    Database {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The database file or its directory could not be prepared.
    #[error("ledger database {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file's dictionary of that number is not the one this anescode
    /// compresses with under it.
    #[error("ledger database {path}: its dictionary {id} differs from this anescode's")]
    Dictionary { path: String, id: i64 },
    /// The database was written by a newer anescode.
    #[error("ledger database {path} has schema version {found}; this anescode knows up to {known}")]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
}

/// A case as stored: its current record and where its decision stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CaseRow {
    pub(crate) case_id: String,
    pub(crate) facility_id: String,
    pub(crate) date_of_service: String,
    pub(crate) revision: u64,
    /// SHA-256 of the record's protobuf encoding.
    pub(crate) digest: [u8; 32],
    /// The record as received (anescode.v1.CaseRecord).
    pub(crate) record: std::sync::Arc<[u8]>,
    pub(crate) current_version: u64,
    pub(crate) status: i32,
    pub(crate) finalized: bool,
    /// The case's provider NPIs, each between commas: ",1234567893,".
    pub(crate) npis: String,
    /// The digest of the current decision's content (`book::content_digest`),
    /// kept so a start need not read every current decision; none in a row
    /// written before migration 5 (before 4 there was none; 4 kept SHA-256).
    pub(crate) decision_digest: Option<ContentDigest>,
}

/// The XXH3-128 digest of a decision's content: it tells whether a decision
/// worked out again differs from the current one. Our own output, compared with
/// our own output, so a fast hash suffices (SHA-256 was 0.4 µs a decision).
pub(crate) type ContentDigest = [u8; 16];

/// One decision version as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecisionRow {
    pub(crate) sequence: u64,
    pub(crate) case_id: String,
    pub(crate) facility_id: String,
    pub(crate) decision_version: u64,
    pub(crate) revision: u64,
    pub(crate) cause: i32,
    pub(crate) caused_by: String,
    pub(crate) status: i32,
    /// The decision (anescode.v1.CodingDecision with its ledger entry); when
    /// written, without its figures, which are the set `figures` names, and
    /// compressed with `dictionary`; when read, whole.
    pub(crate) decision: prost::bytes::Bytes,
    /// The SHA-256 of its figure set (none for a version written before figure
    /// sets, whose figures are in `decision`).
    pub(crate) figures: Option<[u8; 32]>,
    /// The dictionary `decision` is compressed with (none: as encoded).
    pub(crate) dictionary: Option<i64>,
}

/// What one group commit writes.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub(crate) cases: Vec<CaseRow>,
    pub(crate) decisions: Vec<DecisionRow>,
    /// (facility_id, date_of_service, closed): a day closed or reopened.
    pub(crate) days: Vec<(String, String, bool)>,
    /// (case_id, current_version, status, the decision's content digest): a case's
    /// new current version, not final.
    pub(crate) current: Vec<(String, u64, i32, ContentDigest)>,
    /// (case_id, finalized): a case's current decision made final or provisional.
    pub(crate) finality: Vec<(String, bool)>,
    /// Figure sets the store may not hold yet (a set it holds is ignored).
    pub(crate) figure_sets: Vec<crate::figure_sets::FigureSet>,
}

impl Changes {
    /// Moves `later`'s changes after these (leaving `later` empty, its buffers
    /// kept): written in one transaction, in this order, they leave what writing
    /// the two one after the other leaves.
    pub(crate) fn append(&mut self, later: &mut Changes) {
        self.cases.append(&mut later.cases);
        self.decisions.append(&mut later.decisions);
        self.days.append(&mut later.days);
        self.current.append(&mut later.current);
        self.finality.append(&mut later.finality);
        self.figure_sets.append(&mut later.figure_sets);
    }

    /// Empties the changes, keeping their buffers for the next batch.
    pub(crate) fn clear(&mut self) {
        self.cases.clear();
        self.decisions.clear();
        self.days.clear();
        self.current.clear();
        self.finality.clear();
        self.figure_sets.clear();
    }

    /// About how many bytes of rows the changes write.
    pub(crate) fn bytes(&self) -> usize {
        let cases: usize = self.cases.iter().map(|c| c.record.len() + 128).sum();
        let decisions: usize = self.decisions.iter().map(|d| d.decision.len() + 64).sum();
        let sets: usize = self.figure_sets.iter().map(|s| s.bytes.len() + 64).sum();
        cases + decisions + sets + 32 * (self.current.len() + self.finality.len() + self.days.len())
    }

    /// Rows the buffers hold room for.
    pub(crate) fn capacity(&self) -> usize {
        self.cases.capacity() + self.decisions.capacity() + self.current.capacity()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.cases.is_empty()
            && self.decisions.is_empty()
            && self.current.is_empty()
            && self.days.is_empty()
            && self.finality.is_empty()
            && self.figure_sets.is_empty()
    }
}

/// The filters of ListDecisions, checked.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListFilter {
    pub(crate) date_from: Option<String>,
    pub(crate) date_to: Option<String>,
    pub(crate) facility_id: Option<String>,
    pub(crate) status: Option<i32>,
    pub(crate) provider_npi: Option<String>,
    pub(crate) finalized: Option<bool>,
    /// Start after this (date_of_service, case_id).
    pub(crate) after: Option<(String, String)>,
    pub(crate) limit: u32,
}

/// The ledger's storage.
pub(crate) trait Store: Send {
    /// Every case, one at a time to `each` in no order, then every closed day and
    /// the last sequence: what rebuilds the ledger.
    fn load(&mut self, each: &mut dyn FnMut(CaseRow)) -> Result<Loaded, StoreError>;
    /// Keeps the digests of cases' current decisions worked out at start, for the
    /// cases whose rows were written without one (before migration 4).
    fn keep_digests(&mut self, digests: &[(String, ContentDigest)]) -> Result<(), StoreError>;
    /// Writes one group commit in one transaction.
    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError>;
    /// One decision version of a case.
    fn decision(&mut self, case_id: &str, version: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every version of a case, oldest first (without the decisions' bytes).
    fn versions(&mut self, case_id: &str) -> Result<Vec<DecisionRow>, StoreError>;
    /// Up to `limit` versions after `sequence`, in sequence order.
    fn after(&mut self, sequence: u64, limit: u32) -> Result<Vec<DecisionRow>, StoreError>;
    /// The current decisions matching `filter`, by date of service then case_id.
    fn list(&mut self, filter: &ListFilter) -> Result<Vec<(CaseRow, Vec<u8>)>, StoreError>;
}

/// What a store holds at start.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub(crate) closed_days: Vec<(String, String)>,
    pub(crate) last_sequence: u64,
}

/// The SQLite store: a file in WAL mode with full synchronous commits, or an
/// in-memory database.
pub(crate) struct Sqlite {
    connection: Connection,
    path: String,
    /// A file's checkpoints, on their own thread (none in memory).
    checkpoints: Option<Checkpoints>,
    /// The file's dictionaries, for reading decisions.
    unpacker: Unpacker,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite").field("path", &self.path).finish()
    }
}

impl Sqlite {
    /// Opens (creating when missing, owner-only) the database file at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        prepare_file(path)?;
        let name = path.display().to_string();
        let connection = Connection::open(path).map_err(|source| StoreError::Database {
            path: name.clone(),
            source,
        })?;
        let mut store = Sqlite {
            connection,
            path: name,
            checkpoints: None,
            unpacker: Unpacker::default(),
        };
        store.pragmas(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
             PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; \
             PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -8192;"
        ))?;
        store.checkpoints = Some(Checkpoints::start(path)?);
        store.migrate()?.dictionaries()
    }

    /// An in-memory database, gone when the process ends.
    pub(crate) fn memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(|source| StoreError::Database {
            path: ":memory:".to_owned(),
            source,
        })?;
        Sqlite {
            connection,
            path: ":memory:".to_owned(),
            checkpoints: None,
            unpacker: Unpacker::default(),
        }
        .migrate()?
        .dictionaries()
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            source,
        }
    }

    fn pragmas(&self, sql: &str) -> Result<(), StoreError> {
        self.connection
            .execute_batch(sql)
            .map_err(|e| self.error(e))
    }

    /// Applies the migrations the database has not had, each in its transaction.
    fn migrate(mut self) -> Result<Self, StoreError> {
        self.pragmas("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL);")?;
        let found: i64 = self
            .connection
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.error(e))?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found,
                known,
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let path = self.path.clone();
            let error = |source| StoreError::Database {
                path: path.clone(),
                source,
            };
            let transaction = self.connection.transaction().map_err(error)?;
            transaction.execute_batch(sql).map_err(error)?;
            transaction
                .execute(
                    "INSERT INTO schema_version (version) VALUES (?1)",
                    [index as i64 + 1],
                )
                .map_err(error)?;
            transaction.commit().map_err(error)?;
        }
        Ok(self)
    }

    /// Stores this anescode's dictionary when the file has none of its number
    /// (refusing a file whose dictionary of that number differs), and loads
    /// every dictionary the file holds.
    fn dictionaries(mut self) -> Result<Self, StoreError> {
        let connection = &self.connection;
        let result: rusqlite::Result<Vec<(i64, Vec<u8>)>> = (|| {
            connection.execute(
                "INSERT INTO dictionaries (id, bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![DICTIONARY_ID, DICTIONARY],
            )?;
            connection
                .prepare("SELECT id, bytes FROM dictionaries ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })();
        let dictionaries = result.map_err(|e| self.error(e))?;
        for (id, bytes) in dictionaries {
            let differs = id == DICTIONARY_ID && bytes != DICTIONARY;
            if differs || self.unpacker.add(id, &bytes).is_err() {
                return Err(StoreError::Dictionary {
                    path: self.path.clone(),
                    id,
                });
            }
        }
        Ok(self)
    }
}

/// Creates the file's directory (owner-only) and the file (owner-only) when they
/// are missing, and makes an existing file owner-only: it holds patient data.
fn prepare_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let file_error = |source| StoreError::File {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(file_error)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(file_error)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(file_error)
}

fn case_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CaseRow> {
    Ok(CaseRow {
        case_id: row.get(0)?,
        facility_id: row.get(1)?,
        date_of_service: row.get(2)?,
        revision: row.get::<_, i64>(3)? as u64,
        digest: row.get(4)?,
        record: row.get::<_, Vec<u8>>(5)?.into(),
        current_version: row.get::<_, i64>(6)? as u64,
        status: row.get(7)?,
        finalized: row.get(8)?,
        npis: row.get(9)?,
        // A digest of another length (none is written) is worked out again.
        decision_digest: row
            .get::<_, Option<Vec<u8>>>(10)?
            .and_then(|bytes| ContentDigest::try_from(bytes.as_slice()).ok()),
    })
}

const CASE_COLUMNS: &str = "c.case_id, c.facility_id, c.date_of_service, c.revision, \
    c.record_digest, c.record, c.current_version, c.status, c.finalized, c.npis, \
    c.decision_digest";

fn decision_row(row: &rusqlite::Row<'_>, unpacker: &mut Unpacker) -> rusqlite::Result<DecisionRow> {
    Ok(DecisionRow {
        sequence: row.get::<_, i64>(0)? as u64,
        case_id: row.get(1)?,
        facility_id: row.get(2)?,
        decision_version: row.get::<_, i64>(3)? as u64,
        revision: row.get::<_, i64>(4)? as u64,
        cause: row.get(5)?,
        caused_by: row.get(6)?,
        status: row.get(7)?,
        decision: whole(row, 8, unpacker)?.into(),
        figures: None,
        dictionary: None,
    })
}

/// The decision in column `at`, compressed with the dictionary in column `at + 2`
/// (NULL: as encoded), followed by its figure set in column `at + 1` (NULL for a
/// version whose figures are in it): its whole encoding.
fn whole(row: &rusqlite::Row<'_>, at: usize, unpacker: &mut Unpacker) -> rusqlite::Result<Vec<u8>> {
    let stored: Vec<u8> = row.get(at)?;
    let mut decision = unpacker.unpack(stored, row.get(at + 2)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Blob, e.into())
    })?;
    if let Some(figures) = row.get::<_, Option<Vec<u8>>>(at + 1)? {
        decision.extend_from_slice(&figures);
    }
    Ok(decision)
}

/// The decision, its figure set and its dictionary, for [`whole`].
const DECISION_COLUMNS: &str = "d.decision, f.figures, d.dictionary";
const FIGURES_JOIN: &str = "LEFT JOIN figure_sets f ON f.digest = d.figures_digest";

impl Store for Sqlite {
    fn load(&mut self, each: &mut dyn FnMut(CaseRow)) -> Result<Loaded, StoreError> {
        // In the table's order, which SQLite reads straight through; one row held
        // at a time.
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases c");
        let mut loaded = Loaded::default();
        let connection = &self.connection;
        let result: rusqlite::Result<()> = (|| {
            for row in connection.prepare(&sql)?.query_map([], case_row)? {
                each(row?);
            }
            loaded.closed_days = connection
                .prepare("SELECT facility_id, date_of_service FROM closed_days")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            loaded.last_sequence = connection.query_row(
                "SELECT COALESCE(MAX(sequence), 0) FROM decisions",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64;
            Ok(())
        })();
        result.map_err(|e| self.error(e))?;
        Ok(loaded)
    }

    fn keep_digests(&mut self, digests: &[(String, ContentDigest)]) -> Result<(), StoreError> {
        if digests.is_empty() {
            return Ok(());
        }
        let result: rusqlite::Result<()> = self.connection.transaction().and_then(|t| {
            {
                let mut update =
                    t.prepare("UPDATE cases SET decision_digest = ?2 WHERE case_id = ?1")?;
                for (case_id, digest) in digests {
                    update.execute(params![case_id, digest])?;
                }
            }
            t.commit()
        });
        result.map_err(|e| self.error(e))
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        let path = self.path.clone();
        let error = |source| StoreError::Database {
            path: path.clone(),
            source,
        };
        let transaction = self.connection.transaction().map_err(error)?;
        write(&transaction, changes).map_err(error)?;
        transaction.commit().map_err(error)?;
        if let Some(checkpoints) = &mut self.checkpoints {
            checkpoints.committed(changes.bytes());
        }
        Ok(())
    }

    fn decision(&mut self, case_id: &str, version: u64) -> Result<Option<Vec<u8>>, StoreError> {
        // Prepared once: a replay reads the decision it answers with.
        let result = self
            .connection
            .prepare_cached(&format!(
                "SELECT {DECISION_COLUMNS} FROM decisions d {FIGURES_JOIN} \
                 WHERE d.case_id = ?1 AND d.decision_version = ?2"
            ))
            .and_then(|mut statement| {
                statement
                    .query_row(params![case_id, version as i64], |r| {
                        whole(r, 0, &mut self.unpacker)
                    })
                    .optional()
            });
        result.map_err(|e| self.error(e))
    }

    fn versions(&mut self, case_id: &str) -> Result<Vec<DecisionRow>, StoreError> {
        // No decision, figure set or dictionary: `decision_row` reads them.
        let result: rusqlite::Result<Vec<DecisionRow>> = self
            .connection
            .prepare(
                "SELECT sequence, case_id, facility_id, decision_version, revision, cause, caused_by, \
                 status, x'', NULL, NULL FROM decisions WHERE case_id = ?1 \
                 ORDER BY decision_version",
            )
            .and_then(|mut s| {
                s.query_map([case_id], |r| decision_row(r, &mut self.unpacker))?
                    .collect()
            });
        result.map_err(|e| self.error(e))
    }

    fn after(&mut self, sequence: u64, limit: u32) -> Result<Vec<DecisionRow>, StoreError> {
        let result: rusqlite::Result<Vec<DecisionRow>> = self
            .connection
            .prepare(&format!(
                "SELECT d.sequence, d.case_id, d.facility_id, d.decision_version, d.revision, \
                 d.cause, d.caused_by, d.status, {DECISION_COLUMNS} FROM decisions d \
                 {FIGURES_JOIN} WHERE d.sequence > ?1 ORDER BY d.sequence LIMIT ?2"
            ))
            .and_then(|mut s| {
                s.query_map(params![sequence as i64, i64::from(limit)], |r| {
                    decision_row(r, &mut self.unpacker)
                })?
                .collect()
            });
        result.map_err(|e| self.error(e))
    }

    fn list(&mut self, filter: &ListFilter) -> Result<Vec<(CaseRow, Vec<u8>)>, StoreError> {
        let (sql, values) = list_query(filter);
        let result: rusqlite::Result<Vec<(CaseRow, Vec<u8>)>> =
            self.connection.prepare(&sql).and_then(|mut s| {
                s.query_map(rusqlite::params_from_iter(values.iter()), |row| {
                    Ok((case_row(row)?, whole(row, 11, &mut self.unpacker)?))
                })?
                .collect()
            });
        result.map_err(|e| self.error(e))
    }
}

fn write(transaction: &rusqlite::Transaction<'_>, changes: &Changes) -> rusqlite::Result<()> {
    write_cases(transaction, &changes.cases)?;
    let mut sets = transaction.prepare_cached(
        "INSERT INTO figure_sets (digest, figures) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for set in &changes.figure_sets {
        sets.execute(params![set.digest, &set.bytes[..]])?;
    }
    let mut insert = transaction.prepare_cached(
        "INSERT INTO decisions (sequence, case_id, facility_id, decision_version, revision, \
         cause, caused_by, status, decision, figures_digest, dictionary) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for row in &changes.decisions {
        insert.execute(params![
            row.sequence as i64,
            row.case_id,
            row.facility_id,
            row.decision_version as i64,
            row.revision as i64,
            row.cause,
            row.caused_by,
            row.status,
            &row.decision[..],
            row.figures,
            row.dictionary,
        ])?;
    }
    let mut current = transaction.prepare_cached(
        "UPDATE cases SET current_version = ?2, status = ?3, finalized = 0, decision_digest = ?4 \
         WHERE case_id = ?1",
    )?;
    for (case_id, version, status, digest) in &changes.current {
        current.execute(params![case_id, *version as i64, status, digest])?;
    }
    for (facility, date, closed) in &changes.days {
        if *closed {
            transaction.execute(
                "INSERT INTO closed_days (facility_id, date_of_service) VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
                params![facility, date],
            )?;
        } else {
            transaction.execute(
                "DELETE FROM closed_days WHERE facility_id = ?1 AND date_of_service = ?2",
                params![facility, date],
            )?;
        }
    }
    let mut finality =
        transaction.prepare_cached("UPDATE cases SET finalized = ?2 WHERE case_id = ?1")?;
    for (case_id, finalized) in &changes.finality {
        finality.execute(params![case_id, finalized])?;
    }
    Ok(())
}

/// Inserts or replaces each case's row.
fn write_cases(transaction: &rusqlite::Transaction<'_>, cases: &[CaseRow]) -> rusqlite::Result<()> {
    let mut upsert = transaction.prepare_cached(
        "INSERT INTO cases (case_id, facility_id, date_of_service, revision, record_digest, \
         record, current_version, status, finalized, npis, decision_digest) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (case_id) DO UPDATE SET facility_id = excluded.facility_id, \
         date_of_service = excluded.date_of_service, revision = excluded.revision, \
         record_digest = excluded.record_digest, record = excluded.record, \
         current_version = excluded.current_version, status = excluded.status, \
         finalized = excluded.finalized, npis = excluded.npis, \
         decision_digest = excluded.decision_digest",
    )?;
    for case in cases {
        upsert.execute(params![
            case.case_id,
            case.facility_id,
            case.date_of_service,
            case.revision as i64,
            case.digest,
            &*case.record,
            case.current_version as i64,
            case.status,
            case.finalized,
            case.npis,
            case.decision_digest,
        ])?;
    }
    Ok(())
}

/// The SQL of a ListDecisions page and its parameters, in order.
fn list_query(filter: &ListFilter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut conditions = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut add = |condition: &str, value: Value| {
        values.push(value);
        conditions.push(condition.replace('?', &format!("?{}", values.len())));
    };
    if let Some(from) = &filter.date_from {
        add("c.date_of_service >= ?", Value::Text(from.clone()));
    }
    if let Some(to) = &filter.date_to {
        add("c.date_of_service <= ?", Value::Text(to.clone()));
    }
    if let Some(facility) = &filter.facility_id {
        add("c.facility_id = ?", Value::Text(facility.clone()));
    }
    if let Some(status) = filter.status {
        add("c.status = ?", Value::Integer(i64::from(status)));
    }
    if let Some(npi) = &filter.provider_npi {
        add("c.npis LIKE ?", Value::Text(format!("%,{npi},%")));
    }
    if let Some(finalized) = filter.finalized {
        add("c.finalized = ?", Value::Integer(i64::from(finalized)));
    }
    if let Some((date, case_id)) = &filter.after {
        add("(c.date_of_service > ?", Value::Text(date.clone()));
        let last = conditions.pop().unwrap_or_default();
        values.push(Value::Text(date.clone()));
        values.push(Value::Text(case_id.clone()));
        let (d, c) = (values.len() - 1, values.len());
        conditions.push(format!(
            "{last} OR (c.date_of_service = ?{d} AND c.case_id > ?{c}))"
        ));
    }
    let conditions = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    values.push(Value::Integer(i64::from(filter.limit)));
    let sql = format!(
        "SELECT {CASE_COLUMNS}, {DECISION_COLUMNS} FROM cases c \
         JOIN decisions d ON d.case_id = c.case_id AND d.decision_version = c.current_version \
         {FIGURES_JOIN} {conditions} ORDER BY c.date_of_service, c.case_id LIMIT ?{}",
        values.len()
    );
    (sql, values)
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::figure_sets::FigureSet;
    use crate::ledger::packing::Packer;
    use crate::pb;

    fn decision(case_id: &str) -> pb::CodingDecision {
        pb::CodingDecision {
            case_id: case_id.to_owned(),
            anesthesia_code: "00406".to_owned(),
            figures: vec![pb::AppliedFigure {
                name: "conversion factor".to_owned(),
                value: "20.3178".to_owned(),
                ..Default::default()
            }],
            ledger: Some(pb::LedgerEntry {
                decision_version: 1,
                sequence: 1,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn row(case_id: &str, sequence: u64, bytes: Vec<u8>, figures: Option<[u8; 32]>) -> DecisionRow {
        DecisionRow {
            sequence,
            case_id: case_id.to_owned(),
            facility_id: "F".to_owned(),
            decision_version: 1,
            revision: 1,
            cause: 1,
            caused_by: String::new(),
            status: 1,
            decision: bytes.into(),
            figures,
            dictionary: None,
        }
    }

    #[test]
    fn a_version_written_before_figure_sets_reads_as_it_was_and_a_new_one_reads_whole() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ledger.sqlite3");
        // A ledger of schema version 1, with a version whose figures are inline.
        let old = decision("OLD");
        {
            let v1 = Connection::open(&path).expect("the file");
            v1.execute_batch(MIGRATIONS[0]).expect("schema 1");
            v1.execute_batch(
                "CREATE TABLE schema_version (version BIGINT NOT NULL); \
                 INSERT INTO schema_version (version) VALUES (1);",
            )
            .expect("version 1");
            v1.execute(
                "INSERT INTO decisions (sequence, case_id, facility_id, decision_version, \
                 revision, cause, caused_by, status, decision) \
                 VALUES (1, 'OLD', 'F', 1, 1, 1, '', 1, ?1)",
                [old.encode_to_vec()],
            )
            .expect("an old version");
        }
        let mut store = Sqlite::open(&path).expect("migrated");
        let read = store.decision("OLD", 1).expect("read").expect("found");
        assert_eq!(pb::CodingDecision::decode(read.as_slice()), Ok(old));

        let mut new = decision("NEW");
        let set = FigureSet::of_messages(std::mem::take(&mut new.figures));
        let changes = Changes {
            decisions: vec![row("NEW", 2, new.encode_to_vec(), Some(set.digest))],
            figure_sets: vec![set.clone(), set.clone()],
            ..Changes::default()
        };
        store.commit(&changes).expect("committed");
        let stored: Vec<u8> = store
            .connection
            .query_row(
                "SELECT decision FROM decisions WHERE case_id = 'NEW'",
                [],
                |r| r.get(0),
            )
            .expect("the stored bytes");
        assert_eq!(stored, new.encode_to_vec(), "stored without its figures");
        let read = store.decision("NEW", 1).expect("read").expect("found");
        assert_eq!(
            pb::CodingDecision::decode(read.as_slice()),
            Ok(decision("NEW"))
        );
        let after = store.after(0, 10).expect("after");
        assert_eq!(after.len(), 2);
        assert_eq!(
            pb::CodingDecision::decode(&after[1].decision[..]),
            Ok(decision("NEW"))
        );
    }

    fn stored_column<T: rusqlite::types::FromSql>(
        store: &Sqlite,
        column: &str,
        case_id: &str,
    ) -> T {
        store
            .connection
            .query_row(
                &format!("SELECT {column} FROM decisions WHERE case_id = ?1"),
                [case_id],
                |r| r.get(0),
            )
            .expect("the stored column")
    }

    #[test]
    fn a_packed_version_is_stored_compressed_and_reads_whole_after_a_restart() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ledger.sqlite3");
        let mut packed = decision("PACKED");
        packed.rationale = "The anesthesia time is 255 minutes; ".repeat(20);
        let whole = packed.clone();
        let set = FigureSet::of_messages(std::mem::take(&mut packed.figures));
        let encoded = prost::bytes::Bytes::from(packed.encode_to_vec());
        let (bytes, dictionary) = Packer::default().pack(&encoded);
        assert_eq!(dictionary, Some(DICTIONARY_ID));
        {
            let mut store = Sqlite::open(&path).expect("open");
            let row = DecisionRow {
                dictionary,
                ..row("PACKED", 1, bytes.to_vec(), Some(set.digest))
            };
            let changes = Changes {
                decisions: vec![row],
                figure_sets: vec![set],
                ..Changes::default()
            };
            store.commit(&changes).expect("committed");
            let raw: Vec<u8> = stored_column(&store, "decision", "PACKED");
            assert_eq!(raw, bytes);
            assert!(
                raw.len() * 4 < encoded.len(),
                "{} of {}",
                raw.len(),
                encoded.len()
            );
            let named: Option<i64> = stored_column(&store, "dictionary", "PACKED");
            assert_eq!(named, Some(DICTIONARY_ID));
        }
        let mut store = Sqlite::open(&path).expect("reopened");
        let read = store.decision("PACKED", 1).expect("read").expect("found");
        assert_eq!(
            pb::CodingDecision::decode(read.as_slice()),
            Ok(whole.clone())
        );
        let after = store.after(0, 10).expect("after");
        assert_eq!(
            pb::CodingDecision::decode(&after[0].decision[..]),
            Ok(whole)
        );
        // A version naming a dictionary the file lacks is an error, not a panic.
        store
            .connection
            .execute("UPDATE decisions SET dictionary = 9", [])
            .expect("damaged");
        let error = store.decision("PACKED", 1).expect_err("unreadable");
        assert!(error.to_string().contains("dictionary 9"), "{error}");
    }

    #[test]
    fn a_file_whose_dictionary_differs_from_this_anescodes_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ledger.sqlite3");
        {
            let store = Sqlite::open(&path).expect("open");
            store
                .connection
                .execute("UPDATE dictionaries SET bytes = x'00' WHERE id = 1", [])
                .expect("altered");
        }
        let error = Sqlite::open(&path).expect_err("refused");
        assert!(
            matches!(error, StoreError::Dictionary { id: 1, .. }),
            "{error}"
        );
    }
}
