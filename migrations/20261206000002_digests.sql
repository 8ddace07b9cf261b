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
