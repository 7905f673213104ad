//! The null echo: the same tonic transport and limits as anescode, answering
//! every CodeCases message with a canned decision of the real one's size (its
//! case_id set to the record's) and coding nothing. What it sustains is the
//! transport's own limit on this machine, for the same messages.

use std::pin::Pin;

use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_server::{AnesthesiaCoding, AnesthesiaCodingServer};
use anescode_server::transport::TransportLimits;
use futures_util::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

/// Answers with `canned`.
#[derive(Debug, Clone)]
pub(crate) struct Echo {
    canned: pb::CodingDecision,
}

type Answers = Pin<Box<dyn Stream<Item = Result<pb::CodeCasesResponse, Status>> + Send>>;

fn answer(canned: &pb::CodingDecision, record: Option<&pb::CaseRecord>) -> pb::CodingDecision {
    let mut decision = canned.clone();
    if let Some(record) = record {
        decision.case_id.clone_from(&record.case_id);
    }
    decision
}

#[tonic::async_trait]
impl AnesthesiaCoding for Echo {
    async fn code_case(
        &self,
        request: Request<pb::CodeCaseRequest>,
    ) -> Result<Response<pb::CodeCaseResponse>, Status> {
        let request = request.into_inner();
        Ok(Response::new(pb::CodeCaseResponse {
            decision: Some(answer(&self.canned, request.case_record.as_ref())),
        }))
    }

    type CodeCasesStream = Answers;

    async fn code_cases(
        &self,
        request: Request<Streaming<pb::CodeCasesRequest>>,
    ) -> Result<Response<Self::CodeCasesStream>, Status> {
        let canned = self.canned.clone();
        let answers = request.into_inner().map(move |message| {
            let message = message?;
            let record = message
                .item
                .as_ref()
                .map(|pb::code_cases_request::Item::CaseRecord(record)| record);
            Ok(pb::CodeCasesResponse {
                decision: Some(answer(&canned, record)),
            })
        });
        Ok(Response::new(Box::pin(answers)))
    }
}

/// Serves the echo on `listener` with anescode's default transport settings and,
/// like anescode, no delay on its connections.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    canned: pb::CodingDecision,
) -> Result<(), tonic::transport::Error> {
    // As anescode's listener does (`incoming`): without it, Nagle's algorithm
    // holds small answers back for the peer's delayed acknowledgement (about
    // 40 ms), and the echo is slowed by what anescode is not.
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener).map(|accepted| {
        if let Ok(stream) = &accepted {
            let _ = stream.set_nodelay(true);
        }
        accepted
    });
    TransportLimits::default()
        .builder()
        .add_service(AnesthesiaCodingServer::new(Echo { canned }))
        .serve_with_incoming(incoming)
        .await
}
