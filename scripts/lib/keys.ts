/**
 * Signing-key generation and rotation planning for SIGNING_KEYS (contract
 * §7), with Web Crypto only: the same module runs in Node (the keys CLI) and
 * in workerd (the tests).
 */
export type Alg = "HS256" | "ES256" | "EdDSA";
export type PrivateJwk = Record<string, unknown> & { kid: string; alg: Alg; nbf?: number };

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function generateSigningJwk(alg: Alg, kid: string, nbf?: number): Promise<PrivateJwk> {
  const timing = nbf === undefined ? {} : { nbf };
  if (alg === "HS256") {
    return { kid, alg, kty: "oct", k: base64url(crypto.getRandomValues(new Uint8Array(32))), ...timing };
  }
  const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const { kty, crv, x, y, d } = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { kid, alg, kty, crv, x, ...(y ? { y } : {}), d, ...timing };
}

export interface RotationStatus {
  /** Index of the key signing now, or -1 if none has reached its nbf. */
  signer: number;
  /** Keys before the signer: published, signing from their nbf. */
  upcoming: number[];
  /** Keys after the signer whose last token has expired: safe to remove. */
  retirable: number[];
  /** Keys after the signer that still verify tokens in circulation. */
  draining: number[];
}

/**
 * The first key whose nbf has passed signs. A key after it stopped signing
 * when the signer's nbf passed; its tokens are gone `jwtTtl` seconds later.
 */
export function rotationStatus(keys: readonly PrivateJwk[], now: number, jwtTtl: number): RotationStatus {
  const signer = keys.findIndex((k) => (k.nbf ?? 0) <= now);
  const status: RotationStatus = { signer, upcoming: [], retirable: [], draining: [] };
  keys.forEach((key, index) => {
    if (signer === -1 || index < signer) status.upcoming.push(index);
    else if (index > signer) {
      const drainedAt = (keys[signer]!.nbf ?? 0) + jwtTtl;
      (now >= drainedAt ? status.retirable : status.draining).push(index);
    }
  });
  return status;
}

/** Step 1 of a rotation: the new key goes first, signing from its (future) nbf. */
export function addKey(keys: readonly PrivateJwk[], key: PrivateJwk): PrivateJwk[] {
  if (keys.some((k) => k.kid === key.kid)) throw new Error(`kid ${key.kid} is already in SIGNING_KEYS`);
  return [key, ...keys];
}

/** Last step: drop the keys whose tokens have all expired. */
export function retireKeys(keys: readonly PrivateJwk[], now: number, jwtTtl: number): PrivateJwk[] {
  const { retirable } = rotationStatus(keys, now, jwtTtl);
  return keys.filter((_, index) => !retirable.includes(index));
}
