import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../wrangler";
import type { CaseResult } from "./load";

/** The table on the terminal and the same numbers as JSON in bench/results/ (git-ignored). */

const RESULTS_DIR = join(ROOT, "bench", "results");

const COLUMNS: [title: string, cell: (r: CaseResult) => string][] = [
  ["case", (r) => r.name],
  ["req/s", (r) => r.reqPerSec.toFixed(1)],
  ["p50 ms", (r) => r.p50Ms.toFixed(2)],
  ["p99 ms", (r) => r.p99Ms.toFixed(2)],
  ["errors/non-2xx", (r) => `${r.errors}/${r.non2xx}${r.non2xx > 0 ? ` ${statusSummary(r)}` : ""}`],
  ["requests", (r) => String(r.requests)],
  ["s", (r) => r.seconds.toFixed(1)],
];

export function formatTable(results: CaseResult[]): string {
  const rows = [COLUMNS.map(([title]) => title), ...results.map((r) => COLUMNS.map(([, cell]) => cell(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** Non-2xx answers by status, e.g. "(404: 12)". */
function statusSummary(r: CaseResult): string {
  const codes = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith("2"));
  return `(${codes.map(([code, count]) => `${code}: ${count}`).join(", ")})`;
}

/** Case 2 over case 1: how close the hot path comes to the runtime's floor. */
export function throughputRatio(hot: CaseResult, baseline: CaseResult): number {
  return baseline.reqPerSec > 0 ? hot.reqPerSec / baseline.reqPerSec : Number.NaN;
}

export function ratioLine(ratio: number): string {
  return `authenticate/baseline throughput ratio: ${ratio.toFixed(2)}`;
}

/**
 * The signing floor over the baseline: the ratio authenticate could reach if
 * everything but its signature were free.
 */
export function signingFloorLine(ratio: number): string {
  return `signing-only/baseline throughput ratio: ${ratio.toFixed(2)} (the ceiling for authenticate)`;
}

/** Writes bench/results/<timestamp>.json; returns its path relative to the project root. */
export function writeResults(startedAt: Date, report: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return relative(ROOT, file);
}
