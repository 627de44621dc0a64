/**
 * `npm run keys -- generate --alg ES256|EdDSA|HS256 [--kid K] [--nbf T]`
 *   prints a new private JWK, ready to go into SIGNING_KEYS.
 * `npm run keys -- rotate [--alg ES256] [--delay 3600] [--retire]`
 *   reads the current SIGNING_KEYS from the environment and explains where the
 *   rotation stands; with --alg it prints SIGNING_KEYS with a new key first
 *   (nbf = now + delay: published at once, signing later); with --retire it
 *   prints SIGNING_KEYS without the keys whose tokens have all expired.
 *   Set the printed value with `wrangler secret put SIGNING_KEYS [--env E]`.
 * Keys are read from the environment, never from argv.
 */
import { parseArgs } from "node:util";
import { JWKS_MAX_AGE_SECONDS } from "../src/constants";
import { addKey, generateSigningJwk, retireKeys, rotationStatus, type Alg, type PrivateJwk } from "./lib/keys";

const DEFAULT_DELAY_SECONDS = 3600;
const JWT_TTL_SECONDS = Number(process.env.SUBSCRIBER_JWT_TTL_SECONDS ?? 300);
const ALGS: readonly Alg[] = ["ES256", "EdDSA", "HS256"];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    alg: { type: "string" },
    kid: { type: "string" },
    nbf: { type: "string" },
    delay: { type: "string", default: String(DEFAULT_DELAY_SECONDS) },
    retire: { type: "boolean", default: false },
  },
});
const now = Math.floor(Date.now() / 1000);

function algOption(): Alg | undefined {
  if (values.alg === undefined) return undefined;
  if (!ALGS.includes(values.alg as Alg)) throw new Error(`--alg must be one of ${ALGS.join(", ")}`);
  return values.alg as Alg;
}

const newKid = (alg: Alg) => values.kid ?? `${alg.toLowerCase()}-${new Date(now * 1000).toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
const when = (nbf: number | undefined) => (nbf ? new Date(nbf * 1000).toISOString() : "always");

async function main() {
  const command = positionals[0];
  if (command === "generate") {
    const alg = algOption() ?? "ES256";
    const nbf = values.nbf === undefined ? undefined : Number(values.nbf);
    if (nbf !== undefined && (!Number.isSafeInteger(nbf) || nbf < 0)) throw new Error("--nbf takes unix seconds");
    console.log(JSON.stringify(await generateSigningJwk(alg, newKid(alg), nbf)));
    return;
  }
  if (command !== "rotate") {
    throw new Error("usage: npm run keys -- generate --alg ES256|EdDSA|HS256 [--kid K] [--nbf T] | rotate [--alg A] [--delay S] [--retire]");
  }
  const raw = process.env.SIGNING_KEYS;
  if (!raw) {
    console.error(
      "SIGNING_KEYS is not set in the environment: subscriber JWTs are HS256 with TUCANO_JWT_SECRET.\n" +
        "To move to keys with kid: `npm run keys -- generate --alg ES256`, put it in a JSON array, give the\n" +
        "Tucano platform the JWKS URL (/.well-known/jwks.json), then `wrangler secret put SIGNING_KEYS`.",
    );
    process.exitCode = 1;
    return;
  }
  let keys = JSON.parse(raw) as PrivateJwk[];
  const status = rotationStatus(keys, now, JWT_TTL_SECONDS);
  const describe = (i: number) => `${keys[i]!.kid} (${keys[i]!.alg}, nbf ${when(keys[i]!.nbf)})`;
  console.error(`signing now: ${status.signer === -1 ? "NONE (no key's nbf has passed: authenticate fails)" : describe(status.signer)}`);
  for (const i of status.upcoming) console.error(`published, signs from its nbf: ${describe(i)}`);
  for (const i of status.draining) console.error(`retired from signing, still verifies live tokens: ${describe(i)}`);
  for (const i of status.retirable) console.error(`can be removed (its tokens have expired): ${describe(i)}`);

  const alg = algOption();
  if (alg) {
    const delay = Number(values.delay);
    // Verifiers cache the JWKS this long: a key that signs sooner would be unknown to some of them.
    if (!Number.isSafeInteger(delay) || delay < JWKS_MAX_AGE_SECONDS) {
      throw new Error(`--delay must be whole seconds, at least the JWKS cache time (${JWKS_MAX_AGE_SECONDS}); got ${values.delay}`);
    }
    keys = addKey(keys, await generateSigningJwk(alg, newKid(alg), now + delay));
    console.error(`\nadded ${keys[0]!.kid}: published at once, signs from ${when(keys[0]!.nbf)} (in ${delay} s, longer than the JWKS cache).`);
  }
  if (values.retire) {
    const before = keys.length;
    keys = retireKeys(keys, now, JWT_TTL_SECONDS);
    console.error(`\nremoved ${before - keys.length} key(s) whose tokens have all expired.`);
  }
  if (alg || values.retire) {
    console.error("new SIGNING_KEYS (stdout); set it with: wrangler secret put SIGNING_KEYS [--env <name>]");
    console.log(JSON.stringify(keys));
  } else {
    console.error("\nnext: `rotate --alg ES256` to add a key, or `rotate --retire` once old tokens have expired.");
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
