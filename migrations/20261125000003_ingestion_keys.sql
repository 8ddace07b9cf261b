-- Keys and columns that ingestion relies on.

-- users: a tenant may also receive at an address of its own besides inbound+<slug>@….
ALTER TABLE users ADD COLUMN inbound_address TEXT;
CREATE UNIQUE INDEX users_inbound_address_key ON users(lower(inbound_address));

-- email_logs: a forward loses the original's Message-ID, so every email also carries a
-- fingerprint (sender, normalised subject, minute sent) that recognises the same email
-- arriving directly and as a forward.
ALTER TABLE email_logs ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX email_logs_user_id_fingerprint_key ON email_logs(user_id, fingerprint);
-- email_logs: the subject without Re:/Fwd:/AW:/… prefixes, lower-cased, for threading.
ALTER TABLE email_logs ADD COLUMN subject_normalized TEXT;
CREATE INDEX idx_email_logs_customer_subject ON email_logs(user_id, customer_id, subject_normalized);

-- inbound_messages: who sent it and what it was about, so an operator can find a forward.
ALTER TABLE inbound_messages ADD COLUMN from_email TEXT;
ALTER TABLE inbound_messages ADD COLUMN subject TEXT;
