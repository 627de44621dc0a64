import { LOGIN_TOKEN_TTL_SECONDS, MIN_SECRET_BYTES, SUBSCRIBER_JWT_TTL_SECONDS } from "./constants";
import { importHmacKey } from "./crypto/keys";

/** The worker's bindings: the one typed Env (wrangler.toml, secrets, vars). */
export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  LOGIN_TOKEN_SECRET: string;
  TUCANO_JWT_SECRET: string;
  CREDENTIAL_PEPPER: string;
  ADMIN_TOKEN: string;
  LOGIN_TOKEN_TTL_SECONDS?: string;
  SUBSCRIBER_JWT_TTL_SECONDS?: string;
}

/** What the request path needs, parsed and checked once per isolate. */
export interface Config {
  loginTokenTtlSeconds: number;
  subscriberJwtTtlSeconds: number;
  loginTokenKey: Promise<CryptoKey>;
  subscriberJwtKey: Promise<CryptoKey>;
  credentialPepperKey: Promise<CryptoKey>;
}

/** A deployment mistake: answered as INTERNAL_ERROR, logged with this message (never a value). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

let cached: { source: string; config: Config } | undefined;

/**
 * Returns the isolate's config, building it (and importing its keys) only
 * when the bindings' values change, i.e. once per isolate in production.
 */
export function getConfig(env: Env): Config {
  const source = [
    env.LOGIN_TOKEN_SECRET,
    env.TUCANO_JWT_SECRET,
    env.CREDENTIAL_PEPPER,
    env.LOGIN_TOKEN_TTL_SECONDS,
    env.SUBSCRIBER_JWT_TTL_SECONDS,
  ].join("\u0000");
  if (cached?.source === source) return cached.config;
  const config: Config = {
    loginTokenTtlSeconds: positiveInteger(env, "LOGIN_TOKEN_TTL_SECONDS", LOGIN_TOKEN_TTL_SECONDS),
    subscriberJwtTtlSeconds: positiveInteger(env, "SUBSCRIBER_JWT_TTL_SECONDS", SUBSCRIBER_JWT_TTL_SECONDS),
    loginTokenKey: importHmacKey(strongSecret(env, "LOGIN_TOKEN_SECRET")),
    subscriberJwtKey: importHmacKey(strongSecret(env, "TUCANO_JWT_SECRET")),
    credentialPepperKey: importHmacKey(strongSecret(env, "CREDENTIAL_PEPPER")),
  };
  // Login tokens and subscriber JWTs must never verify with each other's key.
  if (env.LOGIN_TOKEN_SECRET === env.TUCANO_JWT_SECRET) {
    throw new ConfigError("LOGIN_TOKEN_SECRET and TUCANO_JWT_SECRET must differ");
  }
  cached = { source, config };
  return config;
}

type SecretName = "LOGIN_TOKEN_SECRET" | "TUCANO_JWT_SECRET" | "CREDENTIAL_PEPPER" | "ADMIN_TOKEN";

function strongSecret(env: Env, name: SecretName): string {
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
