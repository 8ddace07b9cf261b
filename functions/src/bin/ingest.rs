//! Lambda `ingest`: SES receipt and S3 put events → ingestion.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use trellin_functions::lambda::{self, ingest::IngestFunction};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda::init_tracing();
    let config = trellin::config::Config::from_env()?;
    let function = IngestFunction::from_config(&config).await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let function = &function;
        async move {
            Ok::<_, lambda_runtime::Error>(
                function.handle(&event.payload, chrono::Utc::now()).await?,
            )
        }
    }))
    .await
}
