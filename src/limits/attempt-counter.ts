import { DurableObject } from "cloudflare:workers";

/**
 * Failed attempts for one subject (an identifier's keyed hash, a username,
 * a client IP...), counted in one place for every isolate and data centre:
 * a Durable Object per subject is the single writer that makes the count
 * exact. The caller passes its clock, so windows are testable.
 */
export interface AttemptVerdict {
  locked: boolean;
  /** Already locked before this attempt (the attempt itself is refused). */
  wasLocked: boolean;
  /** Seconds until the window lets a new attempt through (0 when not locked). */
  retryAfter: number;
  /** Unix seconds when the lock ends (0 when not locked). */
  until: number;
}

export class AttemptCounter extends DurableObject {
  /** Records a failure and answers whether the subject is now locked. */
  async fail(now: number, limit: number, windowSeconds: number): Promise<AttemptVerdict> {
    const failures = this.recent(await this.failures(), now, windowSeconds);
    const wasLocked = failures.length >= limit;
    failures.push(now);
    // Only the last `limit` failures matter: memory stays bounded under a flood.
    const kept = failures.slice(-limit);
    await this.ctx.storage.put("failures", kept);
    await this.ctx.storage.setAlarm((now + windowSeconds) * 1000);
    return { ...verdict(kept, now, limit, windowSeconds), wasLocked };
  }

  async status(now: number, limit: number, windowSeconds: number): Promise<AttemptVerdict> {
    return verdict(this.recent(await this.failures(), now, windowSeconds), now, limit, windowSeconds);
  }

  /** After the window nothing is worth keeping. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private async failures(): Promise<number[]> {
    return (await this.ctx.storage.get<number[]>("failures")) ?? [];
  }

  private recent(failures: number[], now: number, windowSeconds: number): number[] {
    return failures.filter((at) => at > now - windowSeconds);
  }
}

function verdict(failures: readonly number[], now: number, limit: number, windowSeconds: number): AttemptVerdict {
  if (failures.length < limit) return { locked: false, wasLocked: false, retryAfter: 0, until: 0 };
  // Locked until the oldest of the last `limit` failures leaves the window.
  const until = failures[failures.length - limit]! + windowSeconds;
  return { locked: true, wasLocked: true, retryAfter: Math.max(1, until - now), until };
}
