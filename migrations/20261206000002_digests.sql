-- Digests (issue 13): each tenant's digest of a date as it was composed (subject, plain text,
-- HTML), with the totals the next digest reports its changes against. Composing the same date
-- again replaces it.
CREATE TABLE digests (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    date DATE NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    totals JSONB NOT NULL DEFAULT '{}',
    composed_at TIMESTAMP NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, date)
);

-- users: when and where the digest goes. The hour is the tenant's local hour; the webhooks are
-- secrets (never printed in full, never logged).
ALTER TABLE users ADD COLUMN digest_hour SMALLINT NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23);
ALTER TABLE users ADD COLUMN digest_emails TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN slack_webhook TEXT;
ALTER TABLE users ADD COLUMN discord_webhook TEXT;
