/**
 * `npm run bench [-- --duration S --rounds N --connections N --items N --warmup S]`
 * (issue #6): the worker's throughput and latency on its request paths,
 * measured against a no-op route of the same app as the baseline.
 *  1. builds the worker as a deploy does (wrangler deploy --dry-run);
 *  2. runs the bundle in workerd through Miniflare, in-memory storage, reached
 *     through a direct socket (shared/toolchain.md: anything in front of
 *     workerd would be what gets measured);
 *  3. applies the migrations, loads the demo data and N installed items;
 *  4. warms up, then loads each case with autocannon for S seconds in all,
 *     the repeatable cases taking turns in N rounds;
 *  5. prints the table, writes bench/results/<timestamp>.json, prints the
 *     signing floor (the baseline plus one jose signature, over the baseline)
 *     and ends with `authenticate/baseline throughput ratio: R`.
 * Exit status 1 when a hot-path case saw a non-2xx answer or a connection
 * error, or when anything failed; Miniflare is stopped in every case.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BASELINE_CASE, benchCases, DEMO_LOGIN, HOT_SERIAL_CASE, LOGIN_PATH, SIGN_ONLY_CASE, type BenchCase } from "./lib/bench/cases";
import { loadData } from "./lib/bench/data";
import { runSlice, summarize, type CaseResult, type Slice } from "./lib/bench/load";
import { formatTable, ratioLine, signingFloorLine, throughputRatio, writeResults } from "./lib/bench/report";
import { buildWorker, startWorker, type BenchWorker } from "./lib/bench/worker";

const DISPOSE_TIMEOUT_MS = 10_000;

const options = readOptions();
const startedAt = new Date();
const buildDir = mkdtempSync(join(tmpdir(), "bench-build-"));
let worker: BenchWorker | undefined;

// Ctrl-C mid-run must not leave workerd behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanUp().then(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  exitCode = await bench();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanUp();
}
// Exit explicitly: a socket autocannon left half-closed must not keep the process alive.
process.exit(exitCode);

async function bench(): Promise<number> {
  progress("building the worker (wrangler deploy --dry-run)");
  const script = buildWorker(buildDir);
  progress("starting workerd (Miniflare, direct socket)");
  worker = await startWorker(script);
  progress(`loading the schema, the demo data and ${options.items} installed items into D1`);
  await loadData(worker.mf, worker.secrets.CREDENTIAL_PEPPER, options.items);

  const token = await login(worker.url);
  const cases = benchCases(token, options.items);
  await preflight(worker.url, cases);

  const load = { baseUrl: worker.url, connections: options.connections };
  for (const benchCase of cases.filter((c) => c.warmUp && options.warmup > 0)) {
    progress(`warming up: ${benchCase.name} (${options.warmup} s)`);
    await runSlice(benchCase, { ...load, seconds: options.warmup });
  }
  // Repeatable cases take turns in short rounds, so that a machine that
  // speeds up or slows down mid-run (a shared 2-core VM does) moves the
  // baseline and the hot path alike and the ratio stays comparable. The cold
  // case cannot repeat its keys, so it runs once, for the whole duration.
  const slices = new Map<BenchCase, Slice[]>(cases.map((c) => [c, []]));
  const repeatable = cases.filter((c) => c.maxRequests === undefined);
  const roundSeconds = options.duration / options.rounds;
  for (let round = 1; round <= options.rounds; round++) {
    for (const benchCase of repeatable) {
      progress(`round ${round}/${options.rounds}: ${benchCase.name} (${roundSeconds} s, ${options.connections} connections)`);
      slices.get(benchCase)!.push(await runSlice(benchCase, { ...load, seconds: roundSeconds }));
    }
  }
  for (const benchCase of cases.filter((c) => c.maxRequests !== undefined)) {
    progress(`measuring: ${benchCase.name} (up to ${options.duration} s, ${options.connections} connections)`);
    slices.get(benchCase)!.push(await runSlice(benchCase, { ...load, seconds: options.duration }));
  }
  const results: CaseResult[] = cases.map((c) => summarize(c, slices.get(c)!));

  const ratio = throughputRatio(results[HOT_SERIAL_CASE]!, results[BASELINE_CASE]!);
  const signingFloor = throughputRatio(results[SIGN_ONLY_CASE]!, results[BASELINE_CASE]!);
  const failures = results
    .filter((r) => r.hotPath && (r.non2xx > 0 || r.errors > 0))
    .map((r) => `${r.name}: ${r.non2xx} non-2xx answers, ${r.errors} connection errors`);
  const others = results.filter((r) => !r.hotPath && (r.non2xx > 0 || r.errors > 0)).map((r) => r.name);
  const file = writeResults(startedAt, {
    startedAt: startedAt.toISOString(),
    options,
    machine: { node: process.version, cpus: cpus().length },
    cases: results,
    ratio: Number(ratio.toFixed(2)),
    signingFloorRatio: Number(signingFloor.toFixed(2)),
    failures,
    workerLog: { lines: worker.logs.lines, problems: worker.logs.problems },
  });

  console.log(`\n${formatTable(results)}\n`);
  console.log(`results: ${file}`);
  if (worker.logs.problems.length > 0) {
    console.error(`the worker logged warnings or errors (first ${worker.logs.problems.length} in ${file}):`);
    for (const line of worker.logs.problems.slice(0, 3)) console.error(`  ${line.slice(0, 300)}`);
  }
  if (others.length > 0) console.error(`note: non-2xx answers or errors in: ${others.join("; ")}`);
  for (const failure of failures) console.error(`FAIL (hot path): ${failure}`);
  console.log(signingFloorLine(signingFloor));
  // The last line, read by whoever compares runs.
  console.log(ratioLine(ratio));
  return failures.length > 0 ? 1 : 0;
}

/** A login token of the demo user, obtained once for every authenticate case. */
async function login(baseUrl: URL): Promise<string> {
  const response = await post(baseUrl, LOGIN_PATH, JSON.stringify(DEMO_LOGIN));
  const text = await response.text();
  if (!response.ok) throw new Error(`login answered ${response.status}: ${text}`);
  const token = (JSON.parse(text) as { data?: { token?: unknown } }).data?.token;
  if (typeof token !== "string") throw new Error(`login answered no token: ${text}`);
  return token;
}

/**
 * One request of each repeatable case before any load, so that a broken set-up
 * (a wrong body, a missing binding) stops the run with the worker's answer
 * rather than as thousands of anonymous non-2xx counts.
 */
async function preflight(baseUrl: URL, cases: BenchCase[]) {
  for (const benchCase of cases.filter((c) => c.bodyFor === undefined)) {
    const response =
      benchCase.method === "GET"
        ? await fetch(new URL(benchCase.path, baseUrl))
        : await post(baseUrl, benchCase.path, benchCase.body ?? "");
    const text = await response.text();
    if (!response.ok) throw new Error(`${benchCase.name}: answered ${response.status}: ${text}`);
  }
}

function post(baseUrl: URL, path: string, body: string): Promise<Response> {
  return fetch(new URL(path, baseUrl), { method: "POST", headers: { "content-type": "application/json" }, body });
}

async function cleanUp() {
  const running = worker;
  worker = undefined;
  if (running) {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, DISPOSE_TIMEOUT_MS).unref());
    await Promise.race([running.mf.dispose().catch((error: unknown) => console.error("Miniflare dispose failed:", error)), timeout]);
  }
  rmSync(buildDir, { recursive: true, force: true });
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "10" },
      items: { type: "string", default: "20000" },
      warmup: { type: "string", default: "2" },
      rounds: { type: "string", default: "5" },
    },
  });
  const number = (name: keyof typeof values, min: number) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min) {
      console.error(`--${name} must be a number >= ${min} (got ${values[name]})`);
      process.exit(2);
    }
    return value;
  };
  const connections = Math.floor(number("connections", 1));
  // autocannon shares the cold case's request bound among the connections:
  // one left with a share of 0 would have no bound at all and repeat keys.
  const items = Math.floor(number("items", connections));
  const duration = number("duration", 1);
  const rounds = Math.floor(number("rounds", 1));
  // autocannon counts whole seconds: a round shorter than one would not stop on time.
  if (duration / rounds < 1) {
    console.error(`--duration / --rounds must be at least 1 s (got ${duration} / ${rounds})`);
    process.exit(2);
  }
  return { duration, connections, items, warmup: number("warmup", 0), rounds };
}

function progress(message: string) {
  console.error(`[bench] ${message}`);
}
