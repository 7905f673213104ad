//! The case ledger end to end: the real binary on a real SQLite file, driven over
//! gRPC as a hospital system would. Concurrency across cases, revisions, the
//! watch stream, closing a day, restart and SIGKILL.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use anescode_server::pb::case_ledger_client::CaseLedgerClient;
use futures_util::StreamExt;
use tonic::transport::Channel;

#[path = "support/binary.rs"]
mod binary;
#[path = "support/records.rs"]
mod records;

use records::npi;

/// The directing anesthesiologist of every test.
const MD: &str = "1234567893";
/// 2026-03-02T00:00:00Z.
const DAY: i64 = 1_772_409_600;

/// hh:mm as minutes of the day.
fn hm(hh: i64, mm: i64) -> i64 {
    hh * 60 + mm
}

/// A case of 2026-03-02 from `from` to `to` (minutes of the day): MD directing
/// `crna` when one is given, alone otherwise.
fn case(id: &str, (from, to): (i64, i64), crna: Option<&str>) -> pb::CaseRecord {
    records::record(id, (DAY + from * 60, DAY + to * 60), MD, crna)
}

/// The binary serving a ledger file; killed when dropped.
struct Server {
    binary: binary::Running,
    channel: Channel,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.binary.child.kill();
        let _ = self.binary.child.wait();
    }
}

async fn start(store: &Path) -> Server {
    let store = store.to_str().expect("a UTF-8 path");
    let binary = binary::start_draining(&["--store", store]);
    let channel = binary::serving(&binary.address, "anescode.v1.CaseLedger").await;
    Server { binary, channel }
}

impl Server {
    async fn code(&self, record: pb::CaseRecord) -> pb::CodingDecision {
        AnesthesiaCodingClient::new(self.channel.clone())
            .code_case(pb::CodeCaseRequest {
                case_record: Some(record),
                ..Default::default()
            })
            .await
            .expect("CodeCase")
            .into_inner()
            .decision
            .expect("a decision")
    }

    async fn get(&self, case_id: &str) -> pb::GetDecisionResponse {
        CaseLedgerClient::new(self.channel.clone())
            .get_decision(pb::GetDecisionRequest {
                case_id: case_id.to_owned(),
                decision_version: 0,
            })
            .await
            .expect("GetDecision")
            .into_inner()
    }

    async fn current(&self, case_id: &str) -> pb::CodingDecision {
        self.get(case_id).await.decision.expect("a decision")
    }
}

fn ledger(decision: &pb::CodingDecision) -> &pb::LedgerEntry {
    decision.ledger.as_ref().expect("a ledger entry")
}

/// The payment modifier of the anesthesiologist's anesthesia line.
fn md_payment(decision: &pb::CodingDecision) -> &str {
    decision
        .lines
        .iter()
        .find(|l| l.provider_npi == MD && l.kind == pb::LineKind::Anesthesia as i32)
        .map_or("", |l| l.modifiers[0].as_str())
}

fn rules(decision: &pb::CodingDecision) -> Vec<&str> {
    decision
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect()
}

fn ledger_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("ledger.sqlite3");
    (dir, path)
}

#[tokio::test]
async fn a_second_directed_case_revises_the_first_from_qy_to_qk() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let first = server
        .code(case("A", (hm(8, 0), hm(9, 0)), Some(&npi(1))))
        .await;
    assert_eq!(md_payment(&first), "QY");
    assert_eq!(ledger(&first).decision_version, 1);
    assert_eq!(ledger(&first).sequence, 1);
    assert_eq!(ledger(&first).cause, pb::DecisionCause::Record as i32);

    let second = server
        .code(case("B", (hm(8, 30), hm(9, 30)), Some(&npi(2))))
        .await;
    assert_eq!(md_payment(&second), "QK");
    assert_eq!(ledger(&second).revised_case_ids, ["A"]);
    assert_eq!(ledger(&second).sequence, 2);

    let revised = server.get("A").await;
    let now = revised.decision.expect("current");
    assert_eq!(md_payment(&now), "QK");
    assert_eq!(ledger(&now).decision_version, 2);
    assert_eq!(ledger(&now).sequence, 3);
    assert_eq!(
        ledger(&now).cause,
        pb::DecisionCause::ConcurrencyChanged as i32
    );
    assert_eq!(ledger(&now).caused_by_case_id, "B");
    let versions: Vec<(u64, u64, i32)> = revised
        .versions
        .iter()
        .map(|v| (v.decision_version, v.sequence, v.cause))
        .collect();
    assert_eq!(versions, [(1, 1, 1), (2, 3, 2)]);
    // The first version is kept as it was.
    let first_again = CaseLedgerClient::new(server.channel.clone())
        .get_decision(pb::GetDecisionRequest {
            case_id: "A".to_owned(),
            decision_version: 1,
        })
        .await
        .expect("GetDecision v1")
        .into_inner()
        .decision
        .expect("v1");
    assert_eq!(first_again, first);

    // B's next revision drops the anesthesiologist: A is directing one again.
    let mut b2 = case("B", (hm(8, 30), hm(9, 30)), Some(&npi(2)));
    b2.revision = 2;
    b2.providers.remove(0);
    let b2 = server.code(b2).await;
    assert_eq!(ledger(&b2).revised_case_ids, ["A"]);
    let a3 = server.current("A").await;
    assert_eq!(md_payment(&a3), "QY");
    assert_eq!(ledger(&a3).decision_version, 3);
}

#[tokio::test]
async fn a_fifth_overlapping_case_turns_them_all_to_supervision_and_a_later_case_changes_nothing() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    for n in 1..=4 {
        let id = format!("C{n}");
        let decision = server
            .code(case(&id, (hm(10, 0), hm(11, 0)), Some(&npi(n))))
            .await;
        assert_eq!(
            md_payment(&decision),
            if n == 1 { "QY" } else { "QK" },
            "{id}"
        );
    }
    let mut fifth = case("C5", (hm(10, 30), hm(11, 30)), Some(&npi(5)));
    // The sender believes one.
    fifth.providers[0].concurrent_cases = 1;
    let fifth = server.code(fifth).await;
    assert_eq!(md_payment(&fifth), "AD");
    assert_eq!(
        rules(&fifth),
        ["CONCURRENCY_DISAGREES", "DIRECTING_MORE_THAN_FOUR"]
    );
    assert_eq!(
        fifth.findings[0].message,
        "the record says 1 concurrent cases; anescode's ledger counts 5 (cases C1, C2, C3, C4); 5 is billed"
    );
    assert_eq!(ledger(&fifth).revised_case_ids, ["C1", "C2", "C3", "C4"]);
    for n in 1..=4 {
        let now = server.current(&format!("C{n}")).await;
        assert_eq!(md_payment(&now), "AD", "C{n}");
        assert_eq!(ledger(&now).caused_by_case_id, "C5");
    }

    // The afternoon: no overlap, nothing revised.
    let later = server
        .code(case("C6", (hm(13, 0), hm(14, 0)), Some(&npi(6))))
        .await;
    assert_eq!(md_payment(&later), "QY");
    assert!(ledger(&later).revised_case_ids.is_empty());
    // C1: QY, then QK counting 2, 3 and 4 (the rationale counts), then AD.
    assert_eq!(ledger(&server.current("C1").await).decision_version, 5);
}

#[tokio::test]
async fn personally_performing_while_directing_is_an_error_on_both_cases() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let directed = server
        .code(case("D", (hm(8, 0), hm(10, 0)), Some(&npi(7))))
        .await;
    assert_eq!(directed.status, pb::DecisionStatus::Coded as i32);
    let personal = server.code(case("P", (hm(9, 0), hm(9, 30)), None)).await;
    assert_eq!(md_payment(&personal), "AA");
    assert_eq!(personal.status, pb::DecisionStatus::Rejected as i32);
    assert_eq!(rules(&personal), ["PERSONALLY_PERFORMED_OVERLAP"]);
    assert_eq!(personal.findings[0].field, "providers[0]");
    assert_eq!(
        personal.findings[0].message,
        "1234567893 is also on case D at the same time, and one of them is personally performed (AA), which needs the anesthesiologist on that case alone"
    );
    let directed = server.current("D").await;
    assert_eq!(directed.status, pb::DecisionStatus::Rejected as i32);
    assert_eq!(rules(&directed), ["PERSONALLY_PERFORMED_OVERLAP"]);
}

#[tokio::test]
async fn replays_conflicts_and_stale_revisions() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let record = case("R", (hm(8, 0), hm(9, 0)), Some(&npi(8)));
    let stored = server.code(record.clone()).await;

    let again = server.code(record.clone()).await;
    assert!(ledger(&again).replay);
    let mut unmarked = again.clone();
    if let Some(entry) = unmarked.ledger.as_mut() {
        entry.replay = false;
    }
    assert_eq!(unmarked, stored);

    let mut changed = record.clone();
    changed.diagnoses = vec!["C50.911".to_owned()];
    let conflict = server.code(changed.clone()).await;
    assert_eq!(conflict.status, pb::DecisionStatus::Rejected as i32);
    assert_eq!(rules(&conflict), ["REVISION_CONFLICT"]);
    assert_eq!(conflict.findings[0].field, "revision");
    assert_eq!(server.current("R").await, stored);

    changed.revision = 3;
    let newer = server.code(changed.clone()).await;
    assert_eq!(ledger(&newer).decision_version, 2);
    assert_eq!(ledger(&newer).stored_revision, 3);
    assert_eq!(newer.diagnoses[0].code, "C50.911");

    let stale = server.code(record).await;
    assert_eq!(rules(&stale), ["REVISION_SUPERSEDED"]);
    assert_eq!(
        stale.findings[0].message,
        "revision 1 is older than revision 3, which the ledger holds for this case; it is not coded"
    );
    assert_eq!(server.get("R").await.versions.len(), 2);
}

async fn watch(
    channel: &Channel,
    after: Option<u64>,
) -> tonic::Streaming<pb::WatchDecisionsResponse> {
    CaseLedgerClient::new(channel.clone())
        .watch_decisions(pb::WatchDecisionsRequest {
            after_sequence: after,
        })
        .await
        .expect("WatchDecisions")
        .into_inner()
}

async fn next_decision(
    stream: &mut tonic::Streaming<pb::WatchDecisionsResponse>,
) -> pb::CodingDecision {
    let message = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a version within 10 s")
        .expect("the stream goes on")
        .expect("a message");
    message.decision.expect("a decision")
}

async fn next_sequence(stream: &mut tonic::Streaming<pb::WatchDecisionsResponse>) -> u64 {
    ledger(&next_decision(stream).await).sequence
}

#[tokio::test]
async fn a_watcher_that_resumes_from_its_last_sequence_sees_every_version_once() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let mut first = watch(&server.channel, Some(0)).await;
    // W1 and W2 overlap: three versions (W1, W2, W1 revised).
    server
        .code(case("W1", (hm(8, 0), hm(9, 0)), Some(&npi(11))))
        .await;
    server
        .code(case("W2", (hm(8, 30), hm(9, 30)), Some(&npi(12))))
        .await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(next_sequence(&mut first).await);
    }
    drop(first);
    // Made while no one watches.
    server
        .code(case("W3", (hm(9, 15), hm(10, 0)), Some(&npi(13))))
        .await;
    let last = *seen.last().expect("seen");
    let mut resumed = watch(&server.channel, Some(last)).await;
    server
        .code(case("W4", (hm(15, 0), hm(16, 0)), Some(&npi(14))))
        .await;
    // W3 overlaps W2 only, which already counts two: no revision.
    let total = server.get("W4").await.decision.map(|d| ledger(&d).sequence);
    let total = total.expect("W4's sequence");
    while seen.len() < total as usize {
        seen.push(next_sequence(&mut resumed).await);
    }
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
    // And nothing more is pending.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), resumed.next())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_closed_day_is_final_until_a_late_record_reopens_it() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    server
        .code(case("K1", (hm(8, 0), hm(9, 0)), Some(&npi(21))))
        .await;
    server
        .code(case("K2", (hm(12, 0), hm(13, 0)), Some(&npi(22))))
        .await;
    let closed = CaseLedgerClient::new(server.channel.clone())
        .close_day(pb::CloseDayRequest {
            facility_id: "MAIN-OR".to_owned(),
            date_of_service: "2026-03-02".to_owned(),
        })
        .await
        .expect("CloseDay")
        .into_inner();
    assert_eq!(closed.cases_final, 2);
    assert!(ledger(&server.current("K1").await).finalized);
    let finals = CaseLedgerClient::new(server.channel.clone())
        .list_decisions(pb::ListDecisionsRequest {
            finality: pb::Finality::Final.into(),
            ..Default::default()
        })
        .await
        .expect("ListDecisions")
        .into_inner();
    let ids: Vec<&str> = finals
        .decisions
        .iter()
        .map(|d| d.case_id.as_str())
        .collect();
    assert_eq!(ids, ["K1", "K2"]);

    let late = server
        .code(case("K3", (hm(8, 30), hm(9, 30)), Some(&npi(23))))
        .await;
    assert_eq!(late.status, pb::DecisionStatus::NeedsReview as i32);
    assert_eq!(rules(&late), ["CLOSED_DAY_REOPENED"]);
    assert_eq!(ledger(&late).revised_case_ids, ["K1"]);
    let k1 = server.current("K1").await;
    assert!(!ledger(&k1).finalized);
    assert_eq!(md_payment(&k1), "QK");
    assert!(!ledger(&server.current("K2").await).finalized);
}

#[tokio::test]
async fn a_profiles_figures_are_stored_once_and_every_read_returns_them() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let first = server
        .code(case("F1", (hm(8, 0), hm(9, 0)), Some(&npi(41))))
        .await;
    let second = server
        .code(case("F2", (hm(13, 0), hm(14, 0)), Some(&npi(42))))
        .await;
    assert!(first.figures.len() >= 5, "{:?}", first.figures);
    assert_eq!(first.figures, second.figures);
    drop(server);
    let sqlite = rusqlite::Connection::open(&path).expect("the ledger file");
    let count = |sql: &str| -> i64 { sqlite.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(count("SELECT COUNT(*) FROM figure_sets"), 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM decisions WHERE figures_digest IS NOT NULL"),
        2
    );
    drop(sqlite);
    let server = start(&path).await;
    assert_eq!(server.current("F1").await, first);
    let mut watcher = watch(&server.channel, Some(0)).await;
    assert_eq!(next_decision(&mut watcher).await, first);
    let mut again = server
        .code(case("F1", (hm(8, 0), hm(9, 0)), Some(&npi(41))))
        .await;
    assert!(ledger(&again).replay);
    if let Some(entry) = again.ledger.as_mut() {
        entry.replay = false;
    }
    assert_eq!(again, first);
}

#[tokio::test]
async fn a_stream_asking_for_the_lean_view_gets_it_from_the_ledger_which_keeps_the_whole() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let messages = ["L1", "L2"].map(|id| pb::CodeCasesRequest {
        item: Some(pb::code_cases_request::Item::CaseRecord(case(
            id,
            (hm(8, 0), hm(9, 0)),
            Some(&npi(if id == "L1" { 51 } else { 52 })),
        ))),
        view: pb::DecisionView::Lean.into(),
    });
    let answers: Vec<pb::CodingDecision> = AnesthesiaCodingClient::new(server.channel.clone())
        .code_cases(futures_util::stream::iter(messages))
        .await
        .expect("CodeCases")
        .into_inner()
        .map(|m| m.expect("an answer").decision.expect("a decision"))
        .collect()
        .await;
    let whole = server.current("L2").await;
    assert!(!whole.figures.is_empty() && !whole.rationale.is_empty());
    let mut trimmed = whole.clone();
    trimmed.figures.clear();
    trimmed.rationale.clear();
    trimmed.catalog_version.clear();
    trimmed.icd10cm_release.clear();
    trimmed
        .diagnoses
        .iter_mut()
        .for_each(|d| d.description.clear());
    trimmed
        .findings
        .iter_mut()
        .for_each(|f| f.reference.clear());
    assert_eq!(answers[1], trimmed);
    assert_eq!(ledger(&answers[1]).revised_case_ids, ["L1"]);
}

#[tokio::test]
async fn decisions_survive_a_restart_and_count_with_new_cases() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let a = server
        .code(case("S1", (hm(8, 0), hm(9, 0)), Some(&npi(31))))
        .await;
    let b = server
        .code(case("S2", (hm(10, 0), hm(11, 0)), Some(&npi(32))))
        .await;
    drop(server);
    let server = start(&path).await;
    assert_eq!(server.current("S1").await, a);
    assert_eq!(server.current("S2").await, b);
    let c = server
        .code(case("S3", (hm(8, 30), hm(9, 30)), Some(&npi(33))))
        .await;
    assert_eq!(ledger(&c).sequence, 3);
    assert_eq!(ledger(&c).revised_case_ids, ["S1"]);
    assert_eq!(md_payment(&server.current("S1").await), "QK");
}

/// How many cases of the file lack their current decision's digest (XXH3-128,
/// 16 bytes).
fn cases_without_digest(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .expect("the ledger file")
        .query_row(
            "SELECT COUNT(*) FROM cases WHERE decision_digest IS NULL \
             OR length(decision_digest) != 16",
            [],
            |r| r.get(0),
        )
        .expect("counted")
}

/// What a file holds of its decisions' digests before a restart.
#[derive(Debug, Clone, Copy)]
enum Digests {
    Kept,
    /// Written before migration 4.
    None,
    /// Written by migration 4's SHA-256, before migration 5.
    Sha256,
}

#[tokio::test]
async fn after_a_restart_a_neighbour_whose_decision_is_unchanged_gets_no_new_version() {
    // The digest each case keeps of its decision, and a file written before
    // migration 4 kept it or before migration 5, whose digests a start works out
    // from the decisions.
    for digests in [Digests::Kept, Digests::None, Digests::Sha256] {
        let (_dir, path) = ledger_file();
        let server = start(&path).await;
        server
            .code(case("U1", (hm(8, 0), hm(9, 0)), Some(&npi(41))))
            .await;
        let second = case("U2", (hm(8, 30), hm(9, 30)), Some(&npi(42)));
        server.code(second.clone()).await;
        drop(server);
        assert_eq!(cases_without_digest(&path), 0);
        let file = rusqlite::Connection::open(&path).expect("the ledger file");
        match digests {
            Digests::Kept => {}
            Digests::None => {
                file.execute("UPDATE cases SET decision_digest = NULL", [])
                    .expect("forgotten");
            }
            Digests::Sha256 => {
                file.execute_batch(
                    "UPDATE cases SET decision_digest = randomblob(32); \
                     DELETE FROM schema_version WHERE version >= 5;",
                )
                .expect("schema 4");
            }
        }
        drop(file);
        let server = start(&path).await;
        // Worked out at the start and kept.
        assert_eq!(cases_without_digest(&path), 0);
        let revised = server
            .code(pb::CaseRecord {
                revision: 2,
                ..second
            })
            .await;
        assert_eq!(ledger(&revised).decision_version, 2, "{digests:?}");
        assert!(
            ledger(&revised).revised_case_ids.is_empty(),
            "{digests:?}: {:?}",
            ledger(&revised).revised_case_ids
        );
        // U1 had its second version when U2 arrived, and keeps it.
        let first = server.current("U1").await;
        assert_eq!(ledger(&first).decision_version, 2, "{digests:?}");
        assert_eq!(md_payment(&first), "QK");
    }
}

#[tokio::test]
async fn sigkill_mid_stream_loses_nothing_answered_and_leaves_nothing_half_written() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    const RECORDS: usize = 10_000;
    const KILL_AFTER: usize = 3_000;
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let sender = tokio::spawn(async move {
        for n in 0..RECORDS {
            // Each its own hour of its own day: one anesthesiologist, no overlaps.
            let day = (n / 20) as i64;
            let minute = day * 24 * 60 + (n as i64 % 20) * 60 + 60;
            let mut record = case(
                &format!("K-{n:05}"),
                (minute, minute + 45),
                Some(&npi(100 + n as u32)),
            );
            record.facility_id = format!("F{}", n / 20);
            let item = pb::code_cases_request::Item::CaseRecord(record);
            if tx
                .send(pb::CodeCasesRequest {
                    item: Some(item),
                    ..Default::default()
                })
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut answers = AnesthesiaCodingClient::new(server.channel.clone())
        .code_cases(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .expect("CodeCases")
        .into_inner();
    let mut received: HashMap<String, pb::CodingDecision> = HashMap::new();
    while received.len() < KILL_AFTER {
        let decision = answers
            .next()
            .await
            .expect("an answer")
            .expect("not an error")
            .decision
            .expect("a decision");
        received.insert(decision.case_id.clone(), decision);
    }
    let mut server = server;
    server.binary.child.kill().expect("SIGKILL");
    server.binary.child.wait().expect("reaped");
    sender.abort();
    drop(server);

    let server = start(&path).await;
    for (case_id, decision) in &received {
        assert_eq!(&server.current(case_id).await, decision, "{case_id}");
    }
    // Every version in the ledger is whole: sequences 1..=N without a gap, each
    // a complete decision of a case the ledger holds.
    let mut all = watch(&server.channel, Some(0)).await;
    let mut sequence = 0;
    loop {
        let next = tokio::time::timeout(Duration::from_millis(500), all.next()).await;
        let Ok(Some(message)) = next else { break };
        let decision = message.expect("a message").decision.expect("a decision");
        sequence += 1;
        assert_eq!(ledger(&decision).sequence, sequence);
        assert_eq!(
            decision.status,
            pb::DecisionStatus::Coded as i32,
            "{}",
            decision.case_id
        );
        let held = server.get(&decision.case_id).await;
        assert_eq!(held.versions.len(), 1);
    }
    assert!(sequence as usize >= KILL_AFTER, "{sequence} versions");
    assert!((sequence as usize) < RECORDS);
}

/// The README's worked example, the CMS manual's five cases sent in order, then a
/// case the anesthesiologist performs personally in the middle of them.
#[tokio::test]
async fn the_manuals_morning_through_the_ledger() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let cases = [
        ("A", hm(8, 0), hm(8, 20)),
        ("B", hm(8, 10), hm(8, 45)),
        ("C", hm(8, 30), hm(9, 15)),
        ("D", hm(9, 0), hm(12, 0)),
        ("E", hm(9, 10), hm(9, 55)),
    ];
    let mut revised = Vec::new();
    for (n, (id, from, to)) in cases.iter().enumerate() {
        let decision = server
            .code(case(id, (*from, *to), Some(&npi(40 + n as u32))))
            .await;
        revised.push(ledger(&decision).revised_case_ids.clone());
    }
    assert_eq!(revised, [vec![], vec!["A"], vec![], vec![], vec!["C", "D"]]);
    for (id, count) in [("A", 2), ("B", 2), ("C", 3), ("D", 3), ("E", 3)] {
        let now = server.current(id).await;
        assert_eq!(md_payment(&now), "QK", "{id}");
        assert!(
            now.rationale
                .contains(&format!("directed {count} concurrent cases")),
            "{id}: {}",
            now.rationale
        );
    }
    let personal = server.code(case("P", (hm(9, 20), hm(9, 40)), None)).await;
    assert_eq!(rules(&personal), ["PERSONALLY_PERFORMED_OVERLAP"]);
    assert_eq!(ledger(&personal).revised_case_ids, ["D", "E"]);
    assert_eq!(rules(&server.current("C").await), Vec::<&str>::new());
}

/// Two concurrent resident cases are within the teaching rule: AA with GC on
/// both, no conflict; the same CRNA on two cases at once is an error on both.
#[tokio::test]
async fn teaching_within_the_limits_is_no_conflict_but_one_crna_in_two_rooms_is() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    let teaching = |id: &str, resident: u32| {
        let mut record = case(id, (hm(8, 0), hm(9, 0)), None);
        record
            .providers
            .push(provider_with(&npi(resident), pb::ProviderRole::Resident));
        record
    };
    server.code(teaching("T1", 51)).await;
    let second = server.code(teaching("T2", 52)).await;
    let first = server.current("T1").await;
    for decision in [&first, &second] {
        assert_eq!(decision.lines[0].modifiers[..2], ["AA", "GC"]);
        assert_eq!(rules(decision), Vec::<&str>::new());
    }

    let shared = npi(60);
    let mut one = case("X1", (hm(13, 0), hm(14, 0)), Some(&shared));
    one.providers[0].npi = npi(61);
    let mut two = case("X2", (hm(13, 30), hm(14, 30)), Some(&shared));
    two.providers[0].npi = npi(62);
    server.code(one).await;
    let two = server.code(two).await;
    assert_eq!(rules(&two), ["ANESTHETIST_OVERLAP"]);
    assert_eq!(rules(&server.current("X1").await), ["ANESTHETIST_OVERLAP"]);
}

fn provider_with(npi: &str, role: pb::ProviderRole) -> pb::Provider {
    pb::Provider {
        npi: npi.to_owned(),
        role: role.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_worklist_pages_and_filters_and_refuses_what_it_did_not_give() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    for n in 0..5u32 {
        let mut record = case(
            &format!("L{n}"),
            (hm(8 + i64::from(n) * 2, 0), hm(9 + i64::from(n) * 2, 0)),
            Some(&npi(70 + n)),
        );
        if n == 3 {
            record.diagnoses = vec!["Z99.999".to_owned()];
        }
        server.code(record).await;
    }
    let list = |request: pb::ListDecisionsRequest| {
        let channel = server.channel.clone();
        async move {
            CaseLedgerClient::new(channel)
                .list_decisions(request)
                .await
                .map(tonic::Response::into_inner)
        }
    };
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = list(pb::ListDecisionsRequest {
            page_size: 2,
            page_token: token.clone(),
            ..Default::default()
        })
        .await
        .expect("a page");
        seen.extend(page.decisions.into_iter().map(|d| d.case_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, ["L0", "L1", "L2", "L3", "L4"]);
    let rejected = list(pb::ListDecisionsRequest {
        status: pb::DecisionStatus::Rejected.into(),
        provider_npi: MD.to_owned(),
        date_of_service_from: "2026-03-02".to_owned(),
        date_of_service_to: "2026-03-02".to_owned(),
        facility_id: "MAIN-OR".to_owned(),
        ..Default::default()
    })
    .await
    .expect("filtered");
    let ids: Vec<&str> = rejected
        .decisions
        .iter()
        .map(|d| d.case_id.as_str())
        .collect();
    assert_eq!(ids, ["L3"]);
    let none = list(pb::ListDecisionsRequest {
        provider_npi: npi(99),
        ..Default::default()
    })
    .await
    .expect("empty");
    assert!(none.decisions.is_empty() && none.next_page_token.is_empty());
    let forged = list(pb::ListDecisionsRequest {
        page_token: "zz".repeat(600),
        ..Default::default()
    })
    .await
    .expect_err("a forged token");
    assert_eq!(forged.code(), tonic::Code::InvalidArgument);
    assert_eq!(forged.message(), "page_token is not one this server gave");
}

#[tokio::test]
async fn without_a_ledger_the_ledger_calls_say_so() {
    let binary = binary::start_draining(&[]);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", binary.address))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut child = binary.child;
    let status = loop {
        let answer = CaseLedgerClient::new(channel.clone())
            .get_decision(pb::GetDecisionRequest {
                case_id: "A".to_owned(),
                decision_version: 0,
            })
            .await
            .expect_err("no ledger");
        if answer.code() != tonic::Code::Unavailable {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        status.message(),
        "this server keeps no case ledger (started with --store none)"
    );
}

#[tokio::test]
async fn one_record_weighs_and_revises_at_most_32_overlapping_cases() {
    let (_dir, path) = ledger_file();
    let server = start(&path).await;
    // One anesthesiologist on 34 cases that all overlap: an impossible day, as a
    // careless or hostile sender could send it.
    let mut answers = Vec::new();
    for n in 1..=34 {
        let start = hm(10, 0) + i64::from(n) * 60;
        let record = case(&format!("X{n}"), (start, start + 3 * 3600), Some(&npi(n)));
        answers.push(server.code(record).await);
    }
    let crowded_rules = |d: &pb::CodingDecision| {
        d.findings
            .iter()
            .filter(|f| f.rule_id == "LEDGER_OVERLAPS_OVER_LIMIT")
            .count()
    };
    // The 33rd saw 32 others, all weighed: no finding.
    assert_eq!(crowded_rules(&answers[32]), 0);
    let last = &answers[33];
    assert_eq!(md_payment(last), "AD");
    let crowded: Vec<_> = last
        .findings
        .iter()
        .filter(|f| f.rule_id == "LEDGER_OVERLAPS_OVER_LIMIT")
        .collect();
    assert_eq!(crowded.len(), 1);
    assert_eq!(
        crowded[0].message,
        "the providers' time overlaps 33 other cases in the ledger; the ledger weighs at most 32 for one record, the nearest in time: concurrency is computed from those (a lower bound) and the other cases are not revised; review the day"
    );
    let revised = &ledger(last).revised_case_ids;
    assert!(revised.len() <= 32, "{}", revised.len());
    // X1 starts farthest from X34: not weighed, so not revised.
    assert!(!revised.iter().any(|id| id == "X1"), "{revised:?}");
}

/// Eight streams of 1,200 records sent at once: more than the 8,192 records the
/// ledger takes from all calls at once (and than the 1,024 of one stream), so
/// streams wait for room. Every record is answered exactly once, in order, and
/// each stream's last case is in the ledger with one version.
#[tokio::test]
async fn more_records_in_flight_than_the_ledger_takes_all_get_their_answer_in_order() {
    const STREAMS: usize = 8;
    const RECORDS: usize = 1_200;
    let (_dir, file) = ledger_file();
    let server = start(&file).await;
    let tasks: Vec<_> = (0..STREAMS)
        .map(|stream| {
            let channel = server.channel.clone();
            tokio::spawn(async move {
                let ids: Vec<String> = (0..RECORDS).map(|n| format!("F{stream}-{n}")).collect();
                let requests: Vec<_> =
                    ids.iter()
                        .enumerate()
                        .map(|(n, id)| {
                            // One case a day per stream and record: none overlaps.
                            let start = DAY + n as i64 * 86_400 + stream as i64 * 3_600;
                            let md = npi(7_000_000 + stream as u32);
                            pb::CodeCasesRequest {
                                item: Some(pb::code_cases_request::Item::CaseRecord(
                                    records::record(id, (start, start + 1_800), &md, None),
                                )),
                                ..Default::default()
                            }
                        })
                        .collect();
                let answers: Vec<String> = AnesthesiaCodingClient::new(channel)
                    .code_cases(futures_util::stream::iter(requests))
                    .await
                    .expect("CodeCases")
                    .into_inner()
                    .map(|answer| {
                        let decision = answer.expect("an answer").decision.expect("a decision");
                        assert_eq!(ledger(&decision).decision_version, 1);
                        decision.case_id
                    })
                    .collect()
                    .await;
                assert_eq!(
                    answers, ids,
                    "stream {stream}: one answer per record, in order"
                );
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("stream task");
    }
    let mut ledger_client = CaseLedgerClient::new(server.channel.clone());
    for stream in 0..STREAMS {
        let case_id = format!("F{stream}-{}", RECORDS - 1);
        let found = ledger_client
            .get_decision(pb::GetDecisionRequest {
                case_id: case_id.clone(),
                ..Default::default()
            })
            .await
            .expect("GetDecision")
            .into_inner();
        assert_eq!(found.decision.map(|d| d.case_id), Some(case_id));
        assert_eq!(found.versions.len(), 1);
    }
}
