import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import type { BenchCase } from "./cases";

/**
 * Runs a case with autocannon from this process against the direct socket,
 * bounded by time (and by a request count where the case has one), in one
 * or more slices whose numbers are then summed.
 */

export interface CaseResult {
  name: string;
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  hotPath: boolean;
}

export interface LoadOptions {
  baseUrl: URL;
  connections: number;
  seconds: number;
}

/** One uninterrupted stretch of load on one case. */
export interface Slice {
  latencies: number[];
  seconds: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export async function runSlice(benchCase: BenchCase, options: LoadOptions): Promise<Slice> {
  // Latencies are kept here rather than read from autocannon's histogram,
  // which stores whole milliseconds: too coarse for sub-millisecond answers.
  const latencies: number[] = [];
  let lastResponse = 0;
  let sent = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: new URL(benchCase.path, options.baseUrl).href,
        connections: options.connections,
        duration: options.seconds,
        method: benchCase.method,
        headers: benchCase.method === "POST" ? { "content-type": "application/json" } : {},
        ...(benchCase.body === undefined ? {} : { body: benchCase.body }),
        ...(benchCase.maxRequests === undefined ? {} : { maxOverallRequests: benchCase.maxRequests }),
        ...(benchCase.bodyFor === undefined
          ? {}
          : {
              requests: [
                {
                  setupRequest: (request: autocannon.Request) => {
                    request.body = benchCase.bodyFor!(sent++);
                    return request;
                  },
                },
              ],
            }),
      },
      (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponse = performance.now();
    });
  });
  if (benchCase.maxRequests !== undefined && sent > benchCase.maxRequests) {
    throw new Error(`${benchCase.name}: sent ${sent} requests for ${benchCase.maxRequests} distinct bodies`);
  }
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
  return {
    latencies,
    // autocannon ends a run on its next one-second tick, so its own duration
    // can overstate a run that stopped early (the cold case's request bound):
    // throughput is counted up to the last answer instead.
    seconds: Math.max(lastResponse - started, 1) / 1000,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

/** A case's slices (its rounds) as one result: throughput over their summed time, percentiles over every answer. */
export function summarize(benchCase: BenchCase, slices: readonly Slice[]): CaseResult {
  const latencies = slices.flatMap((slice) => slice.latencies);
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const slice of slices) {
    for (const [code, count] of Object.entries(slice.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const total = (field: "errors" | "timeouts" | "non2xx") => slices.reduce((sum, slice) => sum + slice[field], 0);
  return {
    name: benchCase.name,
    requests: latencies.length,
    seconds: round(seconds, 2),
    reqPerSec: round(seconds > 0 ? latencies.length / seconds : 0, 1),
    p50Ms: round(percentile(sorted, 50), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    errors: total("errors"),
    timeouts: total("timeouts"),
    non2xx: total("non2xx"),
    statusCodes,
    hotPath: benchCase.hotPath,
  };
}

/** Nearest-rank percentile of sorted values (NaN when there are none). */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]!;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
