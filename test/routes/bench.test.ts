import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

/** What the bench's build sees: BENCH_NOOP=1 (scripts/lib/bench/worker.ts). */
async function benchCall(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(new Request(`http://edge.test${path}`, init), { ...env, BENCH_NOOP: "1" }, ctx);
  await waitOnExecutionContext(ctx);
  return { response, body: (await response.json()) as { status: { code: string }; data: any } };
}

const body = JSON.stringify({ token: "t", installed_item_identifier: { serial_number: "STB-0001" } });

// Without BENCH_NOOP they are unknown: test/app.test.ts, "routing".
describe("the bench's reference routes", () => {
  it("the no-op route answers an empty envelope to GET and to POST", async () => {
    for (const init of [{}, { method: "POST", body }]) {
      const { response, body: envelope } = await benchCall("/__bench/noop", init);
      expect(response.status).toBe(200);
      expect(envelope).toMatchObject({ status: { code: "OK" }, data: {} });
    }
  });

  it("the signing floor signs a fresh subscriber JWT with the service's own key", async () => {
    const { response, body: envelope } = await benchCall("/__bench/sign", { method: "POST", body });
    expect(response.status).toBe(200);
    const jwt = envelope.data.jwt as string;
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "HS256", typ: "JWT" });
    const { payload } = await jwtVerify(jwt, new TextEncoder().encode(env.TUCANO_JWT_SECRET), { algorithms: ["HS256"] });
    expect(payload).toMatchObject({ userid: "bench", apip: "127.0.0.1" });
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
  });
});
