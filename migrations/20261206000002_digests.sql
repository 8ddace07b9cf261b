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

-- digest_deliveries: each digest's delivery to each channel, so that it goes out once per
-- channel: a second tick or a retry never sends twice, and a channel that failed is tried again
-- alone. A delivery being sent is locked (`FOR UPDATE SKIP LOCKED`), so two ticks at once
-- cannot both send it.
CREATE TABLE digest_deliveries (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    date DATE NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'slack', 'discord')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    provider_id TEXT,
    last_error TEXT,
    sent_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT NOW(),
    UNIQUE (user_id, date, channel)
);
