import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { parse } from "smol-toml";
import { freshSecrets, type Secrets } from "../secrets";
import { ROOT, runWrangler } from "../wrangler";

/**
 * The worker under load: production's bundle (wrangler's own build), run in
 * workerd by Miniflare with in-memory storage, and reached through a direct
 * socket so that no Node proxy sits between the load and workerd
 * (shared/toolchain.md, "Measuring throughput locally").
 */

/** The environment whose build is measured: what `npm run deploy -- --env production` uploads. */
const BUILD_ENV = "production";
const HOST = "127.0.0.1";
/** Worker warnings and errors kept for the report; the rest of its output is only counted. */
const MAX_KEPT_LOG_LINES = 20;

export interface WorkerLogs {
  lines: number;
  /** The first warn/error lines (the worker logs one JSON line per request). */
  problems: string[];
}

export interface BenchWorker {
  mf: Miniflare;
  url: URL;
  secrets: Secrets;
  logs: WorkerLogs;
}

/** Builds the worker into outDir exactly as a deploy would (without uploading); returns the entry module. */
export function buildWorker(outDir: string): string {
  runWrangler(["deploy", "--dry-run", "--env", BUILD_ENV, "--outdir", outDir], { quiet: true });
  return join(outDir, "index.js");
}

/**
 * Starts the built script with the bindings wrangler.toml gives it: the
 * production environment's vars, fresh random secrets (nothing is read from
 * .dev.vars) and BENCH_NOOP for the baseline route. KV, D1 and the Durable
 * Object live in memory: the dev server's .wrangler/state is never touched.
 */
export async function startWorker(scriptPath: string): Promise<BenchWorker> {
  const config = parse(readFileSync(join(ROOT, "wrangler.toml"), "utf8")) as {
    compatibility_date: string;
    env: Record<string, { vars?: Record<string, string> }>;
  };
  const secrets = freshSecrets();
  const logs: WorkerLogs = { lines: 0, problems: [] };
  const port = await freePort();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // Module names are paths from this root; the default (the working
    // directory) cannot reach a bundle in the temporary folder.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: config.compatibility_date,
    kvNamespaces: ["KV"],
    d1Databases: ["DB"],
    // wrangler.toml declares AttemptCounter under new_sqlite_classes.
    durableObjects: { ATTEMPTS: { className: "AttemptCounter", useSQLite: true } },
    bindings: { ...config.env[BUILD_ENV]?.vars, ...secrets, BENCH_NOOP: "1" },
    unsafeDirectSockets: [{ host: HOST, port }],
    // Offline machine: no request.cf download, no telemetry.
    cf: false,
    telemetry: { enabled: false },
    logRequests: false,
    // One log line per request would flood the terminal (and a pipe nobody
    // reads would stall workerd): drain it, keeping only the problems.
    handleRuntimeStdio: (stdout, stderr) => {
      drainLines(stdout, logs);
      drainLines(stderr, logs);
    },
  });
  try {
    await mf.ready;
    return { mf, url: await mf.unsafeGetDirectURL(), secrets, logs };
  } catch (error) {
    await mf.dispose().catch(() => {});
    // The runtime's reason is in its output, which the handler above swallowed.
    throw new Error(`workerd did not start:\n${logs.problems.join("\n")}`, { cause: error });
  }
}

function drainLines(stream: Readable, logs: WorkerLogs) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      logs.lines++;
      if (logs.problems.length < MAX_KEPT_LOG_LINES && !line.includes('"level":"info"') && line.trim() !== "") {
        logs.problems.push(line);
      }
    }
  });
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
