import { Hono } from "hono";
import { JSON_CONTENT_TYPE } from "../envelope";
import type { AppEnv } from "../hono-env";
import { openApiJson } from "../openapi/document";
import { allowOnly } from "./method-not-allowed";

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of every endpoint, generated
 * from the validation's own tables (src/openapi/). It is served raw, not in
 * the CRM.COM envelope: it is not an API answer but a description for tools
 * (Swagger UI, client generators, linters), which expect the document at the
 * top level. Being the same for everyone and changing only with a deploy,
 * it may be cached, and read from other origins (no credentials involved).
 */
export const openapiRoutes = new Hono<AppEnv>();

/** Long enough to spare repeated fetches by tools, short enough that a deploy shows within minutes. */
const MAX_AGE_SECONDS = 300;

openapiRoutes.get("/openapi.json", (c) => {
  return c.body(openApiJson(), 200, {
    "Content-Type": JSON_CONTENT_TYPE,
    "Cache-Control": `public, max-age=${MAX_AGE_SECONDS}`,
    "Access-Control-Allow-Origin": "*",
  });
});

allowOnly(openapiRoutes, "/openapi.json", ["GET"]);
