-- What the features need beyond the seed. Every addition says why.

-- users: a tenant is found by its slug in `inbound+<slug>@<domain>`; staff are recognised by
-- the company's mail domain; "today" and the digest follow the tenant's IANA time zone.
ALTER TABLE users ADD COLUMN slug TEXT;
ALTER TABLE users ADD COLUMN company_domain TEXT;
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
-- users: the secret that authorises raw-MIME posts to the HTTP inbound endpoint.
ALTER TABLE users ADD COLUMN inbound_secret TEXT;
CREATE UNIQUE INDEX users_slug_key ON users(slug);

-- employees: one staff member per address within a tenant (addresses are stored lower-case).
CREATE UNIQUE INDEX employees_user_id_email_key ON employees(user_id, email);

-- customers: one customer per business domain within a tenant (free-mail customers have none).
CREATE UNIQUE INDEX customers_user_id_primary_domain_key ON customers(user_id, primary_domain);

-- email_logs: the original's Message-ID, unique per tenant, is how duplicates are recognised
-- (a content hash stands in when a message has none, or lost it in a forward).
ALTER TABLE email_logs ADD COLUMN message_id TEXT;
-- email_logs: threading headers of the original, then the thread they resolve to.
ALTER TABLE email_logs ADD COLUMN in_reply_to TEXT;
ALTER TABLE email_logs ADD COLUMN "references" TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE email_logs ADD COLUMN thread_key TEXT;
-- email_logs: inbound (customer -> company) or outbound (company -> customer).
ALTER TABLE email_logs ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound'
    CHECK (direction IN ('inbound', 'outbound'));
-- email_logs: every recipient, not only the first one that `to_email` keeps.
ALTER TABLE email_logs ADD COLUMN to_emails JSON;
ALTER TABLE email_logs ADD COLUMN cc_emails JSON;
-- email_logs: the staff member who forwarded the original to the inbound address, if any.
ALTER TABLE email_logs ADD COLUMN forwarded_by TEXT;
-- email_logs: automatic mail (auto-replies, bounces) is stored but never needs a reply.
ALTER TABLE email_logs ADD COLUMN is_automatic BOOLEAN NOT NULL DEFAULT false;
CREATE UNIQUE INDEX email_logs_user_id_message_id_key ON email_logs(user_id, message_id);
CREATE INDEX idx_email_logs_thread_key ON email_logs(user_id, thread_key);

-- email_insights: one insight per email, so re-analysis updates it in place.
ALTER TABLE email_insights ADD CONSTRAINT email_insights_email_id_key UNIQUE (email_id);

-- inbound_messages: every message received, whatever became of it, so that nothing is
-- dropped silently and an operator can see why a forward was refused.
CREATE TABLE inbound_messages (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    received_at TIMESTAMP NOT NULL DEFAULT NOW(),
    source TEXT NOT NULL CHECK (source IN ('file', 'smtp', 'http', 'ses', 's3')),
    envelope_recipients TEXT[] NOT NULL DEFAULT '{}',
    message_id TEXT,
    size_bytes INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'rejected')),
    reason TEXT,
    email_id UUID REFERENCES email_logs(id) ON DELETE SET NULL
);
CREATE INDEX idx_inbound_messages_user_id_received_at ON inbound_messages(user_id, received_at DESC);
CREATE INDEX idx_inbound_messages_outcome ON inbound_messages(outcome);
