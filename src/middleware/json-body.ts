import { BODY_LIMIT_BYTES } from "../constants";
import { ApiError } from "../errors";
import { jsonShapeProblem } from "./json-shape";

export type JsonObject = Record<string, unknown>;

/**
 * Reads a public endpoint's body as one JSON object: media type first, then
 * size (from Content-Length before reading, and while streaming so a chunked
 * body is cut off at the limit, never buffered whole), then UTF-8 and JSON.
 */
export async function readJsonObject(request: Request, limit = BODY_LIMIT_BYTES): Promise<JsonObject> {
  const contentType = request.headers.get("Content-Type");
  if (contentType !== null && !isJsonMediaType(contentType)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE");

  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > limit) throw new ApiError("PAYLOAD_TOO_LARGE");

  const bytes = await readAtMost(request, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
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
