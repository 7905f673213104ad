//! anescode.v1.AnesthesiaCoding.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

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

type DecisionStream = Pin<Box<dyn Stream<Item = Result<pb::CodeCasesResponse, Status>> + Send>>;

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

    /// One response per request, in order: the response stream is the request
    /// stream mapped through the coder, so it is ordered and back-pressured by
    /// construction. A record with problems yields a REJECTED decision; only a
    /// transport or framing error ends the stream.
    async fn code_cases(
        &self,
        request: Request<Streaming<pb::CodeCasesRequest>>,
    ) -> Result<Response<Self::CodeCasesStream>, Status> {
        let coder = self.readiness.coder()?.clone();
        let inbound = request.into_inner();
        let outbound = inbound.map(move |message| {
            let pb::CodeCasesRequest { item } = message?;
            let decision = match item {
                Some(pb::code_cases_request::Item::CaseRecord(record)) => decide(&coder, record),
                None => coder.missing_record().into(),
            };
            Ok(pb::CodeCasesResponse {
                decision: Some(decision),
            })
        });
        Ok(Response::new(Box::pin(outbound)))
    }
}
