import { exports } from "cloudflare:workers";

export const CRMAPI = "http://edge.test/crmapi/rest/v2";
export const AUTHENTICATE = `${CRMAPI}/tucano/subscriber/authenticate`;
export const LOGIN = `${CRMAPI}/authentication/token`;
export const RELEASE = `${CRMAPI}/authentication/token/release`;

export interface EnvelopeBody {
  status: { code: string; message: string; description: string };
  data: any;
}

/** A call through the worker's own fetch, as a device would make it. */
export async function call(url: string, init: RequestInit = {}): Promise<{ response: Response; body: EnvelopeBody }> {
  const response = await exports.default.fetch(new Request(url, init));
  const body = (await response.json()) as EnvelopeBody;
  return { response, body };
}

export function postJson(url: string, payload: unknown, headers: Record<string, string> = {}) {
  return call(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

export const DEMO_USER = { username: "demo", password: "demo-password", organisation: "DEMO" };
export const OTHER_USER = { username: "other", password: "other-password", organisation: "OTHER" };

export async function loginToken(user: Record<string, string> = DEMO_USER): Promise<string> {
  const { body } = await postJson(LOGIN, user);
  if (body.status.code !== "OK") throw new Error(`login failed: ${JSON.stringify(body)}`);
  return body.data.token as string;
}

export function authenticate(payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return postJson(AUTHENTICATE, payload, headers);
}
