-- Released login tokens, the durable twin of KV's deny: keys: authenticate
-- reads it only when KV cannot answer, so a KV outage never lets a released
-- token through. Rows are purged by the cron once the token has expired.
CREATE TABLE released_tokens (
  jti        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
