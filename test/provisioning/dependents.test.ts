/**
 * Issue #3, "KV follows D1 before the answer", through the authenticate
 * endpoint: each test warms KV by authenticating (and waits for the
 * write-back), changes a record, and authenticates again. A mapping the
 * change forgot to rewrite or delete would answer the old result from KV.
 */
import { env } from "cloudflare:workers";
import { clearIsolateCaches } from "../../src/cache/isolate-caches";
import { describe, expect, it } from "vitest";
import { del, put } from "./admin-helpers";
import {
  byAuthCode,
  byCard,
  byItemAltCode,
  byItemId,
  byMedium,
  byMediumAuthCode,
  bySerial,
  bySubscriptionId,
  bySubscriptionNumber,
  credential,
  installedItem,
  kvJson,
  mappingKey,
  outcomeOf,
  resolveAs,
  subscription,
  subscriptionType,
  typeKey,
  warm,
  type Identifier,
} from "./provision-helpers";

async function applied(path: string, body: Identifier) {
  const r = await put(path, body);
  expect(r.body, `PUT ${path}`).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
}

async function deleted(path: string, version: number) {
  const r = await del(path, version);
  expect(r.body, `DELETE ${path}`).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
}

async function warmAll(identifiers: Identifier[], expected: string) {
  for (const identifier of identifiers) expect(await warm(identifier), JSON.stringify(identifier)).toBe(expected);
}

async function expectAll(identifiers: Identifier[], expected: string) {
  for (const identifier of identifiers) expect(await outcomeOf(identifier), JSON.stringify(identifier)).toBe(expected);
}

async function expectKeysGone(identifiers: Identifier[]) {
  for (const identifier of identifiers) expect(await kvJson(await mappingKey(identifier)), JSON.stringify(identifier)).toBeNull();
}

it("premise: once warmed, authenticate answers from KV (a planted mapping wins over D1)", async () => {
  await applied("/installed-items/II-D0", installedItem({ serial_number: "STB-D0", subscription_id: "SUB-2" }));
  expect(await warm(bySerial("STB-D0"))).toBe("SUB-2");
  const key = await mappingKey(bySerial("STB-D0"));
  await env.KV.put(key, JSON.stringify({ subscriptions: [{ id: "SUB-PLANTED", state: "active", user_id: "x", type_id: "T-BASIC" }] }));
  // As a fresh isolate would: past the in-isolate cache, the KV mapping answers.
  clearIsolateCaches();
  expect(await outcomeOf(bySerial("STB-D0"))).toBe("SUB-PLANTED");
  await env.KV.delete(key);
});

describe("a subscription changes: its own keys, its installed items', its customer's credentials'", () => {
  it("state active -> suspended -> active", async () => {
    await applied("/subscriptions/SUB-D1", subscription({ number: "D1-NUM", customer_id: "C-D1" }));
    await applied("/installed-items/II-D1", installedItem({ serial_number: "STB-D1", alternative_code: "ALT-D1", subscription_id: "SUB-D1" }));
    await applied("/access-tokens/AT-D1", credential({ identifier: "card-D1", pass_code: "4321", authentication_code: "AC-D1", customer_id: "C-D1" }));
    await applied(
      "/customer-identification-mediums/CIM-D1",
      credential({ identifier: "medium-D1", pass_code: "5678", authentication_code: "MAC-D1", customer_id: "C-D1" }),
    );
    const all = [
      bySerial("STB-D1"),
      byItemId("II-D1"),
      byItemAltCode("ALT-D1"),
      bySubscriptionId("SUB-D1"),
      bySubscriptionNumber("D1-NUM"),
      byCard("card-D1", "4321"),
      byAuthCode("AC-D1"),
      byMedium("medium-D1", "5678"),
      byMediumAuthCode("MAC-D1"),
    ];
    await warmAll(all, "SUB-D1");

    await applied("/subscriptions/SUB-D1", subscription({ number: "D1-NUM", customer_id: "C-D1", state: "suspended", version: 2 }));
    await expectAll(all, "SUBSCRIPTION_NOT_ACTIVE");
    for (const identifier of all) {
      expect((await kvJson(await mappingKey(identifier)))?.subscriptions?.[0]?.state, JSON.stringify(identifier)).toBe("suspended");
    }

    await applied("/subscriptions/SUB-D1", subscription({ number: "D1-NUM", customer_id: "C-D1", state: "active", version: 3 }));
    await expectAll(all, "SUB-D1");
  });

  it("user_id: the subscriber JWT of its installed item and credential carries the new user", async () => {
    await applied("/subscriptions/SUB-D3", subscription({ number: "D3-NUM", customer_id: "C-D3", user_id: "user-d3-old" }));
    await applied("/installed-items/II-D3", installedItem({ serial_number: "STB-D3", subscription_id: "SUB-D3" }));
    await applied("/access-tokens/AT-D3", credential({ identifier: "card-D3", pass_code: "3333", customer_id: "C-D3" }));
    const all = [bySerial("STB-D3"), byCard("card-D3", "3333"), bySubscriptionNumber("D3-NUM")];
    await warmAll(all, "SUB-D3");
    for (const identifier of all) expect((await resolveAs(identifier)).userid).toBe("user-d3-old");
    await applied("/subscriptions/SUB-D3", subscription({ number: "D3-NUM", customer_id: "C-D3", user_id: "user-d3-new", version: 2 }));
    for (const identifier of all) expect((await resolveAs(identifier)).userid, JSON.stringify(identifier)).toBe("user-d3-new");
  });

  it("type: what subscription_type_identifier narrows a credential's subscriptions to", async () => {
    await applied("/subscriptions/SUB-D2A", subscription({ number: "D2A-NUM", customer_id: "C-D2", subscription_type_id: "T-BASIC" }));
    await applied("/subscriptions/SUB-D2B", subscription({ number: "D2B-NUM", customer_id: "C-D2", subscription_type_id: "T-PREMIUM" }));
    await applied("/access-tokens/AT-D2", credential({ identifier: "card-D2", pass_code: "2222", customer_id: "C-D2" }));
    const card = (type?: Identifier) => byCard("card-D2", "2222", type);
    expect(await warm(card())).toBe("AMBIGUOUS_SUBSCRIPTION");
    expect(await warm(card({ id: "T-PREMIUM" }))).toBe("SUB-D2B");
    expect(await warm(card({ name: "Premium" }))).toBe("SUB-D2B");
    expect(await warm(card({ alternative_code: "PREMIUM" }))).toBe("SUB-D2B");
    expect(await warm(card({ name: "Basic" }))).toBe("SUB-D2A");

    await applied("/subscriptions/SUB-D2B", subscription({ number: "D2B-NUM", customer_id: "C-D2", subscription_type_id: "T-BASIC", version: 2 }));
    expect(await outcomeOf(card({ id: "T-PREMIUM" }))).toBe("NOT_FOUND");
    expect(await outcomeOf(card({ name: "Premium" }))).toBe("NOT_FOUND");
    expect(await outcomeOf(card({ alternative_code: "PREMIUM" }))).toBe("NOT_FOUND");
    expect(await outcomeOf(card({ name: "Basic" }))).toBe("AMBIGUOUS_SUBSCRIPTION");
  });

  it("customer: the old customer's credential loses it, the new customer's gains it", async () => {
    await applied("/subscriptions/SUB-D4", subscription({ number: "D4-NUM", customer_id: "C-D4A" }));
    await applied("/access-tokens/AT-D4A", credential({ identifier: "card-D4A", pass_code: "4444", customer_id: "C-D4A" }));
    await applied("/customer-identification-mediums/CIM-D4B", credential({ identifier: "medium-D4B", pass_code: "4444", customer_id: "C-D4B" }));
    expect(await warm(byCard("card-D4A", "4444"))).toBe("SUB-D4");
    expect(await warm(byMedium("medium-D4B", "4444"))).toBe("NOT_FOUND");
    await applied("/subscriptions/SUB-D4", subscription({ number: "D4-NUM", customer_id: "C-D4B", version: 2 }));
    expect(await outcomeOf(byCard("card-D4A", "4444"))).toBe("NOT_FOUND");
    expect(await outcomeOf(byMedium("medium-D4B", "4444"))).toBe("SUB-D4");
  });

  it("a new subscription of the customer makes its credential ambiguous; suspending the other resolves it", async () => {
    await applied("/subscriptions/SUB-D5A", subscription({ number: "D5A-NUM", customer_id: "C-D5" }));
    await applied("/access-tokens/AT-D5", credential({ authentication_code: "AC-D5", customer_id: "C-D5" }));
    expect(await warm(byAuthCode("AC-D5"))).toBe("SUB-D5A");
    await applied("/subscriptions/SUB-D5B", subscription({ number: "D5B-NUM", customer_id: "C-D5" }));
    expect(await outcomeOf(byAuthCode("AC-D5"))).toBe("AMBIGUOUS_SUBSCRIPTION");
    await applied("/subscriptions/SUB-D5A", subscription({ number: "D5A-NUM", customer_id: "C-D5", state: "suspended", version: 2 }));
    expect(await outcomeOf(byAuthCode("AC-D5"))).toBe("SUB-D5B");
  });

  it("deleted: its id, number, installed items and customer's credentials no longer lead to it", async () => {
    await applied("/subscriptions/SUB-D6", subscription({ number: "D6-NUM", customer_id: "C-D6" }));
    await applied("/installed-items/II-D6", installedItem({ serial_number: "STB-D6", subscription_id: "SUB-D6" }));
    await applied("/access-tokens/AT-D6", credential({ identifier: "card-D6", pass_code: "6666", customer_id: "C-D6" }));
    const own = [bySubscriptionId("SUB-D6"), bySubscriptionNumber("D6-NUM"), bySerial("STB-D6"), byItemId("II-D6")];
    await warmAll([...own, byCard("card-D6", "6666")], "SUB-D6");
    await deleted("/subscriptions/SUB-D6", 2);
    await expectAll(own, "NOT_FOUND");
    await expectKeysGone(own);
    expect(await outcomeOf(byCard("card-D6", "6666"))).toBe("NOT_FOUND");
  });

  it("number changed: the old number's key is removed, the new one resolves", async () => {
    await applied("/subscriptions/SUB-D7", subscription({ number: "D7-OLD", customer_id: "C-D7" }));
    expect(await warm(bySubscriptionNumber("D7-OLD"))).toBe("SUB-D7");
    await applied("/subscriptions/SUB-D7", subscription({ number: "D7-NEW", customer_id: "C-D7", version: 2 }));
    expect(await outcomeOf(bySubscriptionNumber("D7-OLD"))).toBe("NOT_FOUND");
    await expectKeysGone([bySubscriptionNumber("D7-OLD")]);
    expect(await outcomeOf(bySubscriptionNumber("D7-NEW"))).toBe("SUB-D7");
  });
});

describe("an installed item changes", () => {
  it("deleted: id, serial number and alternative code mappings are removed", async () => {
    await applied("/installed-items/II-D8", installedItem({ serial_number: "STB-D8", alternative_code: "ALT-D8", subscription_id: "SUB-2" }));
    const all = [bySerial("STB-D8"), byItemId("II-D8"), byItemAltCode("ALT-D8")];
    await warmAll(all, "SUB-2");
    await deleted("/installed-items/II-D8", 2);
    await expectAll(all, "NOT_FOUND");
    await expectKeysGone(all);
  });

  it("serial number changed and alternative code dropped: the old keys are removed", async () => {
    await applied("/installed-items/II-D9", installedItem({ serial_number: "STB-D9-OLD", alternative_code: "ALT-D9", subscription_id: "SUB-2" }));
    await warmAll([bySerial("STB-D9-OLD"), byItemAltCode("ALT-D9"), byItemId("II-D9")], "SUB-2");
    await applied("/installed-items/II-D9", installedItem({ serial_number: "STB-D9-NEW", subscription_id: "SUB-2", version: 2 }));
    await expectAll([bySerial("STB-D9-OLD"), byItemAltCode("ALT-D9")], "NOT_FOUND");
    await expectKeysGone([bySerial("STB-D9-OLD"), byItemAltCode("ALT-D9")]);
    await expectAll([bySerial("STB-D9-NEW"), byItemId("II-D9")], "SUB-2");
  });

  it("moved to another subscription: every key of it answers the new subscription", async () => {
    await applied("/installed-items/II-D10", installedItem({ serial_number: "STB-D10", alternative_code: "ALT-D10", subscription_id: "SUB-2" }));
    const all = [bySerial("STB-D10"), byItemId("II-D10"), byItemAltCode("ALT-D10")];
    await warmAll(all, "SUB-2");
    await applied("/installed-items/II-D10", installedItem({ serial_number: "STB-D10", alternative_code: "ALT-D10", subscription_id: "SUB-3", version: 2 }));
    await expectAll(all, "SUBSCRIPTION_NOT_ACTIVE");
  });
});

describe("a credential changes", () => {
  it.each([
    ["access-tokens", byCard, byAuthCode],
    ["customer-identification-mediums", byMedium, byMediumAuthCode],
  ] as const)("%s: identifier, pass code, authentication code, customer, delete", async (segment, byId, byCode) => {
    const path = `/${segment}/CR-${segment}`;
    const body = (over: Identifier) => credential({ customer_id: "C-KX", ...over });
    await applied("/subscriptions/SUB-KX-" + segment, subscription({ number: `KX-${segment}`, customer_id: `C-KX-${segment}` }));
    const id = (s: string) => `${s}-${segment}`;
    await applied(path, body({ identifier: id("old"), pass_code: "1000", authentication_code: id("AC-old"), customer_id: `C-KX-${segment}` }));
    expect(await warm(byId(id("old"), "1000"))).toBe(`SUB-KX-${segment}`);
    expect(await warm(byCode(id("AC-old")))).toBe(`SUB-KX-${segment}`);

    // identifier, pass code and authentication code all replaced
    await applied(path, body({ identifier: id("new"), pass_code: "2000", authentication_code: id("AC-new"), customer_id: `C-KX-${segment}`, version: 2 }));
    expect(await outcomeOf(byId(id("old"), "1000"))).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byCode(id("AC-old")))).toBe("AUTHENTICATION_FAILED");
    await expectKeysGone([byId(id("old"), "1000"), byCode(id("AC-old"))]);
    expect(await warm(byId(id("new"), "2000"))).toBe(`SUB-KX-${segment}`);
    expect(await warm(byCode(id("AC-new")))).toBe(`SUB-KX-${segment}`);

    // pass code only: the old one stops working at once even with the mapping cached
    await applied(path, body({ identifier: id("new"), pass_code: "3000", customer_id: `C-KX-${segment}`, version: 3 }));
    expect(await outcomeOf(byId(id("new"), "2000"))).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byId(id("new"), "3000"))).toBe(`SUB-KX-${segment}`);
    // the authentication code was not sent: kept
    expect(await outcomeOf(byCode(id("AC-new")))).toBe(`SUB-KX-${segment}`);

    // customer: C-2 has only the terminated SUB-3
    await applied(path, body({ identifier: id("new"), customer_id: "C-2", version: 4 }));
    expect(await outcomeOf(byId(id("new"), "3000"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
    expect(await outcomeOf(byCode(id("AC-new")))).toBe("SUBSCRIPTION_NOT_ACTIVE");

    await deleted(path, 5);
    expect(await outcomeOf(byId(id("new"), "3000"))).toBe("AUTHENTICATION_FAILED");
    expect(await outcomeOf(byCode(id("AC-new")))).toBe("AUTHENTICATION_FAILED");
    await expectKeysGone([byId(id("new"), "3000"), byCode(id("AC-new"))]);
  });
});

describe("a subscription type changes", () => {
  it("name and alternative code: what subscription_type_identifier {name} / {alternative_code} narrows to", async () => {
    await applied("/subscription-types/T-D13A", subscriptionType({ name: "Gold D13", alternative_code: "GOLD-D13" }));
    await applied("/subscription-types/T-D13B", subscriptionType({ name: "Silver D13", alternative_code: "SILVER-D13" }));
    await applied("/subscriptions/SUB-D13A", subscription({ number: "D13A-NUM", customer_id: "C-D13", subscription_type_id: "T-D13A" }));
    await applied("/subscriptions/SUB-D13B", subscription({ number: "D13B-NUM", customer_id: "C-D13", subscription_type_id: "T-D13B" }));
    await applied("/access-tokens/AT-D13", credential({ identifier: "card-D13", pass_code: "1313", customer_id: "C-D13" }));
    const card = (type: Identifier) => byCard("card-D13", "1313", type);
    expect(await warm(card({ name: "Gold D13" }))).toBe("SUB-D13A");
    expect(await warm(card({ name: "Silver D13" }))).toBe("SUB-D13B");
    expect(await warm(card({ alternative_code: "SILVER-D13" }))).toBe("SUB-D13B");

    await applied("/subscription-types/T-D13A", subscriptionType({ name: "Silver D13", alternative_code: "GOLD-D13", version: 2 }));
    expect(await outcomeOf(card({ name: "Gold D13" }))).toBe("NOT_FOUND");
    expect(await kvJson(typeKey("name", "Gold D13"))).toBeNull();
    expect(await outcomeOf(card({ name: "Silver D13" }))).toBe("AMBIGUOUS_SUBSCRIPTION");

    await applied("/subscription-types/T-D13B", subscriptionType({ name: "Silver D13", alternative_code: "SILVER2-D13", version: 2 }));
    expect(await outcomeOf(card({ alternative_code: "SILVER-D13" }))).toBe("NOT_FOUND");
    expect(await kvJson(typeKey("alternative_code", "SILVER-D13"))).toBeNull();
    expect(await outcomeOf(card({ alternative_code: "SILVER2-D13" }))).toBe("SUB-D13B");

    await applied("/subscription-types/T-D13A", subscriptionType({ name: "Bronze D13", alternative_code: "GOLD-D13", version: 3 }));
    expect(await outcomeOf(card({ name: "Silver D13" }))).toBe("SUB-D13B");
    expect(await outcomeOf(card({ name: "Bronze D13" }))).toBe("SUB-D13A");
  });

  it("deleted: its name no longer narrows to anything", async () => {
    await applied("/subscription-types/T-D14", subscriptionType({ name: "Platinum D14" }));
    await applied("/subscriptions/SUB-D14", subscription({ number: "D14-NUM", customer_id: "C-D14", subscription_type_id: "T-D14" }));
    await applied("/access-tokens/AT-D14", credential({ authentication_code: "AC-D14", customer_id: "C-D14" }));
    expect(await warm(byAuthCode("AC-D14", { name: "Platinum D14" }))).toBe("SUB-D14");
    await deleted("/subscription-types/T-D14", 2);
    expect(await outcomeOf(byAuthCode("AC-D14", { name: "Platinum D14" }))).toBe("NOT_FOUND");
    expect(await kvJson(typeKey("name", "Platinum D14"))).toBeNull();
  });
});
