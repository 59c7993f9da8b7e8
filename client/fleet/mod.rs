//! Fleet orchestration: one client drives many agents. The fleet file is
//! validated before any socket opens (`file`, `order`); `plan` and `status`
//! ask every agent concurrently; `schedule` runs a `driver` per target with
//! the concurrency limit, dependencies and waves (each target's next step a
//! pure decision in `steps`), shown by `dashboard` and closed by `summary`;
//! `next` names the fleet command to run next; `revert` decides
//! each target's part in a rollback and its order. Targets naming many
//! databases are expanded from their agents' listings (`expand`); a
//! rollout freezes that set in its record (`record`). The agents hold the
//! truth of each database: the record holds only which databases are in.

pub mod agents;
pub mod bars;
pub mod compact;
pub mod dashboard;
pub mod driver;
pub mod expand;
pub mod file;
pub mod lock;
pub mod next;
pub mod order;
pub mod plan;
pub mod plan_progress;
pub mod record;
pub mod revert;
pub mod schedule;
pub mod state;
pub mod status;
pub mod steps;
pub mod summary;
pub mod table;
