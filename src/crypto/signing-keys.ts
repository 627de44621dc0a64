import { base64url, CompactSign, compactVerify, importJWK, type JWK } from "jose";
import { ConfigError } from "../config-error";
import { MIN_SECRET_BYTES } from "../constants";
import { importHmacKey } from "./keys";

/**
 * Subscriber JWT signing keys (contract §7). SIGNING_KEYS is a JSON array of
 * private JWKs with `kid`, `alg` (HS256, ES256, EdDSA) and an optional `nbf`;
 * the first entry whose `nbf` has passed signs, so a rotation prepends the
 * new key with a future `nbf`: published at once, signing later. Without
 * SIGNING_KEYS, HS256 with TUCANO_JWT_SECRET signs (no `kid`).
 *
 * Everything is parsed, checked and imported once per isolate. A bad entry
 * fails the whole set with a ConfigError naming the entry and the problem,
 * never a key's material: no token is ever signed with a weak or wrong key.
 */
export type SigningAlgorithm = "HS256" | "ES256" | "EdDSA";

export interface SigningKey {
  kid: string | undefined;
  alg: SigningAlgorithm;
  /** Unix seconds from which it signs (0: at once). */
  nbf: number;
  key: CryptoKey;
}

/** A public JWK as published in the JWKS. */
export type PublicJwk = { kid: string; alg: string; use: "sig"; kty: string; crv: string; x: string; y?: string };

export interface SigningKeySet {
  keys: SigningKey[];
  jwks: PublicJwk[];
}

const SHAPES: Record<SigningAlgorithm, { kty: string; crv?: string; private: "k" | "d"; public: string[] }> = {
  HS256: { kty: "oct", private: "k", public: [] },
  ES256: { kty: "EC", crv: "P-256", private: "d", public: ["x", "y"] },
  EdDSA: { kty: "OKP", crv: "Ed25519", private: "d", public: ["x"] },
};

/**
 * `loginSecret` is LOGIN_TOKEN_SECRET: an HMAC key equal to it is refused, so
 * that a login token's signature never verifies as a subscriber JWT's.
 */
export async function loadSigningKeys(raw: string | undefined, fallbackSecret: string | undefined, loginSecret?: string): Promise<SigningKeySet> {
  if (raw === undefined || raw.trim() === "") {
    if (!fallbackSecret) throw new ConfigError("neither SIGNING_KEYS nor TUCANO_JWT_SECRET is set");
    if (fallbackSecret === loginSecret) throw new ConfigError("LOGIN_TOKEN_SECRET and TUCANO_JWT_SECRET must differ");
    if (new TextEncoder().encode(fallbackSecret).byteLength < MIN_SECRET_BYTES) {
      throw new ConfigError(`secret TUCANO_JWT_SECRET is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
    return { keys: [{ kid: undefined, alg: "HS256", nbf: 0, key: await importHmacKey(fallbackSecret) }], jwks: [] };
  }
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    throw new ConfigError("SIGNING_KEYS is not valid JSON");
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ConfigError("SIGNING_KEYS must be a non-empty JSON array of private JWKs");
  }
  const set: SigningKeySet = { keys: [], jwks: [] };
  const kids = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const key = await loadOne(entry, `SIGNING_KEYS[${index}]`, loginSecret);
    if (kids.has(key.kid)) throw new ConfigError(`SIGNING_KEYS has duplicate kid ${JSON.stringify(key.kid)}`);
    kids.add(key.kid);
    set.keys.push(key.signing);
    if (key.public) set.jwks.push(key.public);
  }
  return set;
}

async function loadOne(entry: unknown, where: string, loginSecret: string | undefined): Promise<{ kid: string; signing: SigningKey; public?: PublicJwk }> {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) throw new ConfigError(`${where} is not a JWK object`);
  const jwk = entry as Record<string, unknown>;
  const kid = jwk.kid;
  if (typeof kid !== "string" || kid === "") throw new ConfigError(`${where} has no kid`);
  const name = `${where} (kid ${JSON.stringify(kid)})`;
  const alg = jwk.alg as SigningAlgorithm;
  const shape = Object.hasOwn(SHAPES, String(alg)) ? SHAPES[alg] : undefined;
  if (!shape) throw new ConfigError(`${name}: alg must be HS256, ES256 or EdDSA`);
  if (jwk.kty !== shape.kty || (shape.crv !== undefined && jwk.crv !== shape.crv)) {
    throw new ConfigError(`${name}: ${alg} needs kty ${shape.kty}${shape.crv ? ` and crv ${shape.crv}` : ""}`);
  }
  const secret = jwk[shape.private];
  if (typeof secret !== "string" || secret === "") {
    throw new ConfigError(`${name}: the private member "${shape.private}" is missing (a public key cannot sign)`);
  }
  // Absent means "at once"; null (e.g. a NaN that went through JSON) is refused, not read as 0.
  const nbf = Object.hasOwn(jwk, "nbf") ? jwk.nbf : 0;
  if (typeof nbf !== "number" || !Number.isSafeInteger(nbf) || nbf < 0) {
    throw new ConfigError(`${name}: nbf must be unix seconds`);
  }
  for (const member of shape.public) {
    if (typeof jwk[member] !== "string") throw new ConfigError(`${name}: the public member "${member}" is missing`);
  }

  let key: CryptoKey;
  try {
    if (alg === "HS256") {
      const bytes = base64url.decode(secret);
      if (bytes.byteLength < MIN_SECRET_BYTES) throw new ConfigError(`${name}: HMAC secret is shorter than ${MIN_SECRET_BYTES} bytes`);
      if (loginSecret !== undefined && base64url.encode(bytes) === base64url.encode(loginSecret)) {
        throw new ConfigError(`${name}: HMAC secret must differ from LOGIN_TOKEN_SECRET`);
      }
      key = await crypto.subtle.importKey("raw", new Uint8Array(bytes), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    } else {
      const { kid: _kid, alg: _alg, nbf: _nbf, use: _use, key_ops: _ops, ...material } = jwk;
      key = (await importJWK(material as JWK, alg)) as CryptoKey;
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${name}: the key could not be imported (malformed ${alg} key)`);
  }
  const signing: SigningKey = { kid, alg, nbf, key };
  if (alg === "HS256") return { kid, signing };
  // Only the public members are published: never d (nor k, p, q, dp, dq, qi).
  const published: PublicJwk = { kid, alg, use: "sig", kty: shape.kty, crv: shape.crv!, x: jwk.x as string };
  if (typeof jwk.y === "string") published.y = jwk.y;
  if (!(await publishedKeyVerifies(key, published, alg))) {
    throw new ConfigError(`${name}: the public members (x${published.y ? ", y" : ""}) do not belong to the private key`);
  }
  return { kid, signing, public: published };
}

/**
 * A pasted JWK whose public members belong to another key would sign tokens
 * that no verifier of the JWKS accepts: one signature, once per isolate, tells.
 */
async function publishedKeyVerifies(privateKey: CryptoKey, published: PublicJwk, alg: SigningAlgorithm): Promise<boolean> {
  const probe = new TextEncoder().encode("signing-key self-check");
  try {
    const jws = await new CompactSign(probe).setProtectedHeader({ alg }).sign(privateKey);
    const { kid: _kid, use: _use, ...material } = published;
    await compactVerify(jws, await importJWK(material as JWK, alg));
    return true;
  } catch {
    return false;
  }
}

/** The key that signs at `now`: the first whose `nbf` has passed. */
export function currentSigner(set: SigningKeySet, now: number): SigningKey {
  const signer = set.keys.find((k) => k.nbf <= now);
  if (!signer) throw new ConfigError("SIGNING_KEYS has no key whose nbf has passed");
  return signer;
}
