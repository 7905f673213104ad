//! A CodeCases stream's answers while the server keeps a ledger: its records go
//! to the ledger one after the other, and their answers come back on the
//! stream's one channel in the order sent, each put in its place among the
//! answers made without the ledger (a REJECTED message, a refused facility).
//!
//! Up to [`LEDGER_STREAM_PIPELINE`] answers of a stream are awaited at once. A
//! record that finds no room in the ledger (all calls together hold at most
//! [`crate::ledger::MAX_IN_FLIGHT`]) waits for it before the next message is
//! read, so a stream's records reach the ledger in order. This replaced a
//! future, a one-shot channel and an ordered set's entry per record
//! (docs/performance.md, twelfth session).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use crate::coding_service::{Answer, Step, from_ledger, submitted};
use crate::ledger::{Decided, Ledger, LedgerError, StreamAnswers, Submitted};
use crate::views;

/// Records of one CodeCases stream in the ledger at once, awaiting their group
/// commit (and at most [`crate::ledger::MAX_IN_FLIGHT`] of all calls); answers
/// still go back in order. The more records share a commit, the fewer commits
/// (docs/performance.md).
pub(crate) const LEDGER_STREAM_PIPELINE: usize = 2048;

/// One answer of the stream, in the order of its messages.
enum Slot {
    /// Made without the ledger.
    Made(Answer),
    /// The next answer on the stream's channel; the record's room in the ledger
    /// is held until it comes.
    Ledger {
        view: i32,
        _room: OwnedSemaphorePermit,
    },
}

/// A record waiting for room in the ledger.
struct Waiting {
    room: BoxFuture<'static, Result<OwnedSemaphorePermit, LedgerError>>,
    record: Submitted,
    view: i32,
}

/// The response stream of one CodeCases call with the ledger.
pub(crate) struct LedgerAnswers {
    steps: Pin<Box<dyn Stream<Item = Step> + Send>>,
    /// No more messages.
    ended: bool,
    ledger: Ledger,
    answers: StreamAnswers,
    answered: mpsc::UnboundedReceiver<Result<Decided, LedgerError>>,
    slots: VecDeque<Slot>,
    waiting: Option<Waiting>,
}

impl LedgerAnswers {
    pub(crate) fn new(steps: Pin<Box<dyn Stream<Item = Step> + Send>>, ledger: Ledger) -> Self {
        let (answers, answered) = mpsc::unbounded_channel();
        LedgerAnswers {
            steps,
            ended: false,
            ledger,
            answers,
            answered,
            slots: VecDeque::new(),
            waiting: None,
        }
    }

    /// Reads the next message, or sends the record waiting for room; false when
    /// neither can go on now (the waker is then registered) or the stream ended.
    fn take(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(waiting) = &mut self.waiting {
            let Poll::Ready(room) = waiting.room.poll_unpin(cx) else {
                return false;
            };
            if let Some(Waiting { record, view, .. }) = self.waiting.take() {
                self.send(room, record, view);
            }
            return true;
        }
        if self.ended {
            return false;
        }
        match self.steps.poll_next_unpin(cx) {
            Poll::Pending => false,
            Poll::Ready(None) => {
                self.ended = true;
                true
            }
            Poll::Ready(Some(Step::Answered(answer))) => {
                self.slots.push_back(Slot::Made(answer));
                true
            }
            Poll::Ready(Some(Step::ToCode(decoded))) => {
                let view = decoded.view;
                match submitted(*decoded) {
                    Err(status) => self.slots.push_back(Slot::Made(Err(status))),
                    Ok(record) => match self.ledger.room_now() {
                        Some(room) => self.send(Ok(room), record, view),
                        None => {
                            let room = self.ledger.room().boxed();
                            self.waiting = Some(Waiting { room, record, view });
                        }
                    },
                }
                true
            }
        }
    }

    /// Sends a record that has room to the ledger.
    fn send(
        &mut self,
        room: Result<OwnedSemaphorePermit, LedgerError>,
        record: Submitted,
        view: i32,
    ) {
        let lean = views::is_lean(view);
        let sent = room.and_then(|room| {
            self.ledger
                .submit_to(record, lean, &self.answers)
                .map(|()| room)
        });
        self.slots.push_back(match sent {
            Ok(room) => Slot::Ledger { view, _room: room },
            Err(error) => Slot::Made(Err(error.into())),
        });
    }
}

impl Stream for LedgerAnswers {
    type Item = Answer;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Answer>> {
        let this = self.get_mut();
        loop {
            match this.slots.front() {
                Some(Slot::Made(_)) => {
                    if let Some(Slot::Made(answer)) = this.slots.pop_front() {
                        return Poll::Ready(Some(answer));
                    }
                }
                Some(Slot::Ledger { .. }) => {
                    if let Poll::Ready(answered) = this.answered.poll_recv(cx)
                        && let Some(Slot::Ledger { view, .. }) = this.slots.pop_front()
                    {
                        // The channel ends only with this stream, which holds
                        // a sender.
                        let answer = answered.unwrap_or(Err(LedgerError::Stopped));
                        return Poll::Ready(Some(
                            answer
                                .map(|decided| from_ledger(decided, view))
                                .map_err(Into::into),
                        ));
                    }
                }
                None if this.ended && this.waiting.is_none() => return Poll::Ready(None),
                None => {}
            }
            if this.slots.len() >= LEDGER_STREAM_PIPELINE || !this.take(cx) {
                return Poll::Pending;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures_util::stream;

    use super::*;
    use crate::ledger::{self, MAX_IN_FLIGHT, StoreChoice};
    use crate::outgoing::Outgoing;
    use crate::pb;
    use crate::record_wire::DecodedRecord;

    fn ledger() -> Ledger {
        let coder = anescode_validation::Coder::new(
            Arc::new(anescode_codes::Catalog::embedded()),
            Arc::new(anescode_validation::PayerProfiles::embedded()),
        );
        ledger::open(&StoreChoice::Memory, coder)
            .expect("an in-memory ledger")
            .expect("a ledger")
    }

    fn record(case_id: &str) -> Step {
        let record = pb::CaseRecord {
            case_id: case_id.to_owned(),
            revision: 1,
            ..Default::default()
        };
        Step::ToCode(Box::new(DecodedRecord::of_message(record, 0, true)))
    }

    fn made(case_id: &str) -> Step {
        Step::Answered(Ok(Outgoing::decision(pb::CodingDecision {
            case_id: case_id.to_owned(),
            ..Default::default()
        })))
    }

    fn case_id(answer: Option<Answer>) -> String {
        let response = answer
            .expect("an answer")
            .expect("not a status")
            .into_message()
            .expect("a response");
        response.decision.expect("a decision").case_id
    }

    #[tokio::test]
    async fn answers_come_in_the_order_sent_and_a_record_without_room_waits_for_it() {
        let ledger = ledger();
        let held: Vec<_> = std::iter::from_fn(|| ledger.room_now()).collect();
        assert_eq!(held.len(), MAX_IN_FLIGHT);
        let steps = stream::iter([record("A"), made("M"), record("B"), made("N")]);
        let mut answers = LedgerAnswers::new(Box::pin(steps), ledger.clone());
        // A waits for room and M, made at once, waits behind it.
        assert!(futures_util::poll!(answers.next()).is_pending());
        assert!(futures_util::poll!(answers.next()).is_pending());
        drop(held);
        let order = [
            case_id(answers.next().await),
            case_id(answers.next().await),
            case_id(answers.next().await),
            case_id(answers.next().await),
        ];
        assert_eq!(order, ["A", "M", "B", "N"]);
        assert!(answers.next().await.is_none());
        // Every record's room is given back once it is answered.
        let free: Vec<_> = std::iter::from_fn(|| ledger.room_now()).collect();
        assert_eq!(free.len(), MAX_IN_FLIGHT);
    }
}
