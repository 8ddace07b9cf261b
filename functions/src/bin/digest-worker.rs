//! Lambda `digest-worker`: SQS batches of due tenants → their digests, delivered once per
//! channel; failures come back as partial batch failures.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use trellin_functions::lambda::{self, digest::DigestFunction};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = trellin::config::Config::from_env()?;
    let function = DigestFunction::from_config(&config).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| {
        let function = &function;
        async move {
            Ok::<_, lambda_runtime::Error>(function.work(event.payload, chrono::Utc::now()).await)
        }
    }))
    .await
}
