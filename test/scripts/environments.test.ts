import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { checkEnvironments, envArgument, parseWranglerToml, placeholderIds, UsageError } from "../../scripts/lib/environments";

const config = parseWranglerToml(wranglerToml);
const names = config.environments.map((e) => e.name);

/** A minimal, valid wrangler.toml with the given extra text appended to the canary. */
function minimal(canaryExtra = "", canaryRoutes = 'routes = [{ pattern = "eu.auth.example.com/*", zone_name = "example.com" }]') {
  const env = (name: string, id: string, extra: string) => `
[env.${name}]
${extra}
[env.${name}.vars]
EDGE_ENV = "${name}"
[[env.${name}.kv_namespaces]]
binding = "KV"
id = "${id}"
[[env.${name}.d1_databases]]
binding = "DB"
database_name = "db"
database_id = "${id}"
[[env.${name}.durable_objects.bindings]]
name = "ATTEMPTS"
class_name = "AttemptCounter"
${name.startsWith("canary-") ? 'script_name = "w-production"' : ""}
[env.${name}.version_metadata]
binding = "CF_VERSION_METADATA"
`;
  return `name = "w"
[observability]
enabled = true
[vars]
EDGE_ENV = "local"
[[kv_namespaces]]
binding = "KV"
id = "0"
[[d1_databases]]
binding = "DB"
database_name = "db"
database_id = "0"
[[durable_objects.bindings]]
name = "ATTEMPTS"
class_name = "AttemptCounter"
[triggers]
crons = ["17 3 * * *"]
${env("staging", "s", "")}
${env("production", "p", 'routes = [{ pattern = "auth.example.com/*", zone_name = "example.com" }]')}
${env("canary-eu", "p", `${canaryRoutes}\ntriggers = { crons = [] }\n${canaryExtra}`)}`;
}

describe("wrangler.toml's environments", () => {
  it("has staging, production and a canary per region, and passes every check", () => {
    expect(names).toEqual(["staging", "production", "canary-eu", "canary-us", "canary-ap"]);
    expect(checkEnvironments(config)).toEqual([]);
  });

  it("routes each canary on its own hostname of the one production zone, on production's data, without a cron", () => {
    const production = config.environments.find((e) => e.name === "production")!;
    for (const region of ["eu", "us", "ap"]) {
      const canary = config.environments.find((e) => e.name === `canary-${region}`)!;
      expect(canary.workerName).toBe(`tucano-edge-auth-canary-${region}`);
      expect(canary.routes).toEqual([{ pattern: `${region}.auth.example.com/*`, zone_name: "example.com" }]);
      expect(canary.kvIds).toEqual(production.kvIds);
      expect(canary.d1Ids).toEqual(production.d1Ids);
      expect(canary.crons).toEqual([]);
    }
    expect(production.crons).toEqual(["*/10 * * * *"]);
  });

  it("staging has data of its own; every id is still a placeholder (nothing here needs an account)", () => {
    const staging = config.environments.find((e) => e.name === "staging")!;
    const production = config.environments.find((e) => e.name === "production")!;
    expect(staging.kvIds.KV).not.toBe(production.kvIds.KV);
    expect(staging.d1Ids.DB).not.toBe(production.d1Ids.DB);
    // Two ids each, plus the placeholder zone in every routed environment's routes.
    for (const env of config.environments) expect(placeholderIds(env)).toHaveLength(2 + env.routes.length);
    expect(placeholderIds({ ...staging, kvIds: { KV: "0f3a9c2b7d8e41a6b5c4d3e2f1a0b9c8" }, d1Ids: {} })).toEqual([]);
    const canary = config.environments.find((e) => e.name === "canary-eu")!;
    expect(placeholderIds({ ...canary, kvIds: {}, d1Ids: {} })).toEqual(["route eu.auth.example.com/*"]);
    expect(placeholderIds({ ...canary, kvIds: {}, d1Ids: {}, routes: [{ pattern: "eu.auth.tv.example.net/*", zone_name: "tv.example.net" }] })).toEqual([]);
    // A real zone whose name merely contains the placeholder's is not refused.
    for (const [pattern, zone_name] of [["auth.myexample.com/*", "myexample.com"], ["x.example.com.au/*", "example.com.au"]]) {
      expect(placeholderIds({ ...canary, kvIds: {}, d1Ids: {}, routes: [{ pattern: pattern!, zone_name: zone_name! }] })).toEqual([]);
    }
    expect(placeholderIds({ ...canary, kvIds: {}, d1Ids: {}, routes: [{ pattern: "https://EU.Example.com/*", zone_name: "tv.example.net" }] })).toHaveLength(1);
  });
});

describe("the environment checks", () => {
  it("accept a minimal valid configuration", () => {
    expect(checkEnvironments(parseWranglerToml(minimal()))).toEqual([]);
  });

  it("refuse a canary without a route", () => {
    expect(checkEnvironments(parseWranglerToml(minimal("", "")))).toEqual(["[env.canary-eu] is a canary without a route"]);
  });

  it("refuse an environment that does not repeat a binding or a var (wrangler does not inherit them)", () => {
    const text = minimal().replace(/\[\[env\.staging\.durable_objects\.bindings\]\]\nname = "ATTEMPTS"\nclass_name = "AttemptCounter"\n/, "");
    expect(checkEnvironments(parseWranglerToml(text))).toEqual([expect.stringMatching(/^\[env\.staging\] Durable Object bindings/)]);
    const noVersion = minimal().replace(/\[env\.staging\.version_metadata\]\nbinding = "CF_VERSION_METADATA"\n/, "");
    expect(checkEnvironments(parseWranglerToml(noVersion))).toEqual(["[env.staging] must bind version_metadata as CF_VERSION_METADATA"]);
    const noVar = minimal().replace('EDGE_ENV = "staging"', "");
    expect(checkEnvironments(parseWranglerToml(noVar))).toEqual([
      expect.stringMatching(/^\[env\.staging\] vars/),
      '[env.staging] must set vars.EDGE_ENV = "staging"',
    ]);
  });

  it("refuse a canary with a cron, on other data, or routes on two zones or shared by two environments", () => {
    const ownCounters = minimal().replace('script_name = "w-production"', "");
    expect(checkEnvironments(parseWranglerToml(ownCounters))).toEqual([
      '[env.canary-eu] is a canary whose ATTEMPTS is not production\'s (script_name = "w-production")',
    ]);
    const noLogs = minimal().replace("[observability]\nenabled = true", "[observability]\nenabled = false");
    expect(checkEnvironments(parseWranglerToml(noLogs))).toHaveLength(3);
    const cron = minimal().replace("triggers = { crons = [] }", "");
    expect(checkEnvironments(parseWranglerToml(cron))).toEqual([expect.stringMatching(/canary with a cron/)]);
    const otherData = minimal().replace(/id = "p"\n\[\[env\.canary-eu\.d1/, 'id = "q"\n[[env.canary-eu.d1');
    expect(checkEnvironments(parseWranglerToml(otherData))).toEqual([expect.stringMatching(/not production's/)]);
    const zones = minimal("", 'routes = [{ pattern = "eu.auth.example.org/*", zone_name = "example.org" }]');
    expect(checkEnvironments(parseWranglerToml(zones))).toEqual([expect.stringMatching(/several zones/)]);
    const twin = minimal("", 'routes = [{ pattern = "auth.example.com/*", zone_name = "example.com" }]');
    expect(checkEnvironments(parseWranglerToml(twin))).toEqual([expect.stringMatching(/in both \[env\.production\] and \[env\.canary-eu\]/)]);
  });
});

describe("--env for npm run deploy and db:migrate", () => {
  it("takes --env NAME or --env=NAME and passes the other arguments on", () => {
    expect(envArgument(["--env", "canary-us", "--dry-run"], config)).toMatchObject({ env: { name: "canary-us" }, rest: ["--dry-run"] });
    expect(envArgument(["--env=production"], config).env.name).toBe("production");
  });

  it("refuses to run without --env, or with an environment wrangler.toml does not have", () => {
    expect(() => envArgument([], config)).toThrow(UsageError);
    expect(() => envArgument(["--env"], config)).toThrow(/--env <name> is required \(one of: staging, production, canary-eu/);
    expect(() => envArgument(["--env", "prod"], config)).toThrow(/unknown environment "prod"/);
  });
});
