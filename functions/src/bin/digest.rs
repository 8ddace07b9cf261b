//! Lambda `digest`: the hourly EventBridge tick → one SQS message per tenant whose digest is due.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use trellin_functions::lambda::{self, digest::DigestFunction};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = trellin::config::Config::from_env()?;
    let function = DigestFunction::from_config(&config).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let function = &function;
        async move {
            let now = lambda::digest::event_time(&event.payload, chrono::Utc::now());
            Ok::<_, lambda_runtime::Error>(function.tick(now).await?)
        }
    }))
    .await
}
