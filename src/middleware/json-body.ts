import { BODY_LIMIT_BYTES } from "../constants";
import { ApiError } from "../errors";
import { jsonShapeProblem } from "./json-shape";

export type JsonObject = Record<string, unknown>;

/** Stateless between calls (no `stream` option), so one decoder serves every request. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads a public endpoint's body as one JSON object: media type first, then
 * size (from Content-Length before reading, and while streaming so a chunked
 * body is cut off at the limit, never buffered whole), then UTF-8 and JSON.
 */
export async function readJsonObject(request: Request, limit = BODY_LIMIT_BYTES): Promise<JsonObject> {
  const headers = request.headers;
  const contentType = headers.get("Content-Type");
  if (contentType !== null && !isJsonMediaType(contentType)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE");

  const declared = headers.get("Content-Length");
  if (declared !== null && Number(declared) > limit) throw new ApiError("PAYLOAD_TOO_LARGE");

  // A declared length is enforced by the HTTP layer itself, so such a body
  // (already checked against the limit) is read in one native call; only a
  // chunked body needs counting as it streams.
  const bytes = declared !== null ? await request.arrayBuffer() : await readAtMost(request, limit);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ApiError("MALFORMED_REQUEST", "", "The request body is not valid UTF-8.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError("MALFORMED_REQUEST");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ApiError("MALFORMED_REQUEST", "", "The request body must be a JSON object.");
  }
  const problem = jsonShapeProblem(text);
  if (problem) throw new ApiError("MALFORMED_REQUEST", "", problem);
  return parsed as JsonObject;
}

function isJsonMediaType(contentType: string): boolean {
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json";
}

async function readAtMost(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new ApiError("PAYLOAD_TOO_LARGE");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
