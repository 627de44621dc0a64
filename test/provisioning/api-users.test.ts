/**
 * Issue #3, API users: a provisioned user can log in (contract §2), a
 * disabled one cannot, a PUT without password keeps the old one, and the
 * password (or its hash) is never returned.
 */
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { AUTHENTICATE, LOGIN, postJson } from "../helpers";
import { del, get, put } from "./admin-helpers";
import { apiUser } from "./provision-helpers";

async function login(username: string, password: string, organisation = "DEMO", unit?: string) {
  const { response, body } = await postJson(LOGIN, { username, password, organisation, ...(unit ? { unit } : {}) });
  return { status: response.status, code: body.status.code as string, token: body.data?.token as string | undefined };
}

async function expectLoginOk(username: string, password: string, organisation = "DEMO") {
  const r = await login(username, password, organisation);
  expect(r, `${username} / ${password}`).toMatchObject({ status: 200, code: "OK" });
  return decodeJwt(r.token!);
}

async function expectLoginFails(username: string, password: string, organisation = "DEMO") {
  const r = await login(username, password, organisation);
  expect(r, `${username} / ${password}`).toMatchObject({ status: 401, code: "AUTHENTICATION_FAILED" });
}

describe("api-users", () => {
  it("PUT a new user, then log in with its password; the token works for authenticate", async () => {
    const r = await put("/api-users/crm-new", apiUser({ password: "new-password-1", unit: "NORTH" }));
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 1 });
    const claims = await expectLoginOk("crm-new", "new-password-1");
    expect(claims).toMatchObject({ usr: "crm-new", org: "DEMO", oun: "NORTH" });
    await expectLoginFails("crm-new", "wrong-password");
    await expectLoginFails("crm-new", "new-password-1", "OTHER");
    expect((await login("crm-new", "new-password-1", "DEMO", "SOUTH")).code).toBe("AUTHENTICATION_FAILED");

    const token = (await login("crm-new", "new-password-1")).token!;
    const a = await postJson(AUTHENTICATE, { token, installed_item_identifier: { serial_number: "STB-0001" } });
    expect(a.body.data?.subscription_id).toBe("SUB-1");
  });

  it("disabled: true makes login fail with 401 AUTHENTICATION_FAILED; re-enabling without password restores it", async () => {
    await put("/api-users/crm-dis", apiUser({ password: "dis-password-1" }));
    await expectLoginOk("crm-dis", "dis-password-1");
    let r = await put("/api-users/crm-dis", apiUser({ disabled: true, version: 2 }));
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 2 });
    expect((await get("/api-users/crm-dis")).body.data).toEqual({ id: "crm-dis", organisation: "DEMO", unit: "HQ", disabled: true, version: 2 });
    await expectLoginFails("crm-dis", "dis-password-1");
    // a stale re-enable is ignored
    r = await put("/api-users/crm-dis", apiUser({ disabled: false, version: 2 }));
    expect(r.body.data).toEqual({ applied: false, stale: true, version: 2 });
    await expectLoginFails("crm-dis", "dis-password-1");
    r = await put("/api-users/crm-dis", apiUser({ disabled: false, version: 3 }));
    expect(r.body.data.applied).toBe(true);
    await expectLoginOk("crm-dis", "dis-password-1");
  });

  it("a seeded user (other / OTHER) can be disabled and re-enabled without resending its password", async () => {
    await expectLoginOk("other", "other-password", "OTHER");
    await put("/api-users/other", apiUser({ organisation: "OTHER", disabled: true, version: 2 }));
    await expectLoginFails("other", "other-password", "OTHER");
    await put("/api-users/other", apiUser({ organisation: "OTHER", version: 3 }));
    await expectLoginOk("other", "other-password", "OTHER");
  });

  it("a PUT without password keeps the old one; a new password replaces it; null clears it", async () => {
    await put("/api-users/crm-pw", apiUser({ password: "first-password" }));
    await put("/api-users/crm-pw", apiUser({ unit: "EAST", version: 2 }));
    const claims = await expectLoginOk("crm-pw", "first-password");
    expect(claims.oun).toBe("EAST");

    await put("/api-users/crm-pw", apiUser({ password: "second-password", version: 3 }));
    await expectLoginFails("crm-pw", "first-password");
    await expectLoginOk("crm-pw", "second-password");

    // a stale password change is ignored
    await put("/api-users/crm-pw", apiUser({ password: "stale-password", version: 3 }));
    await expectLoginFails("crm-pw", "stale-password");
    await expectLoginOk("crm-pw", "second-password");

    await put("/api-users/crm-pw", apiUser({ password: null, version: 4 }));
    await expectLoginFails("crm-pw", "second-password");
  });

  it("a deleted user cannot log in, and a late PUT does not bring it back", async () => {
    await put("/api-users/crm-del", apiUser({ password: "del-password" }));
    await expectLoginOk("crm-del", "del-password");
    expect((await del("/api-users/crm-del", 2)).body.data.applied).toBe(true);
    await expectLoginFails("crm-del", "del-password");
    expect((await put("/api-users/crm-del", apiUser({ password: "del-password", version: 2 }))).body.data.stale).toBe(true);
    await expectLoginFails("crm-del", "del-password");
  });

  it("the password is hashed on the way in (PBKDF2) and never returned, nor its hash", async () => {
    const password = "never-returned-password";
    const r = await put("/api-users/crm-secret", apiUser({ password }));
    expect(JSON.stringify(r.body)).not.toContain(password);
    const row = await env.DB.prepare("SELECT password_hash FROM api_users WHERE username = ?1").bind("crm-secret").first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row!.password_hash).not.toContain(password);

    const g = await get("/api-users/crm-secret");
    const text = JSON.stringify(g.body);
    expect(g.body.data).toEqual({ id: "crm-secret", organisation: "DEMO", unit: "HQ", disabled: false, version: 1 });
    for (const forbidden of [password, row!.password_hash, row!.password_hash.split("$")[3]!, "password", "password_hash", "pbkdf2"]) {
      expect(text).not.toContain(forbidden);
    }
    // nor for the seeded users
    const demo = JSON.stringify((await get("/api-users/demo")).body);
    expect(demo).not.toContain("demo-password");
    expect(demo).not.toContain("password");
  });
});
