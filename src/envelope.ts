import type { Context } from "hono";
import { ApiError } from "./errors";

/** CRM.COM v2 envelope (contract §1). */
export interface Envelope<T> {
  status: { code: string; message: string; description: string };
  data: T;
}

export const JSON_CONTENT_TYPE = "application/json; charset=UTF-8";

export function okEnvelope<T>(data: T): Envelope<T> {
  return { status: { code: "OK", message: "", description: "" }, data };
}

export function errorEnvelope(error: ApiError): Envelope<null> {
  return { status: { code: error.code, message: error.message, description: error.description }, data: null };
}

export function respondOk<T>(c: Context, data: T): Response {
  c.set("statusCode", "OK");
  return c.body(JSON.stringify(okEnvelope(data)), 200, { "Content-Type": JSON_CONTENT_TYPE });
}

export function respondError(c: Context, error: ApiError): Response {
  c.set("statusCode", error.code);
  return c.body(JSON.stringify(errorEnvelope(error)), error.status, {
    ...error.headers,
    "Content-Type": JSON_CONTENT_TYPE,
  });
}
