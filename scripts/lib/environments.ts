/**
 * The deployment environments of wrangler.toml, read with a TOML parser and
 * checked without a Cloudflare account. Pure functions (no file or process
 * access), so the tests can run them on configurations made up for them.
 *
 * wrangler inherits some keys into `[env.X]` (observability, triggers,
 * migrations) but not bindings or vars; a binding left out of one
 * environment would only show up in that environment, at run time. Hence
 * the checks below.
 */
import { parse } from "smol-toml";

type Table = Record<string, unknown>;

export interface Route {
  pattern: string;
  zone_name?: string;
}

export interface Environment {
  /** `[env.<name>]`, as given to `--env`. */
  name: string;
  /** The Worker wrangler deploys: `<top-level name>-<env>` unless the env names it. */
  workerName: string;
  routes: Route[];
  crons: string[];
  vars: Record<string, unknown>;
  kvIds: Record<string, string>;
  d1Ids: Record<string, string>;
  durableObjects: string[];
  /** Durable Object bindings that use another Worker's class: binding -> that Worker's name. */
  durableObjectScripts: Record<string, string>;
  /** Workers Logs (`[observability] enabled`, inherited from the top level). */
  observability: boolean;
  /** The `version_metadata` binding's name, if any. */
  versionMetadata?: string;
}

export interface WranglerConfig {
  name: string;
  /** The top level: local development and the tests. */
  top: Environment;
  environments: Environment[];
}

/** Environments whose name starts with this take a share of production's traffic in one region. */
export const CANARY_PREFIX = "canary-";
export const PRODUCTION = "production";
/** What the worker reads the deployed version from (src/config.ts); deployed environments only. */
export const VERSION_METADATA_BINDING = "CF_VERSION_METADATA";
/** The failed-attempt counters, which canaries share with production. */
export const ATTEMPTS_BINDING = "ATTEMPTS";

/** The zone wrangler.toml's routes are written for, until operators replace it with theirs. */
export const PLACEHOLDER_ZONE = "example.com";

/** Ids that are placeholders to replace before a real deployment: a single repeated hex digit. */
const PLACEHOLDER_ID = /^([0-9a-f])\1{7}-?(\1{4}-?){3}\1{12}$/i;

export function parseWranglerToml(text: string): WranglerConfig {
  const raw = parse(text) as Table;
  const name = String(raw.name ?? "");
  const envTables = (raw.env ?? {}) as Record<string, Table>;
  return {
    name,
    top: environment("", name, raw, raw),
    environments: Object.entries(envTables).map(([env, table]) => environment(env, name, table, raw)),
  };
}

function environment(env: string, topName: string, table: Table, top: Table): Environment {
  const inherited = (key: string) => (table[key] ?? top[key]) as unknown;
  const list = (value: unknown) => (Array.isArray(value) ? (value as Table[]) : []);
  const triggers = (inherited("triggers") ?? {}) as { crons?: string[] };
  const durable = (table.durable_objects ?? {}) as { bindings?: Table[] };
  const versionMetadata = (table.version_metadata as Table | undefined)?.binding;
  return {
    name: env,
    workerName: typeof table.name === "string" && env ? table.name : env ? `${topName}-${env}` : topName,
    routes: list(inherited("routes")).map((r) => ({ pattern: String(r.pattern), ...(r.zone_name ? { zone_name: String(r.zone_name) } : {}) })),
    crons: triggers.crons ?? [],
    vars: (table.vars ?? {}) as Record<string, unknown>,
    kvIds: Object.fromEntries(list(table.kv_namespaces).map((b) => [String(b.binding), String(b.id)])),
    d1Ids: Object.fromEntries(list(table.d1_databases).map((b) => [String(b.binding), String(b.database_id)])),
    durableObjects: list(durable.bindings).map((b) => String(b.name)),
    durableObjectScripts: Object.fromEntries(
      list(durable.bindings).filter((b) => typeof b.script_name === "string").map((b) => [String(b.name), String(b.script_name)]),
    ),
    observability: (inherited("observability") as { enabled?: unknown } | undefined)?.enabled === true,
    ...(versionMetadata ? { versionMetadata: String(versionMetadata) } : {}),
  };
}

export const isCanary = (env: Environment) => env.name.startsWith(CANARY_PREFIX);

/** What is wrong with the environments, as sentences; empty when all is well. */
export function checkEnvironments(config: WranglerConfig): string[] {
  const failures: string[] = [];
  const { top, environments } = config;
  const production = environments.find((e) => e.name === PRODUCTION);
  if (!environments.some((e) => e.name === "staging")) failures.push("there is no [env.staging]");
  if (!production) failures.push(`there is no [env.${PRODUCTION}]`);
  if (!environments.some(isCanary)) failures.push(`there is no canary environment ([env.${CANARY_PREFIX}<region>])`);

  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  const names = (r: Record<string, unknown>) => Object.keys(r).sort();
  for (const env of environments) {
    const at = `[env.${env.name}]`;
    if (!same(names(env.kvIds), names(top.kvIds))) failures.push(`${at} KV bindings ${names(env.kvIds)} differ from the top level's ${names(top.kvIds)}`);
    if (!same(names(env.d1Ids), names(top.d1Ids))) failures.push(`${at} D1 bindings ${names(env.d1Ids)} differ from the top level's ${names(top.d1Ids)}`);
    if (!same([...env.durableObjects].sort(), [...top.durableObjects].sort())) {
      failures.push(`${at} Durable Object bindings ${env.durableObjects} differ from the top level's ${top.durableObjects}`);
    }
    if (!same(names(env.vars), names(top.vars))) failures.push(`${at} vars ${names(env.vars)} differ from the top level's ${names(top.vars)}`);
    if (env.vars.EDGE_ENV !== env.name) failures.push(`${at} must set vars.EDGE_ENV = "${env.name}"`);
    if (env.versionMetadata !== VERSION_METADATA_BINDING) failures.push(`${at} must bind version_metadata as ${VERSION_METADATA_BINDING}`);
    if (!env.observability) failures.push(`${at} has Workers Logs off ([observability] enabled = true)`);
    if (!isCanary(env)) continue;
    // One counter per subject across production and its canaries, or each Worker would allow its own guesses.
    if (production && env.durableObjectScripts[ATTEMPTS_BINDING] !== production.workerName) {
      failures.push(`${at} is a canary whose ${ATTEMPTS_BINDING} is not production's (script_name = "${production.workerName}")`);
    }
    if (env.routes.length === 0) failures.push(`${at} is a canary without a route`);
    if (env.crons.length > 0) failures.push(`${at} is a canary with a cron: production's already runs on the same data`);
    if (production && (!sameIds(env.kvIds, production.kvIds) || !sameIds(env.d1Ids, production.d1Ids))) {
      failures.push(`${at} is a canary whose KV or D1 ids are not production's`);
    }
  }

  const routes = environments.flatMap((env) => env.routes.map((route) => ({ env: env.name, ...route })));
  const zones = new Set(routes.map((r) => r.zone_name ?? "(none)"));
  if (zones.size > 1) failures.push(`routes name several zones (${[...zones].join(", ")}); they all belong on the one production zone`);
  for (const [i, route] of routes.entries()) {
    const twin = routes.slice(0, i).find((r) => r.pattern === route.pattern);
    if (twin) failures.push(`route ${route.pattern} is in both [env.${twin.env}] and [env.${route.env}]`);
  }
  return failures;
}

function sameIds(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The KV and D1 ids of an environment that are still placeholders. */
export function placeholderIds(env: Environment): string[] {
  const ids = [...Object.entries(env.kvIds).map(([b, id]) => [`KV ${b}`, id]), ...Object.entries(env.d1Ids).map(([b, id]) => [`D1 ${b}`, id])]
    .filter(([, id]) => PLACEHOLDER_ID.test(id!))
    .map(([what, id]) => `${what} = ${id}`);
  // The zone is the other placeholder: a route on it would deploy to somebody else's domain.
  const routes = env.routes.filter((r) => r.zone_name === PLACEHOLDER_ZONE || onPlaceholderZone(r.pattern)).map((r) => `route ${r.pattern}`);
  return [...ids, ...routes];
}

/** A route pattern's host is the placeholder zone or one of its subdomains (not merely containing its name). */
function onPlaceholderZone(pattern: string): boolean {
  const host = pattern.replace(/^[a-z]+:\/\//i, "").split("/", 1)[0]!.split(":", 1)[0]!.toLowerCase();
  return host === PLACEHOLDER_ZONE || host.endsWith(`.${PLACEHOLDER_ZONE}`);
}

export class UsageError extends Error {}

/**
 * `--env <name>` (or `--env=<name>`) among the arguments; the others are
 * passed on to wrangler. Refuses a missing or unknown environment: the top
 * level is local development and is never deployed.
 */
export function envArgument(argv: readonly string[], config: WranglerConfig): { env: Environment; rest: string[] } {
  const rest: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--env" || arg === "-e") name = argv[++i];
    else if (arg.startsWith("--env=")) name = arg.slice("--env=".length);
    else rest.push(arg);
  }
  const known = config.environments.map((e) => e.name).join(", ");
  if (!name) throw new UsageError(`--env <name> is required (one of: ${known})`);
  const env = config.environments.find((e) => e.name === name);
  if (!env) throw new UsageError(`unknown environment "${name}" (one of: ${known})`);
  return { env, rest };
}
