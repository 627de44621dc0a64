import { base64url } from "jose";
import { PBKDF2_ITERATIONS, PBKDF2_SALT_BYTES } from "../constants";

/**
 * API user passwords: PBKDF2-SHA256 with a per-user random salt, stored as
 * `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url). Slow on purpose.
 */
const SCHEME = "pbkdf2-sha256";
const HASH_BITS = 256;

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(PBKDF2_SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return [SCHEME, iterations, base64url.encode(salt), base64url.encode(hash)].join("$");
}

/**
 * Verifies a password against a stored hash. With no stored hash (unknown or
 * password-less user) it still derives once against a dummy, so that the
 * answer takes as long as for a wrong password.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored ? parse(stored) : null;
  const { salt, iterations, hash } = parsed ?? DUMMY;
  const derived = await derive(password, salt, iterations);
  return parsed !== null && constantTimeEqual(derived, hash);
}

const DUMMY = {
  salt: new Uint8Array(PBKDF2_SALT_BYTES),
  iterations: PBKDF2_ITERATIONS,
  hash: new Uint8Array(HASH_BITS / 8),
};

function parse(stored: string) {
  const [scheme, iterations, salt, hash] = stored.split("$");
  const rounds = Number(iterations);
  if (scheme !== SCHEME || !salt || !hash || !Number.isSafeInteger(rounds) || rounds < 1 || rounds > PBKDF2_ITERATIONS) {
    return null;
  }
  try {
    return { iterations: rounds, salt: new Uint8Array(base64url.decode(salt)), hash: base64url.decode(hash) };
  } catch {
    return null;
  }
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
