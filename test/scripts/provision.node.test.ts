import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { provision, reindexAll } from "../../scripts/lib/provision";

/** A stand-in for the worker's admin API: records each request, answers what `answer` says. */
async function standIn(answer: (request: { path: string; body: string; n: number }) => { status: number; data: unknown }) {
  const seen: { path: string; body: string; authorization: string | undefined }[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ path: req.url ?? "", body, authorization: req.headers.authorization });
    const { status, data } = answer({ path: req.url ?? "", body, n: seen.length });
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: { code: status === 200 ? "OK" : "SERVICE_UNAVAILABLE", message: "", description: "" }, data }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  servers.push(server);
  return { url, seen };
}
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "provision-test-")), name);
  writeFileSync(path, text);
  return path;
}

describe("npm run provision (scripts/lib/provision.ts)", () => {
  it("splits the file into requests, maps rejected lines back to file lines, retries a 503, sends the admin token", async () => {
    const lines = Array.from({ length: 5 }, (_, i) => JSON.stringify({ op: "upsert", kind: "subscriptions", id: `S-${i}`, version: 1 }));
    // A blank line in the file: line numbers are the file's, not the request's.
    const path = file("records.ndjson", `${lines.slice(0, 2).join("\n")}\n\n${lines.slice(2).join("\n")}\n`);
    const { url, seen } = await standIn(({ body, n }) => {
      if (n === 2) return { status: 503, data: null };
      const count = body.split("\n").length;
      // Each request's second line is rejected.
      const rejected = count >= 2 ? [{ line: 2, code: "CONFLICT", message: "m", description: "number" }] : [];
      return { status: 200, data: { applied: count - rejected.length, stale: 0, rejected } };
    });
    const totals = await provision({ file: path, url, format: "ndjson", linesPerRequest: 2, token: "secret-token" });
    const data = seen.filter((s) => s.body !== "");
    // 2 + 2 + 1 lines, the second request sent twice (503, then retried)
    expect(data.map((s) => s.body.split("\n").length)).toEqual([2, 2, 2, 1]);
    expect(seen.every((s) => s.path === "/admin/v1/import" && s.authorization === "Bearer secret-token")).toBe(true);
    expect(totals.retries).toBe(1);
    expect(totals.lines).toBe(5);
    expect(totals.rejected.map((r) => r.line)).toEqual([2, 5]);
    expect(totals.applied).toBe(3);
    // Nothing pending: no empty import was sent.
    expect(seen.some((s) => s.body === "")).toBe(false);
  });

  it("sends empty imports at the end until nothing is pending, and stops when nothing moves", async () => {
    const path = file("one.ndjson", `${JSON.stringify({ op: "delete", kind: "subscriptions", id: "S", version: 2 })}\n`);
    let pending = 1200;
    const { url, seen } = await standIn(({ body }) => {
      pending = body === "" ? Math.max(0, pending - 500) : pending;
      return { status: 200, data: { applied: body === "" ? 0 : 1, stale: 0, rejected: [], ...(pending > 0 ? { pending } : {}) } };
    });
    const totals = await provision({ file: path, url, format: "ndjson", linesPerRequest: 500, token: "t" });
    expect(seen.map((s) => s.body === "")).toEqual([false, true, true, true]);
    expect(totals.pending).toBe(0);

    const stuck = await standIn(() => ({ status: 200, data: { applied: 0, stale: 0, rejected: [], pending: 9 } }));
    const stuckTotals = await provision({ file: path, url: stuck.url, format: "ndjson", linesPerRequest: 500, token: "t" });
    expect(stuck.seen).toHaveLength(2);
    expect(stuckTotals.pending).toBe(9);
  });

  it("reads CSV files, empty cells as absent fields", async () => {
    const path = file("records.csv", "op,kind,id,version,organisation,alternative_code\nupsert,subscription-types,T-X,3,DEMO,\n");
    const { url, seen } = await standIn(() => ({ status: 200, data: { applied: 1, stale: 0, rejected: [] } }));
    await provision({ file: path, url, format: "csv", linesPerRequest: 500, token: "t" });
    expect(JSON.parse(seen[0]!.body)).toEqual({ op: "upsert", kind: "subscription-types", id: "T-X", version: 3, organisation: "DEMO" });
  });

  it("reindex follows each answer's cursor until done, and fails clearly on an error", async () => {
    const { url, seen } = await standIn(({ n }) => ({
      status: 200,
      data: { keys: 10, written: n, unchanged: 10 - n, deleted: 0, done: n === 3, ...(n < 3 ? { cursor: `c${n}+/` } : {}) },
    }));
    const totals = await reindexAll(url, "t");
    expect(seen.map((s) => s.path)).toEqual(["/admin/v1/reindex", "/admin/v1/reindex?cursor=c1%2B%2F", "/admin/v1/reindex?cursor=c2%2B%2F"]);
    expect(totals).toEqual({ slices: 3, keys: 30, written: 6, unchanged: 24, deleted: 0 });

    const failing = await standIn(() => ({ status: 503, data: null }));
    await expect(reindexAll(failing.url, "t")).rejects.toThrow(/reindex failed: HTTP 503/);
  });

  it("reindex retries a slice that answered 503 and carries on from its cursor", async () => {
    const { url, seen } = await standIn(({ n }) =>
      n === 2
        ? { status: 503, data: null }
        : { status: 200, data: { keys: 1, written: 1, unchanged: 0, deleted: 0, done: n === 3, ...(n === 1 ? { cursor: "c1" } : {}) } },
    );
    expect(await reindexAll(url, "t")).toEqual({ slices: 2, keys: 2, written: 2, unchanged: 0, deleted: 0 });
    expect(seen.map((s) => s.path)).toEqual(["/admin/v1/reindex", "/admin/v1/reindex?cursor=c1", "/admin/v1/reindex?cursor=c1"]);
  });

  it("reindex stops on a slice that answers neither done nor a cursor (it would start over for ever)", async () => {
    const { url } = await standIn(() => ({ status: 200, data: { keys: 0, written: 0, unchanged: 0, deleted: 0, done: false } }));
    await expect(reindexAll(url, "t")).rejects.toThrow(/neither done nor a cursor/);
  });
});
