import { nowSeconds } from "../clock";
import type { Config } from "../config";
import { LIMITS } from "../constants";
import { issueLoginToken } from "../crypto/login-token";
import { verifyPassword } from "../crypto/password";
import { ApiError } from "../errors";
import { recordFailure, refuseIfLockedStrict, subject, type LimitDeps } from "../limits/lockout";
import { findApiUser } from "../store/d1";

export interface LoginRequest {
  username: string;
  password: string;
  organisation: string;
  unit?: string | undefined;
}

/**
 * Checks an API user's credentials and issues a login token. Every failure
 * (unknown user, wrong organisation or unit, disabled, wrong password) is the
 * same AUTHENTICATION_FAILED after the same slow hash, so neither the answer
 * nor its timing tells which part was wrong. Failures count against the
 * username and the client IP; past the limit, login answers RATE_LIMITED.
 * Login is rare and slow by design, so it asks the attempt counters directly.
 */
export async function login(
  db: D1Database,
  config: Config,
  limits: LimitDeps,
  request: LoginRequest,
  clientIp: string,
): Promise<string> {
  const now = nowSeconds();
  const subjects = await Promise.all([
    subject(limits.pepperKey, LIMITS.loginByUsername, request.username),
    subject(limits.pepperKey, LIMITS.loginByIp, clientIp),
  ]);
  await refuseIfLockedStrict(limits, subjects, now);
  const user = await findApiUser(db, request.username);
  const passwordOk = await verifyPassword(request.password, user?.password_hash ?? null);
  if (
    !user ||
    !passwordOk ||
    user.disabled ||
    user.organisation !== request.organisation ||
    (request.unit !== undefined && request.unit !== user.unit)
  ) {
    throw await recordFailure(limits, subjects, now, new ApiError("AUTHENTICATION_FAILED"));
  }
  const { token } = await issueLoginToken(
    await config.loginTokenKey,
    { usr: user.username, org: user.organisation, oun: request.unit ?? user.unit },
    now,
    config.loginTokenTtlSeconds,
  );
  return token;
}
