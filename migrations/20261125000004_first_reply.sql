-- email_logs: when the first reply to an inbound email was sent, so that reply matching is
-- exact and incremental (an outbound email only touches the inbound emails it answers first).
ALTER TABLE email_logs ADD COLUMN first_reply_at TIMESTAMP;
-- email_logs: replies are looked up by thread, direction and time.
CREATE INDEX idx_email_logs_thread_direction_time ON email_logs(user_id, thread_key, direction, timestamp);
-- The index above starts with (user_id, thread_key), so the earlier one on those two columns
-- only slows inserts down.
DROP INDEX idx_email_logs_thread_key;
