//! anescode.v1.AnesthesiaCoding.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use prost::bytes::Bytes;
use tonic::{Request, Response, Status, Streaming};

use crate::auth::ClientIdentity;
use crate::codec;
use crate::coding_routes::{Received, decoded};
use crate::decision_wire::{self, Parts};
use crate::error::{ServiceError, preview};
use crate::figure_sets::SharedFigureCache;
use crate::ledger::{Decided, Ledger, Submitted};
use crate::ledger_answers::LedgerAnswers;
use crate::logging::{Clipped, RateLimit};
use crate::outgoing::{DecisionResponse, Outgoing};
use crate::pb;
use crate::pb::anesthesia_coding_server::AnesthesiaCoding;
use crate::readiness::Readiness;
use crate::record_wire::DecodedRecord;
use crate::stream_rules;
use crate::telemetry;
use crate::views;
use crate::wire_limits::OverLimits;

/// Codes case records, one at a time or as a stream.
#[derive(Debug, Clone)]
pub(crate) struct CodingService {
    readiness: Readiness,
    warn: Arc<RateLimit>,
    figures: Arc<SharedFigureCache>,
}

impl CodingService {
    pub(crate) fn new(readiness: Readiness) -> Self {
        CodingService {
            readiness,
            warn: Arc::new(RateLimit::per_second(10)),
            figures: Arc::default(),
        }
    }

    /// True when the server keeps no ledger, so a record's answer needs only the
    /// domain record and not its encoding. False while the server is not yet
    /// ready (its calls are then refused); once true, true for good.
    pub(crate) fn stateless(&self) -> bool {
        matches!(self.readiness.ledger(), Ok(None))
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
    fn admit(&self, facility_id: &str) -> Result<(), Status> {
        if self.identity.may_use(facility_id) {
            return Ok(());
        }
        Err(Status::permission_denied(format!(
            "client {} may not send records of facility {}",
            preview(&self.identity.name),
            preview(facility_id)
        )))
    }
}

/// Codes a record alone; the lean view skips the explanation it would drop, and
/// the full view's figures go out as their set's bytes.
fn decide<T: DecisionResponse>(
    coder: &anescode_validation::Coder,
    figures: &SharedFigureCache,
    record: &anescode_validation::CaseRecord,
    view: i32,
) -> Outgoing<T> {
    let lean = views::is_lean(view);
    let mut decision = if lean {
        coder.code_lean(record)
    } else {
        coder.code(record)
    };
    telemetry::decision(&decision);
    tracing::debug!(
        case_id = %Clipped(&decision.case_id),
        revision = decision.revision,
        status = ?decision.status,
        findings = decision.findings.len(),
        "coded case"
    );
    if lean {
        let bytes = decision_wire::encode(&decision, Parts::Lean, 0);
        return Outgoing::Encoded([Bytes::from(bytes), Bytes::new()]);
    }
    let set = figures.set(std::mem::take(&mut decision.figures));
    let bytes = decision_wire::encode(&decision, Parts::WithoutFigures, 0);
    Outgoing::Encoded([Bytes::from(bytes), set.bytes])
}

/// Waits for room in the ledger, sends one CodeCase record to it and answers it
/// in `view` after the commit (a stream's records go through [`LedgerAnswers`]).
async fn ledger_decide<T: DecisionResponse>(
    ledger: &Ledger,
    record: Submitted,
    view: i32,
) -> Result<Outgoing<T>, Status> {
    let _room = ledger.room().await?;
    let decided = ledger.submit(record, views::is_lean(view)).await?;
    Ok(from_ledger(decided, view))
}

/// The ledger's answer to a record, as sent in `view`.
pub(crate) fn from_ledger<T: DecisionResponse>(decided: Decided, view: i32) -> Outgoing<T> {
    match decided {
        Decided::Stored(stored) => {
            // Counted by the ledger, where it was made.
            tracing::debug!(
                case_id = %Clipped(&stored.case_id),
                status = stored.status,
                sequence = stored.sequence,
                "coded case into the ledger"
            );
            Outgoing::Encoded(stored.parts)
        }
        Decided::Message(decision) => {
            telemetry::wire_decision(&decision);
            tracing::debug!(
                case_id = %Clipped(&decision.case_id),
                revision = decision.revision,
                status = decision.status,
                sequence = decision.ledger.as_ref().map_or(0, |l| l.sequence),
                "answered from the ledger"
            );
            Outgoing::decision(views::apply(view, *decision))
        }
    }
}

pub(crate) type Answer = Result<Outgoing<pb::CodeCasesResponse>, Status>;

/// What one CodeCases message comes to before it is coded.
pub(crate) enum Step {
    /// A record to code, with its view. Boxed: on the ledger's path it may wait
    /// for the ledger's room.
    ToCode(Box<DecodedRecord>),
    /// An answer already made.
    Answered(Answer),
}

/// A decoded record with its encoding, for the ledger. Every record decoded
/// while the server keeps a ledger comes with its encoding (the routes' `Kept`,
/// `StreamMessages::keep`): a record without one is not reached here.
pub(crate) fn submitted(decoded: DecodedRecord) -> Result<Submitted, Status> {
    let DecodedRecord {
        record, encoding, ..
    } = decoded;
    let encoding = encoding.ok_or_else(|| {
        Status::internal("a record decoded for the stateless path reached the ledger")
    })?;
    Ok(Submitted::of_encoding(record, encoding))
}

/// The response stream of CodeCases.
pub(crate) type DecisionStream = Pin<Box<dyn Stream<Item = Answer> + Send>>;

/// What each CodeCases message of one stream comes to before it is coded.
struct StreamMessages {
    caller: Caller,
    /// Whether a record decoded by prost is encoded again, for the ledger.
    keep: bool,
    coder: anescode_validation::Coder,
    warn: Arc<RateLimit>,
}

impl StreamMessages {
    /// The record the message carries, to be coded; or its answer: a REJECTED
    /// decision for a message without a record, over the limits or not
    /// protobuf, PERMISSION_DENIED for a facility the client may not send, the
    /// status of a transport or framing error.
    fn classify(&self, message: Result<Received<pb::CodeCasesRequest>, Status>) -> Step {
        let message = match message {
            Ok(message) => message,
            Err(status) => return Step::Answered(Err(status)),
        };
        let decision = match message {
            Received::Message(request) => match *request {
                pb::CodeCasesRequest {
                    item: Some(pb::code_cases_request::Item::CaseRecord(record)),
                    view,
                } => {
                    return match self.caller.admit(&record.facility_id) {
                        Ok(()) => Step::ToCode(Box::new(DecodedRecord::of_message(
                            record, view, self.keep,
                        ))),
                        Err(status) => Step::Answered(Err(status)),
                    };
                }
                pb::CodeCasesRequest { item: None, view } => views::apply(
                    view,
                    stream_rules::missing_record(self.coder.catalog().version()),
                ),
            },
            Received::Record(decoded) => {
                return match self.caller.admit(&decoded.record.facility_id) {
                    Ok(()) => Step::ToCode(decoded),
                    Err(status) => Step::Answered(Err(status)),
                };
            }
            Received::OverLimits(over) => over_limits(&self.coder, &self.caller, over),
            Received::Undecodable(error) => {
                telemetry::refused("undecodable");
                if let Some(suppressed) = self.warn.allow() {
                    tracing::warn!(
                        peer = ?self.caller.peer,
                        client = %Clipped(&self.caller.identity.name),
                        suppressed,
                        "CodeCases message is not valid protobuf; answered REJECTED"
                    );
                }
                stream_rules::undecodable_message(&error, self.coder.catalog().version())
            }
        };
        Step::Answered(Ok(Outgoing::decision(decision)))
    }
}

impl CodingService {
    /// Answers a CodeCases stream: one response per message, in order, so it is
    /// ordered and back-pressured by construction. A record with problems, a message
    /// without a record and a message that could not be decoded each get a REJECTED
    /// decision; a record of a facility the client may not send ends the stream
    /// with PERMISSION_DENIED, as does a transport or framing error with its status.
    /// Without the ledger each record is coded as the answer is asked for, on the
    /// connection's task; with it, up to
    /// [`crate::ledger_answers::LEDGER_STREAM_PIPELINE`] records wait for their
    /// commit at once.
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
        let messages = StreamMessages {
            caller,
            keep: ledger.is_some(),
            coder,
            warn: Arc::clone(&self.warn),
        };
        let Some(ledger) = ledger else {
            let figures = Arc::clone(&self.figures);
            let answers = inbound.map(move |message| match messages.classify(message) {
                Step::ToCode(decoded) => Ok(decide(
                    &messages.coder,
                    &figures,
                    &decoded.record,
                    decoded.view,
                )),
                Step::Answered(answer) => answer,
            });
            return Ok(Response::new(Box::pin(answers)));
        };
        let steps = inbound.map(move |message| messages.classify(message));
        Ok(Response::new(Box::pin(LedgerAnswers::new(
            Box::pin(steps),
            ledger,
        ))))
    }
}

impl CodingService {
    /// Answers one CodeCase request.
    pub(crate) async fn answer_one(
        &self,
        caller: &Caller,
        received: Received<pb::CodeCaseRequest>,
    ) -> Result<Response<Outgoing<pb::CodeCaseResponse>>, Status> {
        let coder = self.readiness.coder()?;
        let ledger = self.readiness.ledger()?;
        let decoded = match received {
            Received::Message(request) => {
                let pb::CodeCaseRequest { case_record, view } = *request;
                let record = case_record.ok_or(ServiceError::MissingField("case_record"))?;
                Box::new(DecodedRecord::of_message(record, view, ledger.is_some()))
            }
            Received::Record(decoded) => decoded,
            Received::OverLimits(over) => {
                let decision = over_limits(coder, caller, over);
                return Ok(Response::new(Outgoing::decision(decision)));
            }
            Received::Undecodable(error) => return Err(codec::undecodable(&error)),
        };
        caller.admit(&decoded.record.facility_id)?;
        let view = decoded.view;
        let answer = match ledger {
            Some(ledger) => {
                let record = submitted(*decoded)?;
                ledger_decide(ledger, record, view).await?
            }
            None => decide(coder, &self.figures, &decoded.record, view),
        };
        Ok(Response::new(answer))
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
        let answer = self
            .answer_one(&caller, Received::Message(Box::new(request.into_inner())))
            .await?;
        answer.into_inner().into_message().map(Response::new)
    }

    type CodeCasesStream =
        Pin<Box<dyn Stream<Item = Result<pb::CodeCasesResponse, Status>> + Send>>;

    /// Reached only if CodeCases is served by the generated server; the routes in
    /// `coding_routes` serve it with a codec that also answers undecodable messages.
    async fn code_cases(
        &self,
        request: Request<Streaming<pb::CodeCasesRequest>>,
    ) -> Result<Response<Self::CodeCasesStream>, Status> {
        let caller = Caller::of(&request);
        let answers = self
            .answer_stream(caller, decoded(request.into_inner()))?
            .into_inner();
        let messages = answers.map(|answer| answer.and_then(Outgoing::into_message));
        Ok(Response::new(Box::pin(messages)))
    }
}
