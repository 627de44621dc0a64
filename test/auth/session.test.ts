import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ISOLATE_CACHE } from "../../src/constants";
import { authenticate, loginToken, postJson, RELEASE } from "../helpers";

// Date only: the storage timeouts keep real timers.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.UTC(2027, 5, 1));
});
afterEach(() => vi.useRealTimers());

const bySerial = (token: string) => ({ token, installed_item_identifier: { serial_number: "STB-0001" } });

describe("the revocation window of the isolate cache", () => {
  it("the releasing isolate refuses the token at once, though it had cached it as valid", async () => {
    const token = await loginToken();
    expect((await authenticate(bySerial(token))).response.status).toBe(200);
    expect((await postJson(RELEASE, { token })).response.status).toBe(200);
    expect((await authenticate(bySerial(token))).body.status.code).toBe("INVALID_TOKEN");
  });

  it("a release made elsewhere (only in KV) holds here once the cached verdict has expired", async () => {
    const token = await loginToken();
    expect((await authenticate(bySerial(token))).response.status).toBe(200);
    // Another isolate or data centre released it: this isolate only sees KV.
    await env.KV.put(`deny:${decodeJwt(token).jti}`, "1");
    // Within the documented window the cached "not released" still answers...
    vi.setSystemTime(Date.now() + ISOLATE_CACHE.revocationTtlMs - 1);
    expect((await authenticate(bySerial(token))).response.status).toBe(200);
    // ...and no longer.
    vi.setSystemTime(Date.now() + 1);
    const { response, body } = await authenticate(bySerial(token));
    expect(response.status).toBe(401);
    expect(body.status.code).toBe("INVALID_TOKEN");
  });

  it("a logout asks the stores, not the cache: one released elsewhere is 401 at once, with no write", async () => {
    const token = await loginToken();
    expect((await authenticate(bySerial(token))).response.status).toBe(200);
    await env.KV.put(`deny:${decodeJwt(token).jti}`, "1");
    const kvPut = vi.spyOn(env.KV, "put");
    const { response, body } = await postJson(RELEASE, { token });
    expect(response.status).toBe(401);
    expect(body.status.code).toBe("INVALID_TOKEN");
    expect(kvPut).not.toHaveBeenCalled();
  });
});
