import { isolateCaches } from "../cache/isolate-caches";
import { keyedHash } from "../crypto/credentials";
import { ApiError } from "../errors";
import { describeError, log } from "../log";
import { getLocks, putLock } from "../store/kv";
import { guarded, StorageError } from "../store/storage-error";
import type { AttemptCounter, AttemptVerdict } from "./attempt-counter";

/**
 * Lockouts and throttles (the limits are in constants.ts). Every failed
 * attempt is counted by the subject's Durable Object, the one exact counter
 * for all isolates and data centres. The hot path never calls it: a
 * successful authentication only reads the subjects' lock flags from KV (one
 * bulk read, alongside its mapping read). When a subject becomes locked, its
 * flag is written to KV, so that even the right pass code is refused: at
 * once in this data centre, within KV's ~60 s propagation elsewhere, while
 * every further failure anywhere is refused by the DO itself.
 */
export interface Limit {
  readonly scope: string;
  readonly failures: number;
  readonly windowSeconds: number;
}

export interface Subject {
  readonly limit: Limit;
  /** `<scope>:<keyed hash of the value>`: the DO's name; no identifier or IP in clear. */
  readonly name: string;
}

export interface LimitDeps {
  kv: KVNamespace;
  attempts: DurableObjectNamespace<AttemptCounter>;
  pepperKey: CryptoKey;
}

export async function subject(pepperKey: CryptoKey, limit: Limit, value: string): Promise<Subject> {
  return { limit, name: `${limit.scope}:${await keyedHash(pepperKey, "attempts", `${limit.scope}\u0000${value}`)}` };
}

/** The hot path's cheap check: lock flags in KV. If KV fails, the counters themselves answer. */
export async function refuseIfLocked(deps: LimitDeps, subjects: readonly Subject[], now: number): Promise<void> {
  if (subjects.length === 0) return;
  let until = 0;
  const unknown: string[] = [];
  for (const { name } of subjects) {
    const cached = isolateCaches.locks.get(name);
    if (cached === undefined) unknown.push(name);
    else until = Math.max(until, cached);
  }
  try {
    if (unknown.length) {
      const locks = await getLocks(deps.kv, unknown);
      for (const name of unknown) {
        const end = locks.get(name) ?? 0;
        isolateCaches.locks.set(name, end);
        until = Math.max(until, end);
      }
    }
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    log("warn", "KV lock check failed; asking the attempt counters", { error: describeError(error) });
    return refuseIfLockedStrict(deps, subjects, now);
  }
  if (until > now) throw rateLimited(until - now);
}

/** The authoritative check (login, which is rare and slow anyway): the counters themselves. */
export async function refuseIfLockedStrict(deps: LimitDeps, subjects: readonly Subject[], now: number): Promise<void> {
  const verdicts = await Promise.all(
    subjects.map((s) => guarded("DO", "attempt status", () => counter(deps, s).status(now, s.limit.failures, s.limit.windowSeconds))),
  );
  const retryAfter = Math.max(0, ...verdicts.filter((v) => v.locked).map((v) => v.retryAfter));
  if (retryAfter > 0) throw rateLimited(retryAfter);
}

/**
 * Counts a failed attempt against each subject and flags the ones now locked.
 * Returns the error to answer: RATE_LIMITED if a subject was locked before
 * this attempt (its flag had not reached this data centre), else `failure`.
 */
export async function recordFailure(deps: LimitDeps, subjects: readonly Subject[], now: number, failure: ApiError): Promise<ApiError> {
  const verdicts: AttemptVerdict[] = await Promise.all(
    subjects.map((s) => guarded("DO", "attempt fail", () => counter(deps, s).fail(now, s.limit.failures, s.limit.windowSeconds))),
  );
  await Promise.all(
    subjects.map(async (s, i) => {
      if (!verdicts[i]!.locked) return;
      isolateCaches.locks.set(s.name, verdicts[i]!.until);
      // The counter has the lock already and refuses every further failure;
      // the flag only brings the refusal of the right pass code forward, so
      // a KV outage must not turn this answer into a 503.
      await putLock(deps.kv, s.name, verdicts[i]!.until, now).catch((error: unknown) =>
        log("warn", "KV lock flag write failed; the counter still refuses", { error: describeError(error) }),
      );
    }),
  );
  const refused = verdicts.filter((v) => v.wasLocked);
  return refused.length ? rateLimited(Math.max(...refused.map((v) => v.retryAfter))) : failure;
}

function counter(deps: LimitDeps, s: Subject) {
  return deps.attempts.get(deps.attempts.idFromName(s.name));
}

function rateLimited(retryAfter: number): ApiError {
  return new ApiError("RATE_LIMITED", "", undefined, { "Retry-After": String(retryAfter) });
}
