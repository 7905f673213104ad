//! anescode.v1.AnesthesiaCoding.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::coding_routes::{Received, decoded};
use crate::error::ServiceError;
use crate::pb;
use crate::pb::anesthesia_coding_server::AnesthesiaCoding;
use crate::readiness::Readiness;

/// Codes case records, one at a time or as a stream.
#[derive(Debug, Clone)]
pub(crate) struct CodingService {
    readiness: Readiness,
}

impl CodingService {
    pub(crate) fn new(readiness: Readiness) -> Self {
        CodingService { readiness }
    }
}

fn decide(coder: &anescode_validation::Coder, record: pb::CaseRecord) -> pb::CodingDecision {
    let decision = coder.code(&record.into());
    tracing::debug!(
        case_id = %decision.case_id,
        revision = decision.revision,
        status = ?decision.status,
        findings = decision.findings.len(),
        "coded case"
    );
    decision.into()
}

/// The response stream of CodeCases.
pub(crate) type DecisionStream =
    Pin<Box<dyn Stream<Item = Result<pb::CodeCasesResponse, Status>> + Send>>;

impl CodingService {
    /// Answers a CodeCases stream: one response per message, in order, so it is
    /// ordered and back-pressured by construction. A record with problems, a message
    /// without a record and a message that could not be decoded each get a REJECTED
    /// decision; only a transport or framing error ends the stream.
    pub(crate) fn answer_stream<S>(&self, inbound: S) -> Result<Response<DecisionStream>, Status>
    where
        S: Stream<Item = Result<Received, Status>> + Send + 'static,
    {
        let coder = self.readiness.coder()?.clone();
        let outbound = inbound.map(move |message| {
            let decision = match message? {
                Ok(pb::CodeCasesRequest {
                    item: Some(pb::code_cases_request::Item::CaseRecord(record)),
                }) => decide(&coder, record),
                Ok(pb::CodeCasesRequest { item: None }) => coder.missing_record().into(),
                Err(error) => coder.undecodable_message(&error.to_string()).into(),
            };
            Ok(pb::CodeCasesResponse {
                decision: Some(decision),
            })
        });
        Ok(Response::new(Box::pin(outbound)))
    }
}

#[tonic::async_trait]
impl AnesthesiaCoding for CodingService {
    async fn code_case(
        &self,
        request: Request<pb::CodeCaseRequest>,
    ) -> Result<Response<pb::CodeCaseResponse>, Status> {
        let coder = self.readiness.coder()?;
        let pb::CodeCaseRequest { case_record } = request.into_inner();
        let record = case_record.ok_or(ServiceError::MissingField("case_record"))?;
        Ok(Response::new(pb::CodeCaseResponse {
            decision: Some(decide(coder, record)),
        }))
    }

    type CodeCasesStream = DecisionStream;

    /// Reached only if CodeCases is served by the generated server; the routes in
    /// `coding_routes` serve it with a codec that also answers undecodable messages.
    async fn code_cases(
        &self,
        request: Request<Streaming<pb::CodeCasesRequest>>,
    ) -> Result<Response<Self::CodeCasesStream>, Status> {
        self.answer_stream(decoded(request.into_inner()))
    }
}
