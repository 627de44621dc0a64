import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { clearIsolateCaches } from "../../src/cache/isolate-caches";
import { counted, failing, failingD1 } from "../bindings";
import { AUTHENTICATE, RELEASE, loginToken, postJson } from "../helpers";

const app = createApp();

/** A binding whose every call never settles: only the storage timeouts end the request. */
function hanging<T extends object>(binding: T): T {
  return new Proxy(binding, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "prepare") return () => ({ bind: () => ({ all: () => new Promise(() => {}), first: () => new Promise(() => {}) }) });
      return () => new Promise(() => {});
    },
  });
}

async function authenticateWith(bindings: Partial<Cloudflare.Env>, payload: object) {
  const ctx = createExecutionContext();
  const request = new Request(AUTHENTICATE, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  const response = await app.fetch(request, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return { response, body: (await response.json()) as any };
}

const bySerial = (token: string) => ({ token, installed_item_identifier: { serial_number: "STB-0001" } });

describe("storage faults degrade, never lie", () => {
  it("KV throwing: answers from D1", async () => {
    const { response, body } = await authenticateWith({ KV: failing(env.KV, "throw") }, bySerial(await loginToken()));
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-1");
  });

  it("KV hanging: answers from D1 once KV's timeout passes", async () => {
    const started = Date.now();
    const { response, body } = await authenticateWith({ KV: hanging(env.KV) }, bySerial(await loginToken()));
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-1");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("D1 failing on a KV hit: still answers", async () => {
    const token = await loginToken();
    await authenticateWith({}, bySerial(token));
    const { response } = await authenticateWith({ DB: failingD1(env.DB) }, bySerial(token));
    expect(response.status).toBe(200);
  });

  it.each([
    ["both failing", () => ({ KV: failing(env.KV), DB: failingD1(env.DB) })],
    ["D1 failing on a miss", () => ({ DB: failingD1(env.DB) })],
    ["D1 hanging on a miss", () => ({ DB: hanging(env.DB) })],
  ])("%s: 503 SERVICE_UNAVAILABLE", async (_, bindings) => {
    const token = await loginToken();
    const { response, body } = await authenticateWith(bindings(), { token, installed_item_identifier: { id: "II-3" } });
    expect(response.status).toBe(503);
    expect(body).toEqual({ status: { code: "SERVICE_UNAVAILABLE", message: expect.any(String), description: "" }, data: null });
  });

  it("a failing deny-list read never lets a released token through", async () => {
    const token = await loginToken();
    expect((await postJson(RELEASE, { token })).response.status).toBe(200);
    // Another isolate, which has not seen the release: KV down, the D1 copy of the release answers.
    clearIsolateCaches();
    expect((await authenticateWith({ KV: failing(env.KV) }, bySerial(token))).body.status.code).toBe("INVALID_TOKEN");
    // KV and D1 down: no answer is possible, so no pass either.
    clearIsolateCaches();
    const { response } = await authenticateWith({ KV: failing(env.KV), DB: failingD1(env.DB) }, bySerial(token));
    expect(response.status).toBe(503);
  });

  it("release answers 503 (and the client retries) if KV cannot take the deny-list entry", async () => {
    const token = await loginToken();
    const ctx = createExecutionContext();
    const request = new Request(RELEASE, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
    const response = await app.fetch(request, { ...env, KV: failing(env.KV) }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
  });

  it("a successful authenticate asks no attempt counter", async () => {
    const attempts = counted(env.ATTEMPTS);
    const token = await loginToken();
    const payload = { token, access_token_identifier: { identifier: "card-0001", pass_code: "1234" }, subscription_type_identifier: { id: "T-BASIC" } };
    const { body } = await authenticateWith({ ATTEMPTS: attempts.binding }, payload);
    expect(body.data.subscription_id).toBe("SUB-1");
    expect(attempts.log.calls).toEqual([]);
  });
});
