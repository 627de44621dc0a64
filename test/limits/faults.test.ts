import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
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
    // A fresh isolate: the mapping and the deny-list's answer come from KV, not memory.
    clearIsolateCaches();
    const { response, body } = await authenticateWith({ DB: failingD1(env.DB) }, bySerial(token));
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-1");
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

  it("a release retried while KV is down is finished once KV is back: the token is never let through again", async () => {
    const token = await loginToken();
    const release = async (kv: KVNamespace) => {
      const ctx = createExecutionContext();
      const request = new Request(RELEASE, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
      const response = await app.fetch(request, { ...env, KV: kv }, ctx);
      await waitOnExecutionContext(ctx);
      return { response, body: (await response.json()) as any };
    };
    // D1 took the release, KV did not.
    expect((await release(failing(env.KV))).response.status).toBe(503);
    // The retry reads D1 (KV still down): it must not answer "already released" before KV has it.
    clearIsolateCaches();
    expect((await release(failing(env.KV))).response.status).toBe(503);
    // KV is back (and still without the entry): the retry completes the release in both copies.
    clearIsolateCaches();
    expect((await release(env.KV)).body.status.code).toBe("OK");
    expect(await env.KV.get(`deny:${decodeJwt(token).jti}`)).not.toBeNull();
    clearIsolateCaches();
    expect((await authenticateWith({}, bySerial(token))).body.status.code).toBe("INVALID_TOKEN");
  });

  it("KV down when a pass code locks its identifier: the locking attempt is still 401, the next 429", async () => {
    const token = await loginToken();
    const medium = (pass_code: string) => ({ token, customer_identification_medium_identifier: { identifier: "medium-0003", pass_code } });
    for (let i = 0; i < 5; i++) {
      const { response, body } = await authenticateWith({ KV: failing(env.KV) }, medium(`000${i}`));
      expect(response.status).toBe(401);
      expect(body.status.code).toBe("AUTHENTICATION_FAILED");
    }
    // KV cannot tell the lock: the counter itself refuses, even the right pass code.
    clearIsolateCaches();
    const { response, body } = await authenticateWith({ KV: failing(env.KV) }, medium("9999"));
    expect(response.status).toBe(429);
    expect(body.status.code).toBe("RATE_LIMITED");
  });

  it("an attempt counter that hangs or fails: 503 on a wrong pass code, never a pass", async () => {
    const token = await loginToken();
    const wrong = { token, access_token_identifier: { identifier: "card-7777", pass_code: "0000" } };
    // The namespace works; the object itself fails or never answers (an overloaded or unreachable DO).
    const stubbed = (call: () => Promise<never>) =>
      ({ idFromName: (name: string) => env.ATTEMPTS.idFromName(name), get: () => ({ fail: call, status: call }) }) as unknown as typeof env.ATTEMPTS;
    const failingCounter = stubbed(() => Promise.reject(new Error("simulated DO failure")));
    const hangingCounter = stubbed(() => new Promise<never>(() => {}));
    for (const attempts of [failingCounter, hangingCounter]) {
      const { response, body } = await authenticateWith({ ATTEMPTS: attempts }, wrong);
      expect(response.status).toBe(503);
      expect(body.status.code).toBe("SERVICE_UNAVAILABLE");
    }
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
