import { ConfigError } from "./config-error";
import { LOGIN_TOKEN_TTL_SECONDS, MIN_SECRET_BYTES, SUBSCRIBER_JWT_TTL_SECONDS } from "./constants";
import { importHmacKey } from "./crypto/keys";
import { loadSigningKeys, type SigningKeySet } from "./crypto/signing-keys";

export { ConfigError };

/** The worker's bindings: the one typed Env (wrangler.toml, secrets, vars). */
export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  ATTEMPTS: DurableObjectNamespace<import("./limits/attempt-counter").AttemptCounter>;
  LOGIN_TOKEN_SECRET: string;
  /** HS256 secret shared with Tucano; used when SIGNING_KEYS is not set. */
  TUCANO_JWT_SECRET?: string;
  CREDENTIAL_PEPPER: string;
  ADMIN_TOKEN: string;
  /** JSON array of private JWKs (contract §7); optional. */
  SIGNING_KEYS?: string;
  LOGIN_TOKEN_TTL_SECONDS?: string;
  SUBSCRIBER_JWT_TTL_SECONDS?: string;
  EDGE_ENV?: string;
  /** "1" only in `npm run bench`'s build: enables its reference routes (src/routes/bench.ts). */
  BENCH_NOOP?: string;
  /** The deployed version (wrangler.toml [version_metadata]); absent locally. */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
}

/**
 * What the request path needs, parsed and checked once per isolate. Keys are
 * promises that reject with a ConfigError when their secret is missing or
 * weak, so a mistake in one secret only fails the routes that need it.
 */
export interface Config {
  loginTokenTtlSeconds: number;
  subscriberJwtTtlSeconds: number;
  loginTokenKey: Promise<CryptoKey>;
  credentialPepperKey: Promise<CryptoKey>;
  signingKeys: Promise<SigningKeySet>;
}

/** The bindings a Config is built from: when one changes (tests, a new secret), it is rebuilt. */
const CONFIG_SOURCES = [
  "LOGIN_TOKEN_SECRET",
  "TUCANO_JWT_SECRET",
  "CREDENTIAL_PEPPER",
  "SIGNING_KEYS",
  "LOGIN_TOKEN_TTL_SECONDS",
  "SUBSCRIBER_JWT_TTL_SECONDS",
] as const satisfies readonly (keyof Env)[];

let cached: { sources: readonly (string | undefined)[]; config: Config } | undefined;

/** Returns the isolate's config, rebuilding it only when the bindings' values change. */
export function getConfig(env: Env): Config {
  // Compared value by value, on every request: no string is built for it.
  if (cached && CONFIG_SOURCES.every((name, i) => env[name] === cached!.sources[i])) return cached.config;
  const sources = CONFIG_SOURCES.map((name) => env[name]);
  const config: Config = {
    loginTokenTtlSeconds: positiveInteger(env, "LOGIN_TOKEN_TTL_SECONDS", LOGIN_TOKEN_TTL_SECONDS),
    subscriberJwtTtlSeconds: positiveInteger(env, "SUBSCRIBER_JWT_TTL_SECONDS", SUBSCRIBER_JWT_TTL_SECONDS),
    loginTokenKey: settled(() => importHmacKey(strongSecret(env, "LOGIN_TOKEN_SECRET"))),
    credentialPepperKey: settled(() => importHmacKey(strongSecret(env, "CREDENTIAL_PEPPER"))),
    // Login tokens and subscriber JWTs must never verify with each other's key: loadSigningKeys refuses equal secrets.
    signingKeys: settled(() => loadSigningKeys(env.SIGNING_KEYS, env.TUCANO_JWT_SECRET, env.LOGIN_TOKEN_SECRET)),
  };
  cached = { sources, config };
  return config;
}

/** Runs `make` lazily-safe: a rejection is kept for whoever awaits, never reported as unhandled. */
function settled<T>(make: () => Promise<T>): Promise<T> {
  const promise = Promise.resolve().then(make);
  promise.catch(() => {});
  return promise;
}

function strongSecret(env: Env, name: "LOGIN_TOKEN_SECRET" | "CREDENTIAL_PEPPER"): string {
  const value = env[name];
  if (typeof value !== "string" || value.length === 0) throw new ConfigError(`secret ${name} is not set`);
  if (new TextEncoder().encode(value).byteLength < MIN_SECRET_BYTES) {
    throw new ConfigError(`secret ${name} is shorter than ${MIN_SECRET_BYTES} bytes`);
  }
  return value;
}

function positiveInteger(env: Env, name: "LOGIN_TOKEN_TTL_SECONDS" | "SUBSCRIBER_JWT_TTL_SECONDS", fallback: number) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(`var ${name} must be a positive integer`);
  return value;
}
