import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { failingD1 } from "../bindings";
import { AUTHENTICATE, LOGIN, RELEASE } from "../helpers";
import { importLines, put } from "../provisioning/admin-helpers";

afterEach(() => vi.restoreAllMocks());

/** Everything the worker prints while `run` goes on, and every answer's headers and body. */
async function capture(run: (record: (response: Response) => Promise<unknown>) => Promise<void>) {
  const output: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(" ")));
  }
  const answers: string[] = [];
  await run(async (response) => {
    const text = await response.clone().text();
    answers.push(JSON.stringify([...response.headers]), text);
    return JSON.parse(text);
  });
  return { output: output.join("\n"), answers };
}

describe("nothing sensitive leaks into logs, error bodies or headers", () => {
  it("a full run of good and bad requests", async () => {
    const secrets = {
      password: "PW-SECRET-7731",
      passCode: "PC-SECRET-7712",
      authCode: "AC-SECRET-7723",
    };
    const tokens: string[] = [];
    const { output, answers } = await capture(async (record) => {
      await put("/api-users/leaky", { organisation: "DEMO", unit: "HQ", password: secrets.password, version: 1 });
      await put("/access-tokens/AT-LEAK", {
        organisation: "DEMO",
        identifier: "card-leak",
        pass_code: secrets.passCode,
        authentication_code: secrets.authCode,
        customer_id: "C-1",
        version: 1,
      });
      await importLines([{ op: "upsert", kind: "access-tokens", id: "AT-LEAK-2", organisation: "DEMO", identifier: "card-leak-2", pass_code: secrets.passCode, customer_id: "C-NOPE-ORG", version: "x" }]);

      const send = async (url: string, body: unknown) =>
        record(
          await exports.default.fetch(
            new Request(url, {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: typeof body === "string" ? body : JSON.stringify(body),
            }),
          ),
        );
      await send(LOGIN, { username: "leaky", password: "wrong-" + secrets.password, organisation: "DEMO" });
      const login = (await send(LOGIN, { username: "leaky", password: secrets.password, organisation: "DEMO" })) as any;
      const token = login.data.token as string;
      tokens.push(token);
      const good = (await send(AUTHENTICATE, {
        token,
        access_token_identifier: { identifier: "card-leak", pass_code: secrets.passCode },
        subscription_type_identifier: { name: "Basic" },
      })) as any;
      tokens.push(good.data.jwt);
      await send(AUTHENTICATE, { token, access_token_identifier: { identifier: "card-leak", pass_code: secrets.passCode + "x" } });
      await send(AUTHENTICATE, { token, access_token_identifier: { authentication_code: secrets.authCode } });
      await send(AUTHENTICATE, { token, access_token_identifier: { authentication_code: secrets.authCode + "x" } });
      await send(AUTHENTICATE, { token: good.data.jwt, installed_item_identifier: { serial_number: "STB-0001" } });
      await send(AUTHENTICATE, `{"token":"${token}","token":"${token}"}`);
      // A storage failure is logged: the log must still hold no request data.
      const ctx = createExecutionContext();
      const failing = new Request(AUTHENTICATE, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token, access_token_identifier: { identifier: "card-leak-new", pass_code: secrets.passCode } }),
      });
      await record(await createApp().fetch(failing, { ...env, DB: failingD1(env.DB) }, ctx));
      await waitOnExecutionContext(ctx);
      await send(RELEASE, { token });
      await send(RELEASE, { token });
    });

    expect(output).toContain('"message":"request"');
    const forbidden = [
      ...Object.values(secrets),
      ...tokens,
      env.LOGIN_TOKEN_SECRET,
      env.TUCANO_JWT_SECRET,
      env.CREDENTIAL_PEPPER,
      env.ADMIN_TOKEN,
      "card-leak",
      "demo-password",
    ];
    for (const value of forbidden.filter((v) => v !== undefined)) expect(output, `log output holds ${value.slice(0, 12)}...`).not.toContain(value);
    // Error answers and every header: no secret, and no token except where the contract returns one.
    const errorsAndHeaders = answers.filter((a) => !a.includes('"code":"OK"'));
    for (const value of [...Object.values(secrets), env.LOGIN_TOKEN_SECRET, env.TUCANO_JWT_SECRET ?? "", env.CREDENTIAL_PEPPER, env.ADMIN_TOKEN]) {
      for (const answer of errorsAndHeaders) expect(answer).not.toContain(value);
    }
    for (const answer of errorsAndHeaders) expect(answer).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
