-- Insights (issue 11): what the question-answering engine and the HTTP API need.

-- users: the tenant's working week, so that reply times can also be counted in business hours
-- (ISO weekday numbers, Monday = 1; local times in the tenant's zone).
ALTER TABLE users ADD COLUMN business_days SMALLINT[] NOT NULL DEFAULT '{1,2,3,4,5}';
ALTER TABLE users ADD COLUMN business_start TIME NOT NULL DEFAULT '09:00';
ALTER TABLE users ADD COLUMN business_end TIME NOT NULL DEFAULT '17:00';

-- api_keys: per-tenant keys for the HTTP API. Only a SHA-256 of the key is kept; the key is
-- shown once, when it is created. `prefix` (the key's first characters) names it in lists.
CREATE TABLE api_keys (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX idx_api_keys_user_id ON api_keys(user_id);

-- daily_summaries: one row per tenant and date (a recomputation updates it), with the whole
-- summary as answered beside the seed's columns.
CREATE UNIQUE INDEX daily_summaries_user_id_date_key ON daily_summaries(user_id, date);
ALTER TABLE daily_summaries ADD COLUMN details JSONB NOT NULL DEFAULT '{}';
ALTER TABLE daily_summaries ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT NOW();

-- email_insights / email_logs: the problem an email reports (bug, delay, billing, …), for
-- "top issues". email_logs also carries the flag beside the seed's sentiment and
-- action_needed, so that the questions filter a tenant's emails on one row.
ALTER TABLE email_insights ADD COLUMN issue TEXT;
ALTER TABLE email_logs ADD COLUMN flagged BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE email_logs ADD COLUMN issue TEXT;
UPDATE email_logs l SET flagged = COALESCE(i.is_flagged, false)
  FROM email_insights i WHERE i.email_id = l.id;

-- waiting_items: what customers wait for, with since when and who owns it (the seed's
-- customers.waiting_on keeps the texts). Re-derived with the customer's health.
CREATE TABLE waiting_items (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    customer_id UUID NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    since TIMESTAMP NOT NULL,
    email_id UUID REFERENCES email_logs(id) ON DELETE SET NULL,
    employee_id UUID REFERENCES employees(id) ON DELETE SET NULL,
    thread_key TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_waiting_items_user_since ON waiting_items(user_id, since);
CREATE INDEX idx_waiting_items_customer_id ON waiting_items(customer_id);

-- Indexes the questions need (each answers one of them on a large tenant):
-- emails still needing a reply, oldest first;
CREATE INDEX idx_email_logs_needs_reply ON email_logs(user_id, timestamp)
    WHERE direction = 'inbound' AND action_needed AND NOT replied AND NOT is_automatic;
-- reply times of a period (inbound mail by time, with the columns the statistics read);
CREATE INDEX idx_email_logs_inbound_time ON email_logs(user_id, timestamp)
    INCLUDE (employee_id, first_reply_at, customer_id)
    WHERE direction = 'inbound' AND NOT is_automatic;
-- one employee's mail by time;
CREATE INDEX idx_email_logs_employee_time ON email_logs(employee_id, timestamp);
-- the problems of a period (top issues);
CREATE INDEX idx_email_logs_issues ON email_logs(user_id, timestamp)
    INCLUDE (issue, customer_id, employee_id, id)
    WHERE direction = 'inbound' AND issue IS NOT NULL;
-- a customer's unhappy or flagged mail, newest first (why a customer is at risk);
CREATE INDEX idx_email_logs_customer_negative ON email_logs(customer_id, timestamp)
    WHERE direction = 'inbound' AND NOT is_automatic AND (sentiment = 'unhappy' OR flagged);
-- the email list filtered to flagged mail;
CREATE INDEX idx_email_logs_flagged ON email_logs(user_id, timestamp DESC, id DESC) WHERE flagged;
-- the email list, newest first, paged by (timestamp, id).
CREATE INDEX idx_email_logs_user_time_id ON email_logs(user_id, timestamp DESC, id DESC);
-- open tasks of a tenant by due date, and of a staff member.
CREATE INDEX idx_tasks_open_due ON tasks(user_id, due_date) WHERE status <> 'completed';
CREATE INDEX idx_tasks_open_assignee ON tasks(assigned_to, due_date) WHERE status <> 'completed';
