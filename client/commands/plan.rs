//! `mig plan`: sends the schema, prints the plan; exits 1 when `migrate`
//! could not run (a blocker, or rows that violate a new constraint).

use mig::proto::{PlanRequest, SchemaSource};

use super::Output;
use crate::cli::PlanArgs;
use crate::connect::Session;
use crate::exit::failed;
use crate::render;

pub async fn run(
    s: &mut Session,
    a: &PlanArgs,
    schema: SchemaSource,
    out: Output,
) -> anyhow::Result<()> {
    let database = s.database().await?;
    let report = s
        .client
        .plan(PlanRequest {
            database,
            schema: Some(schema),
            rehearse: a.rehearse,
            sample_percent: a.sample.unwrap_or(100.0),
            ignore_tables: a.schema.ignore_tables.clone(),
        })
        .await?
        .into_inner();
    out.report(&report, render::plan::lines)?;
    if report.can_migrate {
        return Ok(());
    }
    Err(failed(match report.blockers.len() {
        0 => "migrate could not run".to_string(),
        1 => format!("migrate could not run: {}", report.blockers.join("")),
        n => format!(
            "migrate could not run: {n} blockers (listed above), first: {}",
            report.blockers.first().map_or("", String::as_str)
        ),
    }))
}
