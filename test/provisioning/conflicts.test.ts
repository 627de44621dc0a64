/**
 * Issue #3, "nothing half-written" and "organisations stay apart":
 * uniqueness clashes are 409 CONFLICT naming the field and change nothing
 * (neither D1 nor what authenticate answers); uniqueness is per
 * organisation; customers and references stay in their organisation.
 */
import { describe, expect, it } from "vitest";
import { authenticate, loginToken } from "../helpers";
import { admin, del, get, put } from "./admin-helpers";
import {
  byAuthCode,
  byCard,
  byItemAltCode,
  bySerial,
  bySubscriptionNumber,
  credential,
  installedItem,
  outcomeOf,
  subscription,
  subscriptionType,
  warm,
  type Identifier,
} from "./provision-helpers";

async function expectConflict(path: string, body: Identifier, field: string) {
  const before = await get(path);
  const r = await put(path, body);
  expect(r.response.status, `PUT ${path}`).toBe(409);
  expect(r.body, `PUT ${path}`).toMatchObject({ status: { code: "CONFLICT", description: field }, data: null });
  const after = await get(path);
  expect(after.response.status).toBe(before.response.status);
  expect(after.body.data).toEqual(before.body.data);
}

describe("uniqueness clashes within an organisation: 409 CONFLICT, nothing written", () => {
  const creates: [string, string, Identifier, string][] = [
    ["serial number of an installed item", "/installed-items/II-C1", installedItem({ serial_number: "STB-0001" }), "serial_number"],
    ["alternative code of an installed item", "/installed-items/II-C2", installedItem({ serial_number: "STB-C2", alternative_code: "ALT-0001" }), "alternative_code"],
    ["number of a subscription", "/subscriptions/SUB-C3", subscription({ number: "S0000000002", customer_id: "C-C3" }), "number"],
    ["alternative code of a subscription type", "/subscription-types/T-C4", subscriptionType({ name: "C4", alternative_code: "PREMIUM" }), "alternative_code"],
    ["identifier of an access token", "/access-tokens/AT-C5", credential({ identifier: "card-0001", pass_code: "1", customer_id: "C-C5" }), "identifier"],
    ["authentication code of an access token", "/access-tokens/AT-C6", credential({ authentication_code: "AUTH-CODE-0001", customer_id: "C-C6" }), "authentication_code"],
    ["identifier of a medium", "/customer-identification-mediums/CIM-C7", credential({ identifier: "medium-0003", pass_code: "1", customer_id: "C-C7" }), "identifier"],
  ];
  it.each(creates)("a new record taking the %s of another", async (_, path, body, field) => {
    await expectConflict(path, body, field);
    expect((await get(path)).response.status).toBe(404);
  });

  it("a new medium taking the authentication code of another medium", async () => {
    const first = await put("/customer-identification-mediums/CIM-C10", credential({ authentication_code: "MED-CODE-C10", customer_id: "C-C10" }));
    expect(first.body.data.applied).toBe(true);
    await expectConflict("/customer-identification-mediums/CIM-C11", credential({ authentication_code: "MED-CODE-C10", customer_id: "C-C11" }), "authentication_code");
    expect((await get("/customer-identification-mediums/CIM-C11")).response.status).toBe(404);
  });

  it("a new credential's customer is not created by a rejected write", async () => {
    // C-C5 would exist only through AT-C5, which was refused: the id stays free for OTHER.
    const r = await put("/access-tokens/AT-C5-OTHER", credential({ organisation: "OTHER", identifier: "c5", pass_code: "1", customer_id: "C-C5" }));
    expect(r.body).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
  });

  it("an update that clashes keeps the record and its mappings as they were", async () => {
    expect((await put("/installed-items/II-C8", installedItem({ serial_number: "STB-C8", alternative_code: "ALT-C8", subscription_id: "SUB-2" }))).body.data.applied).toBe(true);
    expect(await warm(bySerial("STB-C8"))).toBe("SUB-2");
    expect(await warm(bySerial("STB-0001"))).toBe("SUB-1");
    await expectConflict("/installed-items/II-C8", installedItem({ serial_number: "STB-0001", alternative_code: "ALT-C8-NEW", subscription_id: "SUB-1", version: 2 }), "serial_number");
    expect(await outcomeOf(bySerial("STB-C8"))).toBe("SUB-2");
    expect(await outcomeOf(bySerial("STB-0001"))).toBe("SUB-1");
    expect(await outcomeOf(byItemAltCode("ALT-C8"))).toBe("SUB-2");
    expect(await outcomeOf(byItemAltCode("ALT-C8-NEW"))).toBe("NOT_FOUND");
    // the same version, without the clash, is still applicable: the refused write left no trace
    const r = await put("/installed-items/II-C8", installedItem({ serial_number: "STB-C8", alternative_code: "ALT-C8-NEW", subscription_id: "SUB-1", version: 2 }));
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 2 });
    expect(await outcomeOf(byItemAltCode("ALT-C8-NEW"))).toBe("SUB-1");
  });

  it("a credential update that clashes on its authentication code keeps its pass code", async () => {
    expect((await put("/access-tokens/AT-C9", credential({ identifier: "card-C9", pass_code: "9090", customer_id: "C-C9" }))).body.data.applied).toBe(true);
    await put("/subscriptions/SUB-C9", subscription({ number: "C9-NUM", customer_id: "C-C9" }));
    expect(await warm(byCard("card-C9", "9090"))).toBe("SUB-C9");
    await expectConflict(
      "/access-tokens/AT-C9",
      credential({ identifier: "card-C9", pass_code: "0000", authentication_code: "AUTH-CODE-0001", customer_id: "C-C9", version: 2 }),
      "authentication_code",
    );
    expect(await outcomeOf(byCard("card-C9", "9090"))).toBe("SUB-C9");
    expect(await outcomeOf(byCard("card-C9", "0000"))).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byAuthCode("AUTH-CODE-0001"))).toBe("AMBIGUOUS_SUBSCRIPTION"); // still AT-1's (C-1 has two active)
  });

  it("a value freed by one record can be taken by another", async () => {
    await put("/installed-items/II-C10", installedItem({ serial_number: "STB-C10", subscription_id: "SUB-2" }));
    await put("/installed-items/II-C10", installedItem({ serial_number: "STB-C10-MOVED", subscription_id: "SUB-2", version: 2 }));
    const r = await put("/installed-items/II-C11", installedItem({ serial_number: "STB-C10", subscription_id: "SUB-1" }));
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 1 });
    expect(await outcomeOf(bySerial("STB-C10"))).toBe("SUB-1");
  });
});

describe("organisations stay apart", () => {
  it("the same serial number, number, codes and identifiers may exist in another organisation", async () => {
    const other = { organisation: "OTHER" };
    const writes: [string, Identifier][] = [
      ["/subscription-types/T-O1", subscriptionType({ ...other, name: "Premium", alternative_code: "PREMIUM" })],
      ["/subscriptions/SUB-O1", subscription({ ...other, number: "S0000000002", subscription_type_id: "T-O1", customer_id: "C-O1", user_id: "other-o1" })],
      ["/installed-items/II-O1", installedItem({ ...other, serial_number: "STB-0003", alternative_code: "ALT-0001", subscription_id: "SUB-O1" })],
      ["/access-tokens/AT-O1", credential({ ...other, identifier: "card-0001", pass_code: "7777", authentication_code: "AUTH-CODE-0001", customer_id: "C-O1" })],
      ["/customer-identification-mediums/CIM-O1", credential({ ...other, identifier: "medium-0003", pass_code: "7777", customer_id: "C-O1" })],
    ];
    for (const [path, body] of writes) {
      const r = await put(path, body);
      expect(r.body, path).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
    }
    // each organisation resolves its own record
    expect(await outcomeOf(bySerial("STB-0003"), "OTHER")).toBe("SUB-O1");
    expect(await outcomeOf(bySerial("STB-0003"), "DEMO")).toBe("SUBSCRIPTION_NOT_ACTIVE");
    expect(await outcomeOf(byItemAltCode("ALT-0001"), "OTHER")).toBe("SUB-O1");
    expect(await outcomeOf(byItemAltCode("ALT-0001"), "DEMO")).toBe("SUB-1");
    expect(await outcomeOf(bySubscriptionNumber("S0000000002"), "OTHER")).toBe("SUB-O1");
    expect(await outcomeOf(bySubscriptionNumber("S0000000002"), "DEMO")).toBe("SUB-2");
    expect(await outcomeOf(byCard("card-0001", "7777"), "OTHER")).toBe("SUB-O1");
    expect(await outcomeOf(byCard("card-0001", "7777"), "DEMO")).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byCard("card-0001", "1234", { alternative_code: "PREMIUM" }), "DEMO")).toBe("SUB-2");
    expect(await outcomeOf(byAuthCode("AUTH-CODE-0001", { name: "Premium" }), "OTHER")).toBe("SUB-O1");
  });

  it("a customer of one organisation cannot be named by a record of another", async () => {
    const cases: [string, Identifier][] = [
      ["/subscriptions/SUB-X1", subscription({ organisation: "OTHER", number: "X1", subscription_type_id: "T-OTHER", customer_id: "C-1" })],
      ["/access-tokens/AT-X2", credential({ organisation: "OTHER", identifier: "x2", pass_code: "1", customer_id: "C-1" })],
      ["/customer-identification-mediums/CIM-X3", credential({ organisation: "DEMO", identifier: "x3", pass_code: "1", customer_id: "C-9" })],
    ];
    for (const [path, body] of cases) {
      const r = await put(path, body);
      expect([400, 409], path).toContain(r.response.status);
      expect(r.body.status.description, path).toBe("customer_id");
      expect((await get(path)).response.status, path).toBe(404);
    }
    expect(await outcomeOf(byCard("card-0001", "1234", { id: "T-BASIC" }))).toBe("SUB-1");
  });

  it("a customer no record names any more is gone: its id may then be used by another organisation", async () => {
    await put("/access-tokens/AT-FREE", credential({ identifier: "free", pass_code: "1", customer_id: "C-FREE" }));
    const blocked = await put("/access-tokens/AT-FREE-O", credential({ organisation: "OTHER", identifier: "free", pass_code: "1", customer_id: "C-FREE" }));
    expect([400, 409]).toContain(blocked.response.status);
    await del("/access-tokens/AT-FREE", 2);
    const r = await put("/access-tokens/AT-FREE-O", credential({ organisation: "OTHER", identifier: "free", pass_code: "1", customer_id: "C-FREE" }));
    expect(r.body).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
  });

  it("an organisation name holding ':' stays apart from the others in KV keys", async () => {
    const org = "ACME:EU";
    for (const [path, body] of [
      ["/api-users/acme-user", { organisation: org, password: "acme-password", unit: "HQ", version: 1 }],
      ["/subscription-types/T-ACME", subscriptionType({ organisation: org, name: "Basic" })],
      ["/subscriptions/SUB-ACME", subscription({ organisation: org, number: "S0000000001", subscription_type_id: "T-ACME", customer_id: "C-ACME", user_id: "acme-1" })],
      ["/installed-items/II-ACME", installedItem({ organisation: org, serial_number: "STB-0001", subscription_id: "SUB-ACME" })],
    ] as const) {
      expect((await put(path, body)).body, path).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
    }
    const token = await loginToken({ username: "acme-user", password: "acme-password", organisation: org });
    const serial = await authenticate({ token, ...bySerial("STB-0001") });
    expect(serial.body.data?.subscription_id).toBe("SUB-ACME");
    expect(await outcomeOf(bySerial("STB-0001"))).toBe("SUB-1");
    // reindex keeps its keys (they are not orphans) and answers stay apart
    expect((await admin("POST", "/reindex")).body.status.code).toBe("OK");
    expect((await authenticate({ token, ...bySubscriptionNumber("S0000000001") })).body.data?.subscription_id).toBe("SUB-ACME");
    expect(await outcomeOf(bySubscriptionNumber("S0000000001"))).toBe("SUB-1");
  });

  it("a record cannot move to another organisation by a PUT of its id", async () => {
    await expectConflict("/subscriptions/SUB-1", subscription({ organisation: "OTHER", number: "S-MOVE", subscription_type_id: "T-OTHER", customer_id: "C-9", version: 50 }), "id");
    await expectConflict("/subscription-types/T-BASIC", subscriptionType({ organisation: "OTHER", name: "Basic", version: 50 }), "id");
    expect(await outcomeOf(bySubscriptionNumber("S-MOVE"), "OTHER")).toBe("NOT_FOUND");
    expect(await outcomeOf(bySerial("STB-0001"), "DEMO")).toBe("SUB-1");
  });
});
