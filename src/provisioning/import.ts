import { IMPORT_BODY_LIMIT_BYTES, IMPORT_CHUNK_LINES, IMPORT_MAX_LINE_BYTES } from "../constants";
import { ApiError } from "../errors";
import { outboxSize } from "../store/records";
import { applyChanges, drainOutbox, type ProvisioningDeps } from "./apply";
import { parseImportLine, type Change } from "./parse-change";

export interface ImportReport {
  applied: number;
  stale: number;
  rejected: { line: number; code: string; message: string; description: string }[];
  /**
   * Present while KV keys still wait in the outbox (this call's KV budget ran
   * out, or an earlier call's did, or KV failed): how many. The next
   * provisioning call (an empty import will do) or the cron refreshes them.
   */
  pending?: number;
}

/**
 * Applies an NDJSON stream line by line, in chunks of IMPORT_CHUNK_LINES per
 * D1 batch, without ever holding the whole body. A bad line is reported with
 * its 1-based number and does not stop the others. A body that outgrows the
 * limit mid-stream ends with 413 after the chunks before it were applied;
 * resending is safe, since versions make every line idempotent.
 */
export async function importNdjson(deps: ProvisioningDeps, body: ReadableStream<Uint8Array> | null): Promise<ImportReport> {
  const report: ImportReport = { applied: 0, stale: 0, rejected: [] };
  let chunk: { line: number; change: Change }[] = [];

  const flush = async () => {
    if (chunk.length === 0) return;
    const outcomes = await applyChanges(deps, chunk.map((c) => c.change));
    outcomes.forEach((outcome, i) => {
      if ("error" in outcome) reject(chunk[i]!.line, outcome.error);
      else if (outcome.applied) report.applied++;
      else report.stale++;
    });
    chunk = [];
  };
  const reject = (line: number, error: ApiError) =>
    report.rejected.push({ line, code: error.code, message: error.message, description: error.description });

  let lineNumber = 0;
  for await (const text of lines(body)) {
    lineNumber++;
    if (text !== null && text.trim() === "") continue;
    try {
      chunk.push({ line: lineNumber, change: parseImportLine(parseLine(text)) });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      reject(lineNumber, error);
    }
    if (chunk.length >= IMPORT_CHUNK_LINES) await flush();
  }
  await flush();
  // An empty import only finishes what earlier calls left in the outbox.
  if (report.applied + report.stale + report.rejected.length === 0) await drainOutbox(deps);
  report.rejected.sort((a, b) => a.line - b.line);
  const pending = await outboxSize(deps.db);
  if (pending > 0) report.pending = pending;
  return report;
}

function parseLine(text: string | null): Record<string, unknown> {
  if (text === null) {
    throw new ApiError("PAYLOAD_TOO_LARGE", "", `A line is longer than ${IMPORT_MAX_LINE_BYTES} bytes.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError("MALFORMED_REQUEST", "", "The line is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ApiError("MALFORMED_REQUEST", "", "The line must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** The body's lines (UTF-8, LF or CRLF), read incrementally; null for a line too long to keep. */
async function* lines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string | null> {
  if (!body) return;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let total = 0;
  let pending = "";
  let skipping = false;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (value) {
      total += value.byteLength;
      if (total > IMPORT_BODY_LIMIT_BYTES) {
        await reader.cancel().catch(() => {});
        throw new ApiError("PAYLOAD_TOO_LARGE", "", `An import body is limited to ${IMPORT_BODY_LIMIT_BYTES} bytes.`);
      }
    }
    let text: string;
    try {
      text = decoder.decode(value, { stream: !done });
    } catch {
      throw new ApiError("MALFORMED_REQUEST", "", "The import body is not valid UTF-8.");
    }
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      const line = pending + text.slice(start, end);
      yield skipping || line.length > IMPORT_MAX_LINE_BYTES ? null : line.endsWith("\r") ? line.slice(0, -1) : line;
      pending = "";
      skipping = false;
      start = end + 1;
    }
    if (!skipping) {
      pending += text.slice(start);
      if (pending.length > IMPORT_MAX_LINE_BYTES) {
        pending = "";
        skipping = true;
      }
    }
    if (done) break;
  }
  if (skipping || pending.length > IMPORT_MAX_LINE_BYTES) yield null;
  else if (pending !== "") yield pending;
}
