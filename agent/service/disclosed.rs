//! Every unary answer as its caller may read it: an error naming rows
//! reaches an operator in full and a viewer with the keys withheld, through
//! the one path every `mig.v1` call answers by (`Call::answer`), whichever
//! call it is (the real registry and service; the error stands in for one
//! a future viewer call could meet).

use tonic::{Code, Request};

use super::calls::Audit;
use super::{Caller, MigratorService, ServiceError};
use crate::config::{AgentConfig, Role};
use crate::engine::plan::quoted::QuotedText;
use crate::engine::EngineError;
use crate::jobs::Registry;
use crate::proto as pb;

/// A refusal naming one row's key, as a replay or revert makes it.
fn naming_a_key() -> ServiceError {
    EngineError::RowsBlock(QuotedText::naming("(42, 'alice@example.com')", |keys| {
        format!("rows {keys} of table users block it: fix them")
    }))
    .into()
}

async fn answered_to(role: Option<Role>) -> tonic::Status {
    let service = MigratorService::new(Registry::new(AgentConfig {
        databases: Vec::new(),
    }));
    let mut req = Request::new(pb::StatusRequest::default());
    if let Some(role) = role {
        req.extensions_mut().insert(Caller {
            identity: "someone".into(),
            role,
        });
    }
    let call = service.call("Status", Audit::ReadOnly, &req);
    call.answer(async { Err::<(), _>(naming_a_key()) })
        .await
        .expect_err("the call is refused")
}

#[tokio::test]
async fn a_unary_error_naming_rows_withholds_the_keys_from_a_viewer_only() {
    let viewer = answered_to(Some(Role::Viewer)).await;
    assert_eq!(viewer.code(), Code::FailedPrecondition);
    assert!(!viewer.message().contains("alice"), "{}", viewer.message());
    assert!(
        viewer.message().contains("withheld from viewers"),
        "{}",
        viewer.message()
    );
    for role in [Some(Role::Operator), None] {
        let full = answered_to(role).await;
        assert_eq!(full.code(), Code::FailedPrecondition);
        assert!(
            full.message().contains("(42, 'alice@example.com')"),
            "{role:?}: {}",
            full.message()
        );
    }
    // Without a caller to ask (the transport's own refusals), the default
    // is the withheld line.
    let default = tonic::Status::from(naming_a_key());
    assert!(
        !default.message().contains("alice"),
        "{}",
        default.message()
    );
}
