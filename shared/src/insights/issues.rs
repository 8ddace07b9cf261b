//! The top issues of a period: the kinds of problem customers reported, grouped, ranked by
//! how many customers they touch and then by how many emails, with an example.

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::analysis::issue::Issue;

use super::speech::quote;
use super::{Filter, InsightsError, Party, Period, Scope};

/// A recurring theme.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Theme {
    pub issue: String,
    pub label: String,
    pub emails: i64,
    pub customers: Vec<Party>,
    /// The latest email of the theme, in its own words.
    pub example: Option<String>,
    pub example_email_id: Option<Uuid>,
}

/// How many themes an answer ranks.
const TOP: usize = 3;

/// The top themes of `period`.
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
    period: &Period,
) -> Result<Vec<Theme>, InsightsError> {
    let (from, to) = scope.bounds(period);
    let groups = sqlx::query!(
        r#"SELECT l.issue AS "issue!", count(*) AS "emails!",
                  array_agg(DISTINCT l.customer_id) AS "customers!: Vec<Uuid>",
                  (array_agg(l.id ORDER BY l.timestamp DESC))[1] AS "latest!"
           FROM email_logs l
           WHERE l.user_id = $1 AND l.direction = 'inbound' AND l.issue IS NOT NULL
             AND ($2::uuid IS NULL OR l.customer_id = $2) AND ($3::uuid IS NULL OR l.employee_id = $3)
             AND ($4::timestamp IS NULL OR l.timestamp >= $4) AND l.timestamp < $5
           GROUP BY l.issue"#,
        scope.tenant,
        filter.customer,
        filter.employee,
        from,
        to
    )
    .fetch_all(pool)
    .await?;
    let mut groups = groups;
    groups.sort_by(|a, b| {
        b.customers
            .len()
            .cmp(&a.customers.len())
            .then(b.emails.cmp(&a.emails))
            .then(a.issue.cmp(&b.issue))
    });
    groups.truncate(TOP);
    let customer_ids: Vec<Uuid> = groups.iter().flat_map(|g| g.customers.clone()).collect();
    let latest: Vec<Uuid> = groups.iter().map(|g| g.latest).collect();
    let customers = sqlx::query!(
        r#"SELECT id, name, known_emails->>0 AS email FROM customers WHERE id = ANY($1) ORDER BY name"#,
        &customer_ids
    )
    .fetch_all(pool)
    .await?;
    let examples = sqlx::query!(
        r#"SELECT l.id, COALESCE(i.evidence->>0, l.summary) AS example
           FROM email_logs l LEFT JOIN email_insights i ON i.email_id = l.id
           WHERE l.id = ANY($1)"#,
        &latest
    )
    .fetch_all(pool)
    .await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let issue = Issue::parse(&g.issue);
            Theme {
                label: issue.map_or_else(|| g.issue.clone(), |i| i.label().to_owned()),
                issue: g.issue,
                emails: g.emails,
                customers: customers
                    .iter()
                    .filter(|c| g.customers.contains(&c.id))
                    .map(|c| Party::new(c.id, c.name.clone(), c.email.clone()))
                    .collect(),
                example: examples
                    .iter()
                    .find(|e| e.id == Some(g.latest))
                    .and_then(|e| e.example.clone()),
                example_email_id: Some(g.latest),
            }
        })
        .collect())
}

/// "Top issues:" with a line per theme.
pub fn describe(items: &[Theme]) -> String {
    if items.is_empty() {
        return "No customer reported a problem in that period. 🎉".to_owned();
    }
    let mut lines = vec!["Top issues:".to_owned()];
    for (rank, theme) in items.iter().enumerate() {
        let names: Vec<&str> = theme.customers.iter().map(|c| c.name.as_str()).collect();
        let example = theme
            .example
            .as_deref()
            .map(|e| format!(" — {}", quote(e, 80)))
            .unwrap_or_default();
        lines.push(format!(
            "{}. {} — {} email{} from {}{example}",
            rank + 1,
            theme.label,
            theme.emails,
            if theme.emails == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    lines.join("\n")
}
