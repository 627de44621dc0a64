import { REINDEX_INTERVAL_SECONDS } from "../constants";
import { ApiError } from "../errors";
import { getJson, kvKeys, putJson } from "../store/kv";
import { reindex, type ReindexReport } from "./reindex";

/** Where the cron's reindex stands: a cursor while a pass is under way, else when the last one finished. */
interface ReindexState {
  cursor?: string;
  completedAt?: number;
  /** Runs in a row that failed on this cursor: after a few, the pass starts again. */
  failures?: number;
}

const FAILURES_BEFORE_RESTART = 3;

/**
 * The cron runs every few minutes; each run does one reindex slice. A pass
 * goes on from the stored cursor until done, and the next pass starts
 * REINDEX_INTERVAL_SECONDS after the last one finished. Returns null when
 * there was nothing to do.
 */
/** Kept a little longer than the interval: a state that expires only costs an early pass. */
const STATE_TTL_SECONDS = REINDEX_INTERVAL_SECONDS + 3600;

export async function scheduledReindex(db: D1Database, kv: KVNamespace, now: number, budget?: number): Promise<ReindexReport | null> {
  const state = (await getJson<ReindexState>(kv, kvKeys.reindexState())) ?? {};
  if (state.cursor === undefined && state.completedAt !== undefined && now - state.completedAt < REINDEX_INTERVAL_SECONDS) return null;
  let report: ReindexReport;
  try {
    report = await reindex(db, kv, { cursor: state.cursor, budget });
  } catch (error) {
    if (!(error instanceof ApiError)) {
      // Storage trouble: try the same cursor next time, but not forever (a cursor KV no longer takes).
      const failures = (state.failures ?? 0) + 1;
      const next: ReindexState = failures >= FAILURES_BEFORE_RESTART ? {} : { ...state, failures };
      await putJson(kv, kvKeys.reindexState(), next, STATE_TTL_SECONDS).catch(() => {});
      throw error;
    }
    // A cursor of another version's steps (after a deploy): start the pass again.
    report = await reindex(db, kv, { budget });
  }
  const next: ReindexState = report.done ? { completedAt: now } : { cursor: report.cursor! };
  await putJson(kv, kvKeys.reindexState(), next, STATE_TTL_SECONDS);
  return report;
}
