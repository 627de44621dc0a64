import { env, exports } from "cloudflare:workers";
import type { EnvelopeBody } from "../helpers";

export const ADMIN = "http://edge.test/admin/v1";

/** An admin call with the test ADMIN_TOKEN (or the given authorization). */
export async function admin(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ response: Response; body: EnvelopeBody }> {
  const init: RequestInit = {
    method,
    headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json", ...headers },
  };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await exports.default.fetch(new Request(`${ADMIN}${path}`, init));
  return { response, body: (await response.json()) as EnvelopeBody };
}

export const put = (path: string, body: unknown) => admin("PUT", path, body);
export const del = (path: string, version: number) => admin("DELETE", `${path}?version=${version}`);
export const get = (path: string) => admin("GET", path);

export function importLines(lines: readonly unknown[]) {
  const body = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
  return admin("POST", "/import", body, { "Content-Type": "application/x-ndjson" });
}
