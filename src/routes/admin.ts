import { KV_OPS_PER_PROVISIONING_CALL } from "../constants";
import { Hono, type Context } from "hono";
import { getConfig } from "../config";
import { respondOk } from "../envelope";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono-env";
import { adminAuth } from "../middleware/admin-auth";
import { readJsonObject } from "../middleware/json-body";
import { applyChanges, type ProvisioningDeps } from "../provisioning/apply";
import { importNdjson } from "../provisioning/import";
import { parseDelete, parseUpsert, type Change } from "../provisioning/parse-change";
import { columnOf, recordKind, type RecordKind } from "../provisioning/record-kinds";
import { reindex } from "../provisioning/reindex";
import { IMPORT_BODY_LIMIT_BYTES } from "../constants";
import { readRow } from "../store/records";
import { allowOnly } from "./method-not-allowed";

/** Contract §6, under /admin/v1: CRM.COM pushes its changes here. */
export const adminRoutes = new Hono<AppEnv>();
adminRoutes.use("*", adminAuth);

async function deps(c: Context<AppEnv>): Promise<ProvisioningDeps> {
  const kvBudget = { remaining: KV_OPS_PER_PROVISIONING_CALL };
  return { db: c.env.DB, kv: c.env.KV, pepperKey: await getConfig(c.env).credentialPepperKey, kvBudget };
}

function kindOf(c: Context<AppEnv>): RecordKind {
  const kind = recordKind(c.req.param("kind") ?? "");
  if (!kind) throw new ApiError("ROUTE_NOT_FOUND");
  return kind;
}

async function applyOne(c: Context<AppEnv>, change: Change) {
  const [outcome] = await applyChanges(await deps(c), [change]);
  if (!outcome) throw new Error("no outcome");
  if ("error" in outcome) throw outcome.error;
  return respondOk(c, outcome);
}

adminRoutes.post("/import", async (c) => {
  const contentType = c.req.header("Content-Type")?.split(";", 1)[0]?.trim().toLowerCase();
  if (contentType !== "application/x-ndjson") throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "", "An import body must be application/x-ndjson.");
  const declared = Number(c.req.header("Content-Length") ?? 0);
  if (declared > IMPORT_BODY_LIMIT_BYTES) throw new ApiError("PAYLOAD_TOO_LARGE");
  return respondOk(c, await importNdjson(await deps(c), c.req.raw.body));
});

// One slice per call: the answer's cursor (while not done) goes on with `?cursor=`.
adminRoutes.post("/reindex", async (c) => respondOk(c, await reindex(c.env.DB, c.env.KV, { cursor: c.req.query("cursor") })));

adminRoutes.put("/:kind/:id", async (c) => {
  const kind = kindOf(c);
  return applyOne(c, parseUpsert(kind, c.req.param("id"), await readJsonObject(c.req.raw)));
});

adminRoutes.delete("/:kind/:id", async (c) => {
  const kind = kindOf(c);
  return applyOne(c, parseDelete(kind, c.req.param("id"), c.req.query("version"), undefined, "query"));
});

adminRoutes.get("/:kind/:id", async (c) => {
  const kind = kindOf(c);
  const row = await readRow(c.env.DB, kind, c.req.param("id"));
  if (!row) throw new ApiError("NOT_FOUND");
  return respondOk(c, render(kind, row));
});

/** The record as stored, in the PUT's vocabulary; secrets (stored only as hashes) never leave. */
function render(kind: RecordKind, row: Record<string, unknown>) {
  const record: Record<string, unknown> = { id: row[kind.idColumn], organisation: row.organisation };
  for (const field of kind.fields) {
    if (field.secret) continue;
    const value = row[columnOf(field)];
    record[field.name] = field.type === "boolean" ? value === 1 : value;
  }
  record.version = row.version;
  return record;
}

allowOnly(adminRoutes, "/import", ["POST"]);
allowOnly(adminRoutes, "/reindex", ["POST"]);
allowOnly(adminRoutes, "/:kind/:id", ["GET", "PUT", "DELETE"]);
