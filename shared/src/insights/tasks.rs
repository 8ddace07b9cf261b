//! Open and overdue tasks by due date, with owner and customer.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::speech::{and_more, first_name};
use super::{Filter, InsightsError, Party, SHOWN, Scope};

/// An open task.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskItem {
    pub task_id: Uuid,
    pub description: String,
    pub customer: Party,
    pub employee: Option<Party>,
    /// `commitment` (staff promised it) or `request` (the customer asked for it by a date).
    pub kind: Option<String>,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
    pub days_overdue: i64,
}

/// The open tasks (or only the overdue ones), by due date.
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
    overdue_only: bool,
) -> Result<Vec<TaskItem>, InsightsError> {
    let today = scope.today();
    // A period narrows tasks to those due in it.
    let (due_from, due_to) = match &filter.period {
        Some(p) => (
            p.from.map(|f| f.with_timezone(&scope.zone).date_naive()),
            Some(p.to.with_timezone(&scope.zone).date_naive()),
        ),
        None => (None, None),
    };
    let rows = sqlx::query!(
        r#"SELECT t.id, t.description, t.due_date, t.kind,
                  c.id AS customer_id, c.name AS customer_name, c.known_emails->>0 AS customer_email,
                  m.id AS "employee_id?", m.name AS "employee_name?", m.email AS "employee_email?"
           FROM tasks t
           JOIN customers c ON c.id = t.customer_id
           LEFT JOIN employees m ON m.id = t.assigned_to
           WHERE t.user_id = $1 AND t.status <> 'completed'
             AND ($2::uuid IS NULL OR t.customer_id = $2) AND ($3::uuid IS NULL OR t.assigned_to = $3)
             AND (NOT $4 OR t.due_date < $5)
             AND ($6::date IS NULL OR t.due_date >= $6) AND ($7::date IS NULL OR t.due_date < $7)
           ORDER BY t.due_date NULLS LAST, c.name, t.description"#,
        scope.tenant,
        filter.customer,
        filter.employee,
        overdue_only,
        today,
        due_from,
        due_to
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let late_by = r.due_date.map_or(0, |d| (today - d).num_days());
            TaskItem {
                task_id: r.id,
                description: r.description,
                customer: Party::new(r.customer_id, r.customer_name, r.customer_email),
                employee: Party::maybe(r.employee_id, r.employee_name, r.employee_email),
                kind: r.kind,
                due: r.due_date,
                overdue: late_by > 0,
                days_overdue: late_by.max(0),
            }
        })
        .collect())
}

/// "3 overdue:" with a line per task.
pub fn describe(items: &[TaskItem], overdue_only: bool) -> String {
    if items.is_empty() {
        return if overdue_only {
            "No overdue tasks. 🎉".to_owned()
        } else {
            "No open tasks.".to_owned()
        };
    }
    let overdue = items.iter().filter(|t| t.overdue).count();
    let mut lines = vec![if overdue_only {
        format!("{overdue} overdue:")
    } else {
        format!(
            "{} open task{}, {overdue} overdue:",
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        )
    }];
    for task in items.iter().take(SHOWN) {
        let owner = task
            .employee
            .as_ref()
            .map(|e| first_name(&e.name).to_owned())
            .unwrap_or_else(|| "no owner".to_owned());
        let state = match (task.overdue, task.due) {
            (true, _) => format!(
                "{} day{} late",
                task.days_overdue,
                if task.days_overdue == 1 { "" } else { "s" }
            ),
            (false, Some(due)) => format!("due {}", due.format("%a %-d %b")),
            (false, None) => "no due date".to_owned(),
        };
        lines.push(format!(
            "• {} for {} ({owner}, {state})",
            task.description, task.customer.name
        ));
    }
    lines.extend(and_more(items.len(), SHOWN));
    lines.join("\n")
}
