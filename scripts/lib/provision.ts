import { readRecords, type FileRecord } from "./records-file";

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const RETRIES = 3;
/** Empty imports sent at most to drain pending KV keys (each refreshes up to 500). */
const MAX_DRAINS = 1000;

export interface Totals {
  lines: number;
  /** Requests sent again after a 503 or a network error. */
  retries: number;
  applied: number;
  stale: number;
  rejected: { line: number; code: string; message: string; description: string }[];
  /** KV keys the last call left in the outbox (0 once the CLI has drained them). */
  pending: number;
}

/** Sends the file to POST /admin/v1/import in requests of `linesPerRequest` lines. */
export async function provision(options: {
  file: string;
  url: string;
  format: "ndjson" | "csv";
  linesPerRequest: number;
  token: string;
  progress?: (totals: Totals) => void;
}): Promise<Totals> {
  const totals: Totals = { lines: 0, retries: 0, applied: 0, stale: 0, rejected: [], pending: 0 };
  let batch: FileRecord[] = [];
  let bytes = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const report = await postImport(options.url, options.token, batch.map((r) => r.json).join("\n"), () => totals.retries++);
    totals.lines += batch.length;
    totals.applied += report.applied;
    totals.stale += report.stale;
    totals.pending = report.pending ?? 0;
    for (const rejected of report.rejected) totals.rejected.push({ ...rejected, line: batch[rejected.line - 1]?.line ?? -1 });
    options.progress?.(totals);
    batch = [];
    bytes = 0;
  };
  for await (const record of readRecords(options.file, options.format)) {
    if (batch.length >= options.linesPerRequest || bytes + record.json.length > MAX_REQUEST_BYTES) await send();
    batch.push(record);
    bytes += record.json.length + 1;
  }
  await send();
  // A call that ran out of KV operations left keys in the outbox: empty imports finish them.
  for (let drains = 0; totals.pending > 0 && drains < MAX_DRAINS; drains++) {
    const before = totals.pending;
    const report = await postImport(options.url, options.token, "", () => totals.retries++);
    totals.pending = report.pending ?? 0;
    options.progress?.(totals);
    if (totals.pending >= before) break; // no progress: the cron will finish them
  }
  return totals;
}

/** One import request: an empty body drains the outbox. */
function postImport(url: string, token: string, body: string, onRetry: () => void) {
  return postAdmin<Omit<Totals, "lines">>(url, token, "import", "/admin/v1/import", body, onRetry);
}

/**
 * One admin request; retried on 503 and network errors, which is safe:
 * versions make an import idempotent, and a reindex slice only rewrites
 * KV from D1.
 */
async function postAdmin<T>(url: string, token: string, label: string, path: string, body: string | undefined, onRetry: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/x-ndjson" }) },
        body,
      });
      const envelope = (await response.json()) as { status: { code: string; message: string }; data: any };
      if (response.ok) return envelope.data as T;
      if (response.status !== 503 || attempt >= RETRIES) {
        // Not worth a retry (or retried enough): report it.
        throw new Error(`${label} failed: HTTP ${response.status} ${envelope.status.code}: ${envelope.status.message}`);
      }
    } catch (error) {
      if (attempt >= RETRIES || (error instanceof Error && error.message.startsWith(`${label} failed`))) throw error;
      process.stderr.write(`\nrequest failed (${error instanceof Error ? error.message : String(error)}); retrying\n`);
    }
    onRetry();
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

export interface ReindexTotals {
  slices: number;
  keys: number;
  written: number;
  unchanged: number;
  deleted: number;
}

/** POST /admin/v1/reindex slice after slice, following each answer's cursor, until done. */
export async function reindexAll(url: string, token: string, progress?: (totals: ReindexTotals) => void): Promise<ReindexTotals> {
  const totals: ReindexTotals = { slices: 0, keys: 0, written: 0, unchanged: 0, deleted: 0 };
  let cursor: string | undefined;
  for (;;) {
    const query = cursor === undefined ? "" : `?cursor=${encodeURIComponent(cursor)}`;
    const slice = await postAdmin<ReindexTotals & { done: boolean; cursor?: string }>(url, token, "reindex", `/admin/v1/reindex${query}`, undefined, () => {});
    totals.slices++;
    for (const count of ["keys", "written", "unchanged", "deleted"] as const) totals[count] += slice[count];
    progress?.(totals);
    if (slice.done) return totals;
    if (typeof slice.cursor !== "string") throw new Error("reindex failed: a slice answered neither done nor a cursor");
    cursor = slice.cursor;
  }
}
