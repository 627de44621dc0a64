/**
 * Every tunable number of the service, each with the reason for its value.
 * Values a deployment may want to change per environment are also read from
 * `[vars]` (see config.ts); these are then the defaults.
 */

/** Public request bodies (contract §1). Devices send a few hundred bytes. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** Longest string value accepted in a request (contract §1). */
export const MAX_STRING_LENGTH = 256;

/**
 * Login tokens are longer than 256 characters once usernames and
 * organisations are long, so the token field has its own, larger bound.
 */
export const MAX_TOKEN_LENGTH = 4096;

/** Login token lifetime (contract §2); var LOGIN_TOKEN_TTL_SECONDS overrides. */
export const LOGIN_TOKEN_TTL_SECONDS = 7200;

/** Subscriber JWT lifetime (contract §4); var SUBSCRIBER_JWT_TTL_SECONDS overrides. */
export const SUBSCRIBER_JWT_TTL_SECONDS = 300;

/**
 * PBKDF2-SHA256 iterations for API user passwords: 100,000 is the most that
 * Workers' Web Crypto accepts. Passwords are few and logins rare compared with
 * authenticate calls, so the slow hash costs little in total.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const PBKDF2_SALT_BYTES = 16;

/**
 * Smallest accepted HMAC secret. A shorter key is refused at start-up rather
 * than used: HS256 security is bounded by the key's entropy.
 */
export const MIN_SECRET_BYTES = 32;

/** Random bytes in a login token's `jti`: enough that two never collide. */
export const JTI_BYTES = 16;

/**
 * Mappings written by provisioning and reindex, which read D1 right after
 * the change they follow, live a day (and are rewritten on every change).
 */
export const KV_MAPPING_TTL_SECONDS = 24 * 60 * 60;

/**
 * Mappings written back by authenticate after a miss live only a minute
 * (KV's minimum): such a write-back may carry what D1 said just before a
 * provisioning write, and must not outlive it by more than KV's own
 * propagation window. The cost: each data centre re-reads a hot mapping from
 * D1 about once a minute.
 */
export const KV_WRITE_BACK_TTL_SECONDS = 60;

/** KV refuses expirations closer than 60 s; deny-list entries are clamped up. */
export const KV_MIN_TTL_SECONDS = 60;

/** KV keys are at most 512 bytes; longer lookup values skip KV and use D1 only. */
export const KV_MAX_KEY_BYTES = 512;

/** `apip` when the platform gives no CF-Connecting-IP (local development). */
export const LOOPBACK_IP = "127.0.0.1";

/** Incoming X-Request-Id / CF-Ray values longer than this are replaced. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** KV writes in flight at once while provisioning or reindex refresh keys. */
export const KV_REFRESH_CONCURRENCY = 32;

/** D1 reads sent in one batch (one round trip) to recompute refreshed keys. */
export const REFRESH_READS_PER_BATCH = 100;

/** Provisioning import (contract §6): at least 5 MiB per call, read as a stream. */
export const IMPORT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/** One import line (one record) is small; a longer one is rejected, not parsed. */
export const IMPORT_MAX_LINE_BYTES = 16 * 1024;

/**
 * Import lines applied per D1 batch (one transaction, about four statements
 * a line): large enough to amortise the round trip, small enough that one
 * clash only re-runs a few lines one by one.
 */
export const IMPORT_CHUNK_LINES = 50;

/**
 * Reindex works in slices that fit one Worker invocation: Workers allow about
 * 1,000 KV operations per invocation, so a slice stops before this many
 * storage operations (KV and D1 counted alike) and answers a cursor to go on
 * from. A slice that finds KV right costs ~3 operations per page; one that
 * rewrites everything, about one per key.
 */
export const REINDEX_OPS_PER_CALL = 900;

/**
 * Rows (and KV keys) per reindex page: a page may write or delete one key per
 * row, so it must fit well inside a slice's budget.
 */
export const REINDEX_PAGE_ROWS = 200;

/**
 * KV operations one provisioning call (a PUT, DELETE or import request) may
 * spend refreshing keys: Workers allow about 1,000 per invocation. Keys past
 * it stay in the outbox; the import answer counts them as `pending`.
 */
export const KV_OPS_PER_PROVISIONING_CALL = 800;

/** Outbox keys refreshed per provisioning call or cron run (the rest wait for the next one). */
export const OUTBOX_DRAIN_KEYS = 500;

/** The cron starts a new full reindex this long after the last one finished (it runs a slice every few minutes). */
export const REINDEX_INTERVAL_SECONDS = 24 * 60 * 60;

/**
 * How long verifiers may cache the JWKS. A rotation must publish a new key
 * at least this long before its `nbf` (the keys CLI defaults to an hour).
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * Credential guessing (contract §1's RATE_LIMITED). Each limit: failures
 * allowed within a sliding window; past it, the subject answers 429 with
 * Retry-After until its oldest counted failure leaves the window.
 */
export const LIMITS = {
  /** Wrong pass codes (or unknown identifiers) for one access token / medium identifier. */
  identifier: { scope: "identifier", failures: 5, windowSeconds: 15 * 60 },
  /** Unknown authentication codes from one client IP. */
  authenticationCodeByIp: { scope: "auth-code-ip", failures: 10, windowSeconds: 15 * 60 },
  /** Unknown authentication codes under one login token's user. */
  authenticationCodeByUser: { scope: "auth-code-user", failures: 10, windowSeconds: 15 * 60 },
  /** Wrong passwords for one username. */
  loginByUsername: { scope: "login-user", failures: 10, windowSeconds: 15 * 60 },
  /** Wrong passwords from one client IP. */
  loginByIp: { scope: "login-ip", failures: 10, windowSeconds: 15 * 60 },
} as const;

/**
 * Every storage call is bounded, so a hung binding cannot hold a request:
 * KV answers in milliseconds when healthy (and has D1 behind it), D1 and the
 * attempt counters get longer.
 */
export const STORAGE_TIMEOUT_MS = { KV: 1000, D1: 3000, DO: 3000 } as const;

/** Deepest JSON nesting accepted in a body (requests are two levels deep). */
export const MAX_JSON_DEPTH = 16;

/**
 * In-isolate caches of the hot path. A repeated authenticate then needs no
 * KV read at all; the price is that a change made elsewhere (another isolate
 * or data centre) can take this long more to show here: a released token
 * may pass for up to 5 s more, a lock may let the right pass code through
 * for up to 5 s more, a provisioned change may take 10 s more. Verified
 * login tokens cost no revocation delay (the deny-list is still consulted);
 * their signature is simply not re-checked within the minute, and their
 * expiry is checked on every use. Bounded in entries so memory stays flat
 * under a stream of distinct identifiers.
 */
export const ISOLATE_CACHE = {
  maxEntries: 10_000,
  mappingTtlMs: 10_000,
  revocationTtlMs: 5_000,
  lockTtlMs: 5_000,
  verifiedLoginTokenTtlMs: 60_000,
} as const;
