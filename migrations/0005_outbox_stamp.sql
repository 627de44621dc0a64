-- Who last put each key in the outbox: a call removes a key only while the
-- stamp is still the one it saw (or wrote), so a key that another write put
-- back in the meantime is never forgotten before that write's value is in KV.
ALTER TABLE kv_outbox ADD COLUMN stamp TEXT NOT NULL DEFAULT '';
