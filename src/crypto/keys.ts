/**
 * HMAC keys are imported once per isolate and per secret value, then reused:
 * importKey on every request would cost more than the signature itself.
 */
const hmacKeys = new Map<string, Promise<CryptoKey>>();

export function importHmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    hmacKeys.set(secret, key);
  }
  return key;
}
