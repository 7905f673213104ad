//! The ledger's SQL schema, one migration per version, applied in order by the
//! store (`store.rs`) in one transaction each. A released migration never
//! changes: a change to the schema is the next migration.
//!
//! 1. cases, decision versions, closed days;
//! 2. figure sets kept once (`figure_sets`, `decisions.figures_digest`);
//! 3. decisions compressed with a dictionary (`dictionaries`,
//!    `decisions.dictionary`, `packing.rs`);
//! 4. each case's current decision digest (`cases.decision_digest`), so a start
//!    reads the cases alone;
//! 5. those digests are XXH3-128 (`store::ContentDigest`), no longer SHA-256:
//!    the old ones are cleared, and the next start works them out again.

/// The schema, one migration per version; version N is `MIGRATIONS[N - 1]`.
pub(crate) const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY,
    facility_id TEXT NOT NULL,
    date_of_service TEXT NOT NULL,
    revision BIGINT NOT NULL,
    record_digest BLOB NOT NULL,
    record BLOB NOT NULL,
    current_version BIGINT NOT NULL,
    status INTEGER NOT NULL,
    finalized INTEGER NOT NULL,
    npis TEXT NOT NULL
);
CREATE INDEX cases_by_date ON cases (date_of_service, case_id);
CREATE TABLE decisions (
    sequence INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    facility_id TEXT NOT NULL,
    decision_version BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    cause INTEGER NOT NULL,
    caused_by TEXT NOT NULL,
    status INTEGER NOT NULL,
    decision BLOB NOT NULL,
    UNIQUE (case_id, decision_version)
);
CREATE TABLE closed_days (
    facility_id TEXT NOT NULL,
    date_of_service TEXT NOT NULL,
    PRIMARY KEY (facility_id, date_of_service)
);
",
    r"
CREATE TABLE figure_sets (
    digest BLOB PRIMARY KEY,
    figures BLOB NOT NULL
);
ALTER TABLE decisions ADD COLUMN figures_digest BLOB;
",
    r"
CREATE TABLE dictionaries (
    id INTEGER PRIMARY KEY,
    bytes BLOB NOT NULL
);
ALTER TABLE decisions ADD COLUMN dictionary INTEGER;
",
    r"
ALTER TABLE cases ADD COLUMN decision_digest BLOB;
",
    r"
UPDATE cases SET decision_digest = NULL;
",
];
