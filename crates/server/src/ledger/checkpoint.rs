//! Checkpoints of the ledger's WAL on a thread of their own, so a commit (and the
//! records waiting for it) never waits for the WAL to be copied into the database
//! file. The writer's connection does not checkpoint (`wal_autocheckpoint = 0`);
//! after every [`CHECKPOINT_BYTES`] it has written it nudges this thread, which
//! runs a PASSIVE checkpoint on its own connection: it copies what no reader still
//! needs and never blocks the writer. A writer that never pauses keeps adding to
//! the WAL while it is copied, so the WAL would only grow: once it holds more than
//! [`MAX_WAL_FRAMES`], a RESTART checkpoint follows, which makes the writer wait
//! while it copies the few frames the PASSIVE one left, and the next commit starts
//! the WAL over.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};

use rusqlite::Connection;

use super::store::StoreError;

/// Bytes of rows the writer commits between two nudges: about 1,000 pages, the
/// SQLite default for automatic checkpoints.
const CHECKPOINT_BYTES: usize = 4 * 1024 * 1024;
/// WAL frames (pages) beyond which a checkpoint waits for the writer: 16 MiB.
const MAX_WAL_FRAMES: i64 = 4_096;
/// How long the writer's connection waits for a RESTART checkpoint, and the
/// checkpoint for the writer.
pub(crate) const BUSY_TIMEOUT_MS: u32 = 10_000;

/// The writer's side: counts what it wrote and nudges the checkpoint thread.
#[derive(Debug)]
pub(crate) struct Checkpoints {
    nudge: SyncSender<()>,
    written: usize,
}

impl Checkpoints {
    /// Starts the checkpoint thread on its own connection to the file at `path`.
    /// Without it nothing would checkpoint, so a thread that cannot start is an
    /// error.
    pub(crate) fn start(path: &Path) -> Result<Self, StoreError> {
        let database = |source| StoreError::Database {
            path: path.display().to_string(),
            source,
        };
        let connection = Connection::open(path).map_err(database)?;
        connection
            .busy_timeout(std::time::Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)))
            .map_err(database)?;
        let (nudge, nudges) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("anescode-checkpoint".to_owned())
            .spawn(move || run(&connection, &nudges))
            .map_err(|source| StoreError::File {
                path: PathBuf::from("anescode-checkpoint thread"),
                source,
            })?;
        Ok(Checkpoints { nudge, written: 0 })
    }

    /// Counts `bytes` committed; nudges the checkpoint thread every
    /// [`CHECKPOINT_BYTES`] (a nudge already waiting covers this one).
    pub(crate) fn committed(&mut self, bytes: usize) {
        self.written += bytes;
        if self.written < CHECKPOINT_BYTES {
            return;
        }
        self.written = 0;
        match self.nudge.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) => {}
            Err(TrySendError::Disconnected(())) => {
                tracing::error!("the ledger's checkpoint thread has stopped");
            }
        }
    }
}

/// Checkpoints on every nudge until the writer's side is dropped.
fn run(connection: &Connection, nudges: &Receiver<()>) {
    while nudges.recv().is_ok() {
        let passive = checkpoint(connection, "PASSIVE");
        if let Ok((_, frames, _)) = passive
            && frames > MAX_WAL_FRAMES
        {
            let _ = checkpoint(connection, "RESTART");
        }
    }
}

/// Runs one checkpoint: (busy, frames in the WAL, frames checkpointed).
fn checkpoint(connection: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    let result = connection.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    });
    if let Err(error) = &result {
        tracing::warn!(%error, mode, "ledger checkpoint failed; the next one retries");
    }
    result
}

#[cfg(test)]
mod tests {
    use super::super::store::{Changes, DecisionRow, Sqlite, Store};

    fn file_size(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// The writer's connection never checkpoints: the checkpoint thread copies
    /// the WAL into the database file.
    #[test]
    fn the_checkpoint_thread_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("ledger.sqlite3");
        let mut store = Sqlite::open(&path).expect("open");
        let mut sequence = 0;
        // 40 commits of 100 versions of 8 KB: 32 MB, twice the WAL's bound.
        // Without the thread the file would stay at its schema's few pages.
        for _ in 0..40 {
            let mut changes = Changes::default();
            for _ in 0..100 {
                sequence += 1;
                changes.decisions.push(DecisionRow {
                    sequence,
                    case_id: format!("C{sequence}"),
                    facility_id: "MAIN-OR".to_owned(),
                    decision_version: 1,
                    revision: 1,
                    cause: 1,
                    caused_by: String::new(),
                    status: 1,
                    decision: vec![7; 8192].into(),
                    figures: None,
                    dictionary: None,
                });
            }
            store.commit(&changes).expect("commit");
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while file_size(&path) < 16_000_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            file_size(&path) >= 16_000_000,
            "the database file holds {} bytes: the WAL was not checkpointed",
            file_size(&path)
        );
        assert_eq!(store.after(0, 10_000).expect("read back").len(), 4_000);
    }
}
