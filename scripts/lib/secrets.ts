import { randomBytes } from "node:crypto";

/** The worker's secrets (src/config.ts checks them): what `npm start` and the bench generate. */
export const SECRET_NAMES = ["LOGIN_TOKEN_SECRET", "TUCANO_JWT_SECRET", "CREDENTIAL_PEPPER", "ADMIN_TOKEN"] as const;

export type Secrets = Record<(typeof SECRET_NAMES)[number], string>;

/** Fresh random secrets, each 32 bytes (the worker's minimum), base64url. */
export function freshSecrets(): Secrets {
  return Object.fromEntries(SECRET_NAMES.map((name) => [name, randomBytes(32).toString("base64url")])) as Secrets;
}
