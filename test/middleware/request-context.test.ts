import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { authenticate, loginToken } from "../helpers";

afterEach(() => vi.restoreAllMocks());

describe("what every answer carries, and the request log line", () => {
  it("security headers, environment, Server-Timing with the storage and signing phases, one log line", async () => {
    const token = await loginToken();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const { response } = await authenticate(
      { token, installed_item_identifier: { serial_number: "STB-0001" } },
      { "X-Request-Id": "req-42" },
    );
    expect(response.status).toBe(200);
    const headers = response.headers;
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(headers.get("X-Frame-Options")).toBe("DENY");
    expect(headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(headers.get("Server")).toBeNull();
    expect(headers.get("X-Edge-Env")).toBe("local");
    expect(headers.get("Server-Timing")).toMatch(/^storage;dur=[\d.]+, sign;dur=[\d.]+, total;dur=[\d.]+$/);

    const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.message === "request");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      level: "info",
      requestId: "req-42",
      method: "POST",
      route: "/crmapi/rest/v2/tucano/subscriber/authenticate",
      status: 200,
      code: "OK",
      env: "local",
    });
    expect(typeof requestLines[0].durationMs).toBe("number");
  });

  it("logs the route's pattern, never the values in the path", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const { exports } = await import("cloudflare:workers");
    await exports.default.fetch(new Request("http://edge.test/admin/v1/installed-items/SECRET-ID-123", { headers: { Authorization: "Bearer nope" } }));
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.message === "request");
    expect(line).toMatchObject({ status: 401, code: "INVALID_TOKEN" });
    expect(JSON.stringify(line)).not.toContain("SECRET-ID-123");
  });

  it("a deployed version: X-Edge-Env and X-Edge-Version on errors too, colo and country in the line", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const deployed = { ...env, EDGE_ENV: "canary-eu", CF_VERSION_METADATA: { id: "v-1234", tag: "", timestamp: "" } };
    const request = new Request("http://edge.test/nowhere", { cf: { colo: "FRA", country: "DE" } } as RequestInit);
    const ctx = createExecutionContext();
    const response = await createApp().fetch(request, deployed, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(404);
    expect(response.headers.get("X-Edge-Env")).toBe("canary-eu");
    expect(response.headers.get("X-Edge-Version")).toBe("v-1234");
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.message === "request");
    expect(line).toMatchObject({ status: 404, code: "ROUTE_NOT_FOUND", env: "canary-eu", version: "v-1234", colo: "FRA", country: "DE" });
  });

  it.each(["/.well-known/jwks.json", "/openapi.json"])("logs code OK for %s", async (path) => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const { exports } = await import("cloudflare:workers");
    expect((await exports.default.fetch(new Request(`http://edge.test${path}`))).status).toBe(200);
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.message === "request");
    expect(line).toMatchObject({ status: 200, code: "OK" });
  });
});
