import { MAX_TOKEN_LENGTH } from "./constants";
import type { BodySchema } from "./middleware/validate";

/**
 * The public endpoints' bodies, declared once: the validation middleware
 * enforces them and the OpenAPI document describes them.
 */
export const LOGIN_BODY = {
  fields: {
    username: { required: true },
    password: { required: true },
    organisation: { required: true },
    unit: { required: false },
  },
} as const satisfies BodySchema;

export const RELEASE_BODY = {
  fields: { token: { required: true, maxLength: MAX_TOKEN_LENGTH } },
} as const satisfies BodySchema;

/** `token` plus exactly one identifier of the identifier table (and its type filter). */
export const AUTHENTICATE_BODY = {
  fields: { token: { required: true, maxLength: MAX_TOKEN_LENGTH } },
  identifiers: true,
} as const satisfies BodySchema;
