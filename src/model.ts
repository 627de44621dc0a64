/**
 * What authenticate needs to know about one lookup value, as stored in a KV
 * mapping and as read from D1 on a miss. Everything the answer needs is here,
 * so that a KV hit touches no D1.
 */
export interface SubscriptionView {
  id: string;
  state: string;
  user_id: string;
  type_id: string;
}

export interface Mapping {
  /** Keyed hash of the record's pass code, for identifiers that need one. */
  pass_code_hash?: string | null;
  /** Subscriptions the record leads to: one for installed items and subscriptions. */
  subscriptions: SubscriptionView[];
}

/** A subscription type name or alternative code -> the organisation's types that have it. */
export interface TypeMapping {
  type_ids: string[];
}

export interface ApiUser {
  username: string;
  organisation: string;
  unit: string;
  password_hash: string | null;
  disabled: boolean;
}

/** Claims of a login token (contract §2). */
export interface LoginClaims {
  usr: string;
  org: string;
  oun: string;
  jti: string;
  iat: number;
  exp: number;
}
