-- Analysis (issue 4): what the analyzer says beyond the seed's columns, the writer's time
-- zone (due dates in words resolve against it), and what tasks are derived from.

-- The full analysis of an email: the seed keeps sentiment, summary, waiting_for,
-- recommended_action and is_flagged; these add the score, the action flag, the reasons and
-- evidence, which analyzer spoke, and the promises and deliveries found in the text.
ALTER TABLE email_insights ADD COLUMN score REAL;
ALTER TABLE email_insights ADD COLUMN action_needed BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE email_insights ADD COLUMN flag_reasons JSONB NOT NULL DEFAULT '[]';
ALTER TABLE email_insights ADD COLUMN evidence JSONB NOT NULL DEFAULT '[]';
ALTER TABLE email_insights ADD COLUMN analyzer TEXT NOT NULL DEFAULT 'builtin';
ALTER TABLE email_insights ADD COLUMN commitments JSONB NOT NULL DEFAULT '{}';

-- Minutes east of UTC of the writer's clock when the email was sent.
ALTER TABLE email_logs ADD COLUMN utc_offset_minutes INTEGER;

-- The trend of the customer's recent inbound sentiment: improving, steady or worsening.
ALTER TABLE customers ADD COLUMN sentiment_trend TEXT;

-- Tasks are derived from emails and re-derived after re-analysis: `task_key` keeps a task's
-- identity across derivations; a task completed by hand stays completed.
ALTER TABLE tasks ADD COLUMN user_id UUID REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE tasks ADD COLUMN task_key TEXT;
ALTER TABLE tasks ADD COLUMN kind TEXT CHECK (kind IN ('commitment', 'request'));
ALTER TABLE tasks ADD COLUMN thread_key TEXT;
ALTER TABLE tasks ADD COLUMN source_email_id UUID REFERENCES email_logs(id) ON DELETE SET NULL;
ALTER TABLE tasks ADD COLUMN updated_email_id UUID REFERENCES email_logs(id) ON DELETE SET NULL;
ALTER TABLE tasks ADD COLUMN completed_email_id UUID REFERENCES email_logs(id) ON DELETE SET NULL;
ALTER TABLE tasks ADD COLUMN completed_by_hand BOOLEAN NOT NULL DEFAULT false;
CREATE UNIQUE INDEX tasks_user_id_task_key_key ON tasks(user_id, task_key);
CREATE INDEX idx_email_logs_customer_time ON email_logs(customer_id, timestamp);
CREATE INDEX idx_customer_updates_customer_id ON customer_updates(customer_id);
