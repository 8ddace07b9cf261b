-- Digest delivery (issue 13): the digest keeps its fourteen-day sentiment chart (PNG), so that
-- every channel and every retry sends the same picture the digest was composed with.
ALTER TABLE digests ADD COLUMN chart BYTEA;
