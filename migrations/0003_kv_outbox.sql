-- KV keys a committed provisioning write still has to bring in line with D1.
-- Written in the same D1 transaction as the change, removed once KV is
-- refreshed: if KV fails after D1 committed, the next provisioning call (a
-- retry, say) or the cron finishes the job. Keys are docs/storage.md's map: keys.
CREATE TABLE kv_outbox (
  key TEXT PRIMARY KEY
);
