import { benchSerial } from "./data";

/**
 * What `npm run bench` measures (issue #6). Each case is one request shape,
 * sent by every connection over and over; the cold case changes its body on
 * every request instead.
 */
export interface BenchCase {
  name: string;
  method: "GET" | "POST";
  path: string;
  /** A fixed JSON body; absent for GET and for the cold case. */
  body?: string;
  /** The n-th request's body (0-based), for cases that must not repeat themselves. */
  bodyFor?: (n: number) => string;
  /** At most this many requests (the cold case has that many distinct bodies). */
  maxRequests?: number;
  /** The cached path the issue is about: any non-2xx answer fails the run. */
  hotPath: boolean;
  /** Warmed up before measuring; the cold case is not (a warm-up would warm its keys). */
  warmUp: boolean;
}

const AUTHENTICATE = "/crmapi/rest/v2/tucano/subscriber/authenticate";
const NOOP = "/__bench/noop";
const SIGN_ONLY = "/__bench/sign";
export const LOGIN_PATH = "/crmapi/rest/v2/authentication/token";
export const DEMO_LOGIN = { username: "demo", password: "demo-password", organisation: "DEMO" };

/**
 * The five cases of issue #6, in the order they run, and a GET of the no-op
 * route for reference; `token` is a login token of the demo user.
 */
export function benchCases(token: string, installedItems: number): BenchCase[] {
  const hotSerialBody = JSON.stringify({ token, installed_item_identifier: { serial_number: "STB-0001" } });
  return [
    // The same bytes as the hot case, consumed and answered with an empty
    // envelope: the floor of receiving this request (src/routes/bench.ts).
    { name: "baseline (no-op route, same body)", method: "POST", path: NOOP, body: hotSerialBody, hotPath: false, warmUp: true },
    {
      name: "authenticate: serial number (hot)",
      method: "POST",
      path: AUTHENTICATE,
      body: hotSerialBody,
      hotPath: true,
      warmUp: true,
    },
    {
      name: "authenticate: access token + type (hot)",
      method: "POST",
      path: AUTHENTICATE,
      body: JSON.stringify({
        token,
        access_token_identifier: { identifier: "card-0001", pass_code: "1234" },
        subscription_type_identifier: { name: "Basic" },
      }),
      hotPath: true,
      warmUp: true,
    },
    {
      name: "authenticate: KV miss (cold, D1)",
      method: "POST",
      path: AUTHENTICATE,
      // Each pre-loaded serial number once: every request misses KV and any
      // in-isolate cache, and its write-back never serves a later request.
      bodyFor: (n) => JSON.stringify({ token, installed_item_identifier: { serial_number: benchSerial(n) } }),
      maxRequests: installedItems,
      hotPath: false,
      warmUp: false,
    },
    {
      name: "login (PBKDF2, 100k iterations)",
      method: "POST",
      path: LOGIN_PATH,
      body: JSON.stringify(DEMO_LOGIN),
      hotPath: false,
      warmUp: true,
    },
    // Not in the ratio: what a request without a body costs, for comparison.
    { name: "reference: no-op route, GET", method: "GET", path: NOOP, hotPath: false, warmUp: true },
    // Not in the ratio: the baseline plus one subscriber JWT signed with jose,
    // and nothing else (src/routes/bench.ts). The most the hot path could reach.
    {
      name: "reference: no-op + one subscriber JWT (jose)",
      method: "POST",
      path: SIGN_ONLY,
      body: hotSerialBody,
      hotPath: false,
      warmUp: true,
    },
  ];
}

/** The baseline and the hot serial-number case, whose ratio ends the report. */
export const BASELINE_CASE = 0;
export const HOT_SERIAL_CASE = 1;
/** The signing floor: the baseline plus one jose signature. */
export const SIGN_ONLY_CASE = 6;
