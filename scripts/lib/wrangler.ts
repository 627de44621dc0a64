import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root, whatever the working directory. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

/** Nothing outside loopback is reachable here: no telemetry, no request.cf fetch. */
export const OFFLINE_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/** Runs wrangler to completion (stdin closed, so it never waits on a prompt); throws on failure. */
export function runWrangler(args: string[], options: { quiet?: boolean } = {}): string {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: OFFLINE_ENV,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`wrangler ${args.join(" ")} failed (exit ${result.status})`);
  }
  if (!options.quiet) process.stdout.write(result.stdout);
  return result.stdout;
}

export function spawnWrangler(args: string[], options: { quiet?: boolean } = {}): ChildProcess {
  const output = options.quiet ? "ignore" : "inherit";
  return spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: OFFLINE_ENV, stdio: ["ignore", output, output] });
}

/** Runs wrangler without blocking, so that several builds can share the cores; never throws. */
export function runWranglerAsync(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: OFFLINE_ENV, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.on("error", (error) => done({ status: null, output: output + String(error) }));
    child.on("close", (status) => done({ status, output }));
  });
}

/** Runs wrangler in the foreground, attached to this terminal (it may prompt or open a login); returns its exit status. */
export function execWrangler(args: string[]): number {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: OFFLINE_ENV, stdio: "inherit" });
  return result.status ?? 1;
}
