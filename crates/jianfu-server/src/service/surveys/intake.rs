//! Answers are counted in groups: whatever arrives while one transaction is being written goes
//! into the next, so a burst of residents costs one transaction per group instead of one each
//! (SQLite has one writer; each transaction's round trips, not its work, set the pace). Each
//! answer in a group still spends its own code under the same guard and gets its own outcome.

use crate::service::ServiceError;
use jianfu_store::{Store, SubmitOutcome, SurveySubmission};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Most answers written in one transaction.
const GROUP: usize = 64;

type Reply = oneshot::Sender<Result<SubmitOutcome, String>>;

/// The queue in front of the store; its worker starts with the first answer.
#[derive(Default)]
pub struct SurveyIntake {
    queue: OnceLock<mpsc::Sender<(SurveySubmission, Reply)>>,
}

impl SurveyIntake {
    /// Counts one answer (with whatever else is waiting) and says what became of it.
    pub async fn count(
        &self,
        store: &Arc<dyn Store>,
        s: SurveySubmission,
    ) -> Result<SubmitOutcome, ServiceError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * GROUP);
            tokio::spawn(work(store.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        queue
            .send((s, reply))
            .await
            .map_err(|_| ServiceError::Unavailable("答卷暂时无法保存，请稍后再提交".into()))?;
        answer
            .await
            .map_err(|_| ServiceError::Unavailable("答卷暂时无法保存，请稍后再提交".into()))?
            .map_err(ServiceError::Internal)
    }
}

async fn work(store: Arc<dyn Store>, mut rx: mpsc::Receiver<(SurveySubmission, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let (answers, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match store.submit_surveys(&answers).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, answers = answers.len(), "counting survey answers failed");
                for reply in replies {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}
