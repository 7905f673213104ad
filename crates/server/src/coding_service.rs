//! anescode.v1.AnesthesiaCoding.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::{self, BoxFuture};
use futures_util::{FutureExt, Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::auth::ClientIdentity;
use crate::codec;
use crate::coding_routes::{Received, decoded};
use crate::error::{ServiceError, preview};
use crate::ledger::Ledger;
use crate::logging::{Clipped, RateLimit};
use crate::pb;
use crate::pb::anesthesia_coding_server::AnesthesiaCoding;
use crate::readiness::Readiness;
use crate::stream_rules;
use crate::telemetry;
use crate::views;
use crate::wire_limits::OverLimits;

/// Codes case records, one at a time or as a stream.
#[derive(Debug, Clone)]
pub(crate) struct CodingService {
    readiness: Readiness,
    warn: Arc<RateLimit>,
}

impl CodingService {
    pub(crate) fn new(readiness: Readiness) -> Self {
        CodingService {
            readiness,
            warn: Arc::new(RateLimit::per_second(10)),
        }
    }
}

/// Who sent a call, as the call layer identified them.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) identity: ClientIdentity,
    pub(crate) peer: Option<SocketAddr>,
}

impl Caller {
    pub(crate) fn of<T>(request: &Request<T>) -> Self {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(|| Caller {
                identity: ClientIdentity::unrestricted(""),
                peer: None,
            })
    }

    /// PERMISSION_DENIED when the client may not send the record's facility.
    fn admit(&self, record: &pb::CaseRecord) -> Result<(), Status> {
        if self.identity.may_use(&record.facility_id) {
            return Ok(());
        }
        Err(Status::permission_denied(format!(
            "client {} may not send records of facility {}",
            preview(&self.identity.name),
            preview(&record.facility_id)
        )))
    }
}

/// Codes a record alone; the lean view skips the explanation it would drop.
fn decide(
    coder: &anescode_validation::Coder,
    record: pb::CaseRecord,
    view: i32,
) -> pb::CodingDecision {
    let record = record.into();
    let decision = if view == pb::DecisionView::Lean as i32 {
        coder.code_lean(&record)
    } else {
        coder.code(&record)
    };
    telemetry::decision(&decision);
    tracing::debug!(
        case_id = %Clipped(&decision.case_id),
        revision = decision.revision,
        status = ?decision.status,
        findings = decision.findings.len(),
        "coded case"
    );
    decision.into()
}

/// Records of one CodeCases stream in the ledger at once, awaiting their group
/// commit; answers still go back in order.
const STREAM_PIPELINE: usize = 64;

/// Sends a record to the ledger (now, so a stream's records are applied in order)
/// and returns its answer, after the commit.
fn ledger_decide(
    ledger: &Ledger,
    record: pb::CaseRecord,
) -> impl Future<Output = Result<pb::CodingDecision, Status>> + use<> {
    let answer = ledger.submit(record);
    async move {
        let decision = answer.await?;
        telemetry::wire_decision(&decision);
        tracing::debug!(
            case_id = %Clipped(&decision.case_id),
            revision = decision.revision,
            status = decision.status,
            sequence = decision.ledger.as_ref().map_or(0, |l| l.sequence),
            "coded case into the ledger"
        );
        Ok(decision)
    }
}

fn respond(decision: pb::CodingDecision) -> pb::CodeCasesResponse {
    pb::CodeCasesResponse {
        decision: Some(decision),
    }
}

/// The response stream of CodeCases.
pub(crate) type DecisionStream =
    Pin<Box<dyn Stream<Item = Result<pb::CodeCasesResponse, Status>> + Send>>;

impl CodingService {
    /// Answers a CodeCases stream: one response per message, in order, so it is
    /// ordered and back-pressured by construction. A record with problems, a message
    /// without a record and a message that could not be decoded each get a REJECTED
    /// decision; a record of a facility the client may not send ends the stream
    /// with PERMISSION_DENIED, as does a transport or framing error with its status.
    pub(crate) fn answer_stream<S>(
        &self,
        caller: Caller,
        inbound: S,
    ) -> Result<Response<DecisionStream>, Status>
    where
        S: Stream<Item = Result<Received<pb::CodeCasesRequest>, Status>> + Send + 'static,
    {
        let coder = self.readiness.coder()?.clone();
        let ledger = self.readiness.ledger()?.cloned();
        let warn = Arc::clone(&self.warn);
        let outbound = inbound.map(move |message| -> BoxFuture<'static, _> {
            let message = match message {
                Ok(message) => message,
                Err(status) => return future::ready(Err(status)).boxed(),
            };
            let decision = match message {
                Received::Message(pb::CodeCasesRequest {
                    item: Some(pb::code_cases_request::Item::CaseRecord(record)),
                    view,
                }) => {
                    if let Err(status) = caller.admit(&record) {
                        return future::ready(Err(status)).boxed();
                    }
                    match &ledger {
                        Some(ledger) => {
                            return ledger_decide(ledger, record)
                                .map(move |d| d.map(|d| respond(views::apply(view, d))))
                                .boxed();
                        }
                        None => views::apply(view, decide(&coder, record, view)),
                    }
                }
                Received::Message(pb::CodeCasesRequest { item: None, view }) => views::apply(
                    view,
                    stream_rules::missing_record(coder.catalog().version()),
                ),
                Received::OverLimits(over) => over_limits(&coder, &caller, over),
                Received::Undecodable(error) => {
                    telemetry::refused("undecodable");
                    if let Some(suppressed) = warn.allow() {
                        tracing::warn!(
                            peer = ?caller.peer,
                            client = %Clipped(&caller.identity.name),
                            suppressed,
                            "CodeCases message is not valid protobuf; answered REJECTED"
                        );
                    }
                    stream_rules::undecodable_message(&error, coder.catalog().version())
                }
            };
            future::ready(Ok(respond(decision))).boxed()
        });
        let outbound = outbound.buffered(STREAM_PIPELINE);
        Ok(Response::new(Box::pin(outbound)))
    }
}

impl CodingService {
    /// Answers one CodeCase request.
    pub(crate) async fn answer_one(
        &self,
        caller: &Caller,
        received: Received<pb::CodeCaseRequest>,
    ) -> Result<Response<pb::CodeCaseResponse>, Status> {
        let coder = self.readiness.coder()?;
        let decision = match received {
            Received::Message(pb::CodeCaseRequest { case_record, view }) => {
                let record = case_record.ok_or(ServiceError::MissingField("case_record"))?;
                caller.admit(&record)?;
                let decision = match self.readiness.ledger()? {
                    Some(ledger) => ledger_decide(ledger, record).await?,
                    None => decide(coder, record, view),
                };
                views::apply(view, decision)
            }
            Received::OverLimits(over) => over_limits(coder, caller, over),
            Received::Undecodable(error) => return Err(codec::undecodable(&error)),
        };
        Ok(Response::new(pb::CodeCaseResponse {
            decision: Some(decision),
        }))
    }
}

/// The decision for a record whose lists were over the limits on the wire.
fn over_limits(
    coder: &anescode_validation::Coder,
    caller: &Caller,
    over: OverLimits,
) -> pb::CodingDecision {
    let decision = coder.over_limits(&over.case_id, over.revision, over.findings);
    telemetry::decision(&decision);
    tracing::debug!(
        case_id = %Clipped(&decision.case_id),
        peer = ?caller.peer,
        "record over its limits, answered without decoding it"
    );
    decision.into()
}

#[tonic::async_trait]
impl AnesthesiaCoding for CodingService {
    /// Reached only if CodeCase is served by the generated server; the routes in
    /// `coding_routes` serve it with a codec that counts lists before decoding.
    async fn code_case(
        &self,
        request: Request<pb::CodeCaseRequest>,
    ) -> Result<Response<pb::CodeCaseResponse>, Status> {
        let caller = Caller::of(&request);
        self.answer_one(&caller, Received::Message(request.into_inner()))
            .await
    }

    type CodeCasesStream = DecisionStream;

    /// Reached only if CodeCases is served by the generated server; the routes in
    /// `coding_routes` serve it with a codec that also answers undecodable messages.
    async fn code_cases(
        &self,
        request: Request<Streaming<pb::CodeCasesRequest>>,
    ) -> Result<Response<Self::CodeCasesStream>, Status> {
        let caller = Caller::of(&request);
        self.answer_stream(caller, decoded(request.into_inner()))
    }
}
