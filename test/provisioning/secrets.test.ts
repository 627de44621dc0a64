/**
 * Issue #3, "secrets in, never out": pass codes and authentication codes are
 * stored as keyed hashes, work for authenticate, are kept when a PUT leaves
 * them out, and never appear in a GET, a PUT answer, an import report or a
 * log line.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { failingD1 } from "../bindings";
import { ADMIN, del, get, importLines, put } from "./admin-helpers";
import {
  byAuthCode,
  byCard,
  byMedium,
  byMediumAuthCode,
  credential,
  keyedHashOf,
  kvJson,
  mappingKey,
  outcomeOf,
  subscription,
  warm,
} from "./provision-helpers";

const SECRET_NAMES = ["pass_code", "authentication_code", "pass_code_hash", "authentication_code_hash", "password", "password_hash"];

async function expectNoSecrets(text: string, clear: string[]) {
  for (const value of clear) {
    expect(text).not.toContain(value);
    expect(text).not.toContain(await keyedHashOf("pass_code", value));
    expect(text).not.toContain(await keyedHashOf("authentication_code", value));
  }
  for (const name of SECRET_NAMES) expect(text).not.toContain(`"${name}"`);
}

describe.each([
  ["access-tokens", byCard, byAuthCode],
  ["customer-identification-mediums", byMedium, byMediumAuthCode],
] as const)("%s", (segment, byId, byCode) => {
  const customer = `C-S-${segment}`;
  const sub = `SUB-S-${segment}`;
  const ensureSubscription = () => put(`/subscriptions/${sub}`, subscription({ number: `S-${segment}`, customer_id: customer }));

  it("PUT with pass_code and authentication_code, then authenticate with them", async () => {
    await ensureSubscription();
    const r = await put(`/${segment}/S1`, credential({ identifier: `s1-${segment}`, pass_code: "p4ss-S1", authentication_code: `AC-S1-${segment}`, customer_id: customer }));
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 1 });
    expect(await outcomeOf(byId(`s1-${segment}`, "p4ss-S1"))).toBe(sub);
    expect(await outcomeOf(byCode(`AC-S1-${segment}`))).toBe(sub);
    expect(await outcomeOf(byId(`s1-${segment}`, "wrong"))).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byCode(`AC-S1-wrong`))).toBe("AUTHENTICATION_FAILED");
  });

  it("stores only keyed hashes in D1 and KV", async () => {
    await ensureSubscription();
    await put(`/${segment}/S2`, credential({ identifier: `s2-${segment}`, pass_code: "p4ss-S2", authentication_code: `AC-S2-${segment}`, customer_id: customer }));
    const table = segment === "access-tokens" ? "access_tokens" : "customer_identification_media";
    const row = await env.DB.prepare(`SELECT * FROM ${table} WHERE id = ?1`).bind("S2").first<Record<string, unknown>>();
    expect(row).toMatchObject({
      pass_code_hash: await keyedHashOf("pass_code", "p4ss-S2"),
      authentication_code_hash: await keyedHashOf("authentication_code", `AC-S2-${segment}`),
    });
    expect(JSON.stringify(row)).not.toContain("p4ss-S2");
    expect(JSON.stringify(row)).not.toContain(`AC-S2-${segment}`);
    await warm(byId(`s2-${segment}`, "p4ss-S2"));
    await warm(byCode(`AC-S2-${segment}`));
    const codeKey = await mappingKey(byCode(`AC-S2-${segment}`));
    expect(codeKey).not.toContain(`AC-S2-${segment}`);
    for (const key of [await mappingKey(byId(`s2-${segment}`, "p4ss-S2")), codeKey]) {
      const text = (await env.KV.get(key))!;
      expect(text).not.toContain("p4ss-S2");
      expect(text).not.toContain(`AC-S2-${segment}`);
    }
  });

  it("an update without pass_code / authentication_code keeps the stored ones (also once KV is warm)", async () => {
    await ensureSubscription();
    await put(`/${segment}/S3`, credential({ identifier: `s3-${segment}`, pass_code: "p4ss-S3", authentication_code: `AC-S3-${segment}`, customer_id: "C-2" }));
    expect(await warm(byId(`s3-${segment}`, "p4ss-S3"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
    const r = await put(`/${segment}/S3`, credential({ identifier: `s3-${segment}`, customer_id: customer, version: 2 }));
    expect(r.body.data.applied).toBe(true);
    expect(await outcomeOf(byId(`s3-${segment}`, "p4ss-S3"))).toBe(sub);
    expect(await outcomeOf(byCode(`AC-S3-${segment}`))).toBe(sub);
    expect((await kvJson(await mappingKey(byId(`s3-${segment}`, "p4ss-S3")))).pass_code_hash).toBe(await keyedHashOf("pass_code", "p4ss-S3"));
    // and from D1 alone
    await env.KV.delete(await mappingKey(byId(`s3-${segment}`, "p4ss-S3")));
    expect(await outcomeOf(byId(`s3-${segment}`, "p4ss-S3"))).toBe(sub);
    // an identifier change without the pass code keeps it too
    await put(`/${segment}/S3`, credential({ identifier: `s3b-${segment}`, customer_id: customer, version: 3 }));
    expect(await outcomeOf(byId(`s3b-${segment}`, "p4ss-S3"))).toBe(sub);
    // an explicit null clears it: nothing opens the identifier any more
    await put(`/${segment}/S3`, credential({ identifier: `s3b-${segment}`, pass_code: null, authentication_code: null, customer_id: customer, version: 4 }));
    expect(await outcomeOf(byId(`s3b-${segment}`, "p4ss-S3"))).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byCode(`AC-S3-${segment}`))).toBe("AUTHENTICATION_FAILED");
  });

  it("a re-created record (after a delete) does not inherit the old pass code", async () => {
    await ensureSubscription();
    await put(`/${segment}/S4`, credential({ identifier: `s4-${segment}`, pass_code: "p4ss-S4", customer_id: customer }));
    await del(`/${segment}/S4`, 2);
    await put(`/${segment}/S4`, credential({ identifier: `s4-${segment}`, customer_id: customer, version: 3 }));
    expect(await outcomeOf(byId(`s4-${segment}`, "p4ss-S4"))).toBe("AUTHENTICATION_FAILED");
  });

  it("GET, the PUT answer and the import report never contain the secrets nor their hashes", async () => {
    await ensureSubscription();
    const clear = ["p4ss-S5", `AC-S5-${segment}`];
    const r = await put(`/${segment}/S5`, credential({ identifier: `s5-${segment}`, pass_code: clear[0], authentication_code: clear[1], customer_id: customer }));
    await expectNoSecrets(JSON.stringify(r.body), clear);
    const g = await get(`/${segment}/S5`);
    expect(g.body.data).toEqual({ id: "S5", organisation: "DEMO", identifier: `s5-${segment}`, customer_id: customer, version: 1 });
    await expectNoSecrets(JSON.stringify(g.body), clear);
    const i = await importLines([
      { op: "upsert", kind: segment, id: "S5", organisation: "DEMO", identifier: `s5-${segment}`, pass_code: clear[0], authentication_code: clear[1], customer_id: customer, version: 2 },
      { op: "upsert", kind: segment, id: "S5-BAD", organisation: "DEMO", identifier: `s5-${segment}`, pass_code: clear[0], customer_id: customer, version: 1 },
      { op: "upsert", kind: segment, id: "S5-BAD2", organisation: "DEMO", pass_code: clear[0], authentication_code: clear[1], version: 1 },
    ]);
    expect(i.body.data.applied).toBe(1);
    expect(i.body.data.rejected).toHaveLength(2);
    await expectNoSecrets(JSON.stringify(i.body), clear);
  });
});

describe("secrets are never logged", () => {
  const spies: ReturnType<typeof vi.spyOn>[] = [];
  afterEach(() => {
    for (const spy of spies.splice(0)) spy.mockRestore();
  });
  const capture = () => {
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      spies.push(vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))));
    }
    return lines;
  };

  it("not on the success path, nor when D1 fails mid-write", async () => {
    const clear = ["p4ss-LOG", "AC-LOG", "password-LOG"];
    const lines = capture();
    await put("/access-tokens/AT-LOG", credential({ identifier: "card-LOG", pass_code: clear[0], authentication_code: clear[1] }));
    await put("/api-users/log-user", { organisation: "DEMO", unit: "HQ", password: clear[2], version: 1 });
    await importLines([{ op: "upsert", kind: "access-tokens", id: "AT-LOG2", organisation: "DEMO", pass_code: clear[0], customer_id: "C-NOPE-ORG", version: "x" }]);

    // the failing path does log: the spies must see it, and it must not hold the secrets
    const app = createApp();
    for (const [path, body] of [
      ["/access-tokens/AT-LOG3", credential({ identifier: "card-LOG3", pass_code: clear[0], authentication_code: clear[1] })],
      ["/api-users/log-user3", { organisation: "DEMO", unit: "HQ", password: clear[2], version: 1 }],
    ] as const) {
      const ctx = createExecutionContext();
      const request = new Request(`${ADMIN}${path}`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const response = await app.fetch(request, { ...env, DB: failingD1(env.DB) }, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(503);
      await expectNoSecrets(await response.text(), clear);
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      for (const value of clear) expect(line).not.toContain(value);
      expect(line).not.toContain(await keyedHashOf("pass_code", clear[0]!));
    }
  });
});
