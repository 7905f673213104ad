//! anescode.v1.CaseLedger: decisions looked up, listed, watched and made final.

use std::pin::Pin;

use futures_util::Stream;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::coding_service::Caller;
use crate::error::preview;
use crate::ledger::{Ledger, ListFilter, Published};
use crate::pb;
use crate::pb::case_ledger_server::CaseLedger;
use crate::readiness::Readiness;

/// Decisions per ListDecisions page when the request names none, and the most.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
/// Versions read from the store per step when a watcher catches up.
const CATCH_UP_PAGE: u32 = 1000;
/// Versions queued for one watcher before it must read them faster.
const WATCH_QUEUE: usize = 256;
/// The longest case_id or facility a request may name (the record limit).
const MAX_ID_BYTES: usize = anescode_validation::limits::IDENTIFIER_BYTES.max;

/// Serves the case ledger.
#[derive(Debug, Clone)]
pub(crate) struct LedgerService {
    readiness: Readiness,
}

impl LedgerService {
    pub(crate) fn new(readiness: Readiness) -> Self {
        LedgerService { readiness }
    }

    fn ledger(&self) -> Result<Ledger, Status> {
        self.readiness.ledger()?.cloned().ok_or_else(|| {
            Status::failed_precondition(
                "this server keeps no case ledger (started with --store none)",
            )
        })
    }
}

fn identifier(name: &str, value: &str) -> Result<(), Status> {
    if value.len() > MAX_ID_BYTES {
        return Err(Status::invalid_argument(format!(
            "{name} is {} bytes; at most {MAX_ID_BYTES}",
            value.len()
        )));
    }
    Ok(())
}

/// An optional YYYY-MM-DD date filter.
fn date(name: &str, value: &str) -> Result<Option<String>, Status> {
    if value.is_empty() {
        return Ok(None);
    }
    let shaped = value.len() == 10 && value.parse::<jiff::civil::Date>().is_ok();
    if !shaped {
        return Err(Status::invalid_argument(format!(
            "{name} {} is not a date written YYYY-MM-DD",
            preview(value)
        )));
    }
    Ok(Some(value.to_owned()))
}

fn permitted(caller: &Caller, facility: &str) -> Result<(), Status> {
    if caller.identity.may_use(facility) {
        return Ok(());
    }
    Err(Status::permission_denied(format!(
        "client {} may not read or close facility {}",
        preview(&caller.identity.name),
        preview(facility)
    )))
}

/// A page token: the hex of the last (date_of_service, case_id) listed.
fn token_of(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn key_of(token: &str) -> Result<Option<(String, String)>, Status> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || Status::invalid_argument("page_token is not one this server gave");
    if !token.len().is_multiple_of(2) || token.len() > 4 * MAX_ID_BYTES {
        return Err(invalid());
    }
    let bytes: Vec<u8> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (date, case_id) = text.split_once('\u{0}').ok_or_else(invalid)?;
    Ok(Some((date.to_owned(), case_id.to_owned())))
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchDecisionsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl CaseLedger for LedgerService {
    async fn get_decision(
        &self,
        request: Request<pb::GetDecisionRequest>,
    ) -> Result<Response<pb::GetDecisionResponse>, Status> {
        let caller = Caller::of(&request);
        let ledger = self.ledger()?;
        let pb::GetDecisionRequest {
            case_id,
            decision_version,
        } = request.into_inner();
        if case_id.is_empty() {
            return Err(Status::invalid_argument("case_id is required"));
        }
        identifier("case_id", &case_id)?;
        let found = ledger.get(case_id.clone(), decision_version).await?;
        let Some(found) = found else {
            return Err(Status::not_found(match decision_version {
                0 => format!("the ledger holds no case {}", preview(&case_id)),
                v => format!(
                    "the ledger holds no version {v} of case {}",
                    preview(&case_id)
                ),
            }));
        };
        permitted(&caller, &found.facility_id)?;
        Ok(Response::new(pb::GetDecisionResponse {
            decision: Some(found.decision),
            versions: found.versions,
        }))
    }

    async fn list_decisions(
        &self,
        request: Request<pb::ListDecisionsRequest>,
    ) -> Result<Response<pb::ListDecisionsResponse>, Status> {
        let caller = Caller::of(&request);
        let ledger = self.ledger()?;
        let request = request.into_inner();
        let filter = list_filter(&caller, &request)?;
        let limit = filter.limit;
        let mut rows = ledger
            .list(ListFilter {
                limit: limit + 1,
                ..filter
            })
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_page_token = match rows.last() {
            Some((key, _)) if more => token_of(key),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListDecisionsResponse {
            decisions: rows.into_iter().map(|(_, d)| d).collect(),
            next_page_token,
        }))
    }

    type WatchDecisionsStream = WatchStream;

    async fn watch_decisions(
        &self,
        request: Request<pb::WatchDecisionsRequest>,
    ) -> Result<Response<Self::WatchDecisionsStream>, Status> {
        let caller = Caller::of(&request);
        let ledger = self.ledger()?;
        let after = request.into_inner().after_sequence;
        // Subscribed before the backlog is read, so nothing falls between them.
        let live = ledger.subscribe();
        let (tx, rx) = mpsc::channel(WATCH_QUEUE);
        tokio::spawn(watch(ledger, live, after, caller, tx));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn close_day(
        &self,
        request: Request<pb::CloseDayRequest>,
    ) -> Result<Response<pb::CloseDayResponse>, Status> {
        let caller = Caller::of(&request);
        let ledger = self.ledger()?;
        let pb::CloseDayRequest {
            facility_id,
            date_of_service,
        } = request.into_inner();
        identifier("facility_id", &facility_id)?;
        let Some(date_of_service) = date("date_of_service", &date_of_service)? else {
            return Err(Status::invalid_argument("date_of_service is required"));
        };
        permitted(&caller, &facility_id)?;
        let (cases_final, sequence) = ledger.close_day(facility_id, date_of_service).await?;
        Ok(Response::new(pb::CloseDayResponse {
            cases_final,
            sequence,
        }))
    }
}

fn list_filter(caller: &Caller, request: &pb::ListDecisionsRequest) -> Result<ListFilter, Status> {
    identifier("facility_id", &request.facility_id)?;
    identifier("provider_npi", &request.provider_npi)?;
    if request.facility_id.is_empty() && !caller.identity.may_use_all() {
        return Err(Status::permission_denied(format!(
            "client {} may read only some facilities: name one in facility_id",
            preview(&caller.identity.name)
        )));
    }
    permitted(caller, &request.facility_id).or_else(|e| {
        if request.facility_id.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Ok(ListFilter {
        date_from: date("date_of_service_from", &request.date_of_service_from)?,
        date_to: date("date_of_service_to", &request.date_of_service_to)?,
        facility_id: non_empty(&request.facility_id),
        status: (request.status != 0).then_some(request.status),
        provider_npi: non_empty(&request.provider_npi),
        finalized: match request.finality() {
            pb::Finality::Unspecified => None,
            pb::Finality::Provisional => Some(false),
            pb::Finality::Final => Some(true),
        },
        after: key_of(&request.page_token)?,
        limit: match request.page_size {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        },
    })
}

/// Feeds one watcher: the versions after `after` from the store, then the live
/// ones, each exactly once in sequence order; a watcher that falls behind the
/// live buffer reads the gap from the store.
async fn watch(
    ledger: Ledger,
    mut live: broadcast::Receiver<Published>,
    after: Option<u64>,
    caller: Caller,
    tx: mpsc::Sender<Result<pb::WatchDecisionsResponse, Status>>,
) {
    let send = |published: Published| {
        let tx = tx.clone();
        let caller = caller.clone();
        async move {
            if !caller.identity.may_use(&published.facility_id) {
                return true;
            }
            let decision = Some((*published.decision).clone());
            tx.send(Ok(pb::WatchDecisionsResponse { decision }))
                .await
                .is_ok()
        }
    };
    let sequence = |p: &Published| p.decision.ledger.as_ref().map_or(0, |l| l.sequence);
    // From now: after the last version committed when the watch began.
    let mut last = after.or_else(|| Some(ledger.committed()));
    loop {
        // Catch up from the store when resuming, or after falling behind.
        while let Some(from) = last {
            if from >= ledger.committed() {
                break;
            }
            let page = match ledger.after(from, CATCH_UP_PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    let _ = tx.send(Err(error.into())).await;
                    return;
                }
            };
            let Some(end) = page.last().map(sequence) else {
                break;
            };
            for published in page {
                if !send(published).await {
                    return;
                }
            }
            last = Some(end);
        }
        loop {
            match live.recv().await {
                Ok(published) => {
                    let seq = sequence(&published);
                    if last.is_some_and(|l| seq <= l) {
                        continue;
                    }
                    if !send(published).await {
                        return;
                    }
                    last = Some(seq);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}
