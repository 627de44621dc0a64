-- Durable copy of what the edge needs from CRM.COM. Every record belongs to
-- one organisation; ids are global, every other unique value is unique per
-- organisation. Secrets are stored only as hashes (see docs/storage.md).

CREATE TABLE api_users (
  username      TEXT PRIMARY KEY,
  organisation  TEXT NOT NULL,
  unit          TEXT NOT NULL,
  password_hash TEXT,                       -- pbkdf2-sha256$iterations$salt$hash
  disabled      INTEGER NOT NULL DEFAULT 0,
  version       INTEGER NOT NULL DEFAULT 1
);

-- A customer exists while a subscription, access token or medium names it.
CREATE TABLE customers (
  id           TEXT PRIMARY KEY,
  organisation TEXT NOT NULL
);

CREATE TABLE subscription_types (
  id               TEXT PRIMARY KEY,
  organisation     TEXT NOT NULL,
  name             TEXT NOT NULL,
  alternative_code TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  UNIQUE (organisation, alternative_code)
);

CREATE TABLE subscriptions (
  id                   TEXT PRIMARY KEY,
  organisation         TEXT NOT NULL,
  number               TEXT NOT NULL,
  state                TEXT NOT NULL,
  subscription_type_id TEXT NOT NULL,
  customer_id          TEXT NOT NULL,
  user_id              TEXT NOT NULL,
  version              INTEGER NOT NULL DEFAULT 1,
  UNIQUE (organisation, number)
);
CREATE INDEX subscriptions_by_customer ON subscriptions (organisation, customer_id);
CREATE INDEX subscriptions_by_type ON subscriptions (subscription_type_id);

CREATE TABLE installed_items (
  id               TEXT PRIMARY KEY,
  organisation     TEXT NOT NULL,
  serial_number    TEXT,
  alternative_code TEXT,
  subscription_id  TEXT NOT NULL,
  version          INTEGER NOT NULL DEFAULT 1,
  UNIQUE (organisation, serial_number),
  UNIQUE (organisation, alternative_code)
);
CREATE INDEX installed_items_by_subscription ON installed_items (subscription_id);

CREATE TABLE access_tokens (
  id                       TEXT PRIMARY KEY,
  organisation             TEXT NOT NULL,
  identifier               TEXT,
  pass_code_hash           TEXT,          -- HMAC-SHA256(CREDENTIAL_PEPPER), base64url
  authentication_code_hash TEXT,          -- HMAC-SHA256(CREDENTIAL_PEPPER), base64url
  customer_id              TEXT NOT NULL,
  version                  INTEGER NOT NULL DEFAULT 1,
  UNIQUE (organisation, identifier),
  UNIQUE (organisation, authentication_code_hash)
);
CREATE INDEX access_tokens_by_customer ON access_tokens (organisation, customer_id);

CREATE TABLE customer_identification_media (
  id                       TEXT PRIMARY KEY,
  organisation             TEXT NOT NULL,
  identifier               TEXT,
  pass_code_hash           TEXT,
  authentication_code_hash TEXT,
  customer_id              TEXT NOT NULL,
  version                  INTEGER NOT NULL DEFAULT 1,
  UNIQUE (organisation, identifier),
  UNIQUE (organisation, authentication_code_hash)
);
CREATE INDEX customer_identification_media_by_customer ON customer_identification_media (organisation, customer_id);
