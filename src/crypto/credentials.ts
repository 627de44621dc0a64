import { base64url } from "jose";

/**
 * Pass codes and authentication codes: HMAC-SHA256 keyed with
 * CREDENTIAL_PEPPER, stored as base64url. A keyed hash rather than PBKDF2:
 * authentication codes must be found by their hash (a salted slow hash cannot
 * be looked up), and authenticate is the hot path; a stolen D1 or KV copy
 * without the pepper (a Worker secret) still cannot be brute-forced offline.
 * The purpose (the field's name) is mixed in so a pass code's hash never
 * equals an authentication code's.
 */
export async function keyedHash(pepperKey: CryptoKey, purpose: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", pepperKey, message(purpose, value));
  return base64url.encode(new Uint8Array(mac));
}

/** Constant-time check of a value against its stored keyed hash (Web Crypto's HMAC verify). */
export async function verifyKeyedHash(
  pepperKey: CryptoKey,
  purpose: string,
  value: string,
  stored: string | null | undefined,
): Promise<boolean> {
  let expected: Uint8Array<ArrayBuffer>;
  try {
    expected = new Uint8Array(base64url.decode(stored ?? ""));
  } catch {
    return false;
  }
  // Verify even without a stored hash, so both failures take the same time.
  const matches = await crypto.subtle.verify("HMAC", pepperKey, expected, message(purpose, value));
  return Boolean(stored) && matches;
}

const utf8 = new TextEncoder();

function message(purpose: string, value: string): Uint8Array<ArrayBuffer> {
  return utf8.encode(`${purpose}\u0000${value}`) as Uint8Array<ArrayBuffer>;
}
