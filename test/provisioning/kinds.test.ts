/**
 * Issue #3, per kind: create, update, stale update ignored, delete, stale
 * delete ignored, tombstones keep late upserts out, out-of-order delivery,
 * and ids that are global across organisations. Each test uses its own id
 * and unique values (storage is shared by the tests of this file).
 */
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { LOGIN, postJson } from "../helpers";
import { del, get, put } from "./admin-helpers";
import { byCard, byMedium, bySerial, bySubscriptionNumber, outcomeOf, subscription, type Identifier, type Org } from "./provision-helpers";

interface KindCase {
  segment: string;
  /** The PUT body without version; variant 0 and 1 differ in one visible way. */
  body(tag: string, variant: 0 | 1, org: Org): Identifier;
  /** GET's data without id, organisation and version. */
  view(tag: string, variant: 0 | 1): Identifier;
  /** What the record answers from outside: after variant 0, after variant 1, once deleted. */
  probe?: { run(tag: string): Promise<string>; expected: [string, string, string] };
}

/** Customer C-KA has exactly one (active) subscription; C-2 only the terminated SUB-3. */
beforeAll(async () => {
  const r = await put("/subscriptions/SUB-KA", subscription({ number: "KA-0001", customer_id: "C-KA", user_id: "user-ka" }));
  expect(r.body.data).toEqual({ applied: true, stale: false, version: 1 });
});

async function loginOutcome(username: string, password: string): Promise<string> {
  const { body } = await postJson(LOGIN, { username, password, organisation: "DEMO" });
  return body.status.code === "OK" ? String(decodeJwt(body.data.token).oun) : body.status.code;
}

const credentialCase = (segment: string, probe: (identifier: string, passCode: string) => Identifier): KindCase => ({
  segment,
  body: (tag, v, org) => ({
    identifier: `card-${segment}-${tag}`,
    pass_code: "1111",
    authentication_code: `AC-${segment}-${tag}`,
    customer_id: org === "OTHER" ? "C-9" : v === 0 ? "C-KA" : "C-2",
  }),
  view: (tag, v) => ({ identifier: `card-${segment}-${tag}`, customer_id: v === 0 ? "C-KA" : "C-2" }),
  probe: {
    run: (tag) => outcomeOf(probe(`card-${segment}-${tag}`, "1111")),
    expected: ["SUB-KA", "SUBSCRIPTION_NOT_ACTIVE", "AUTHENTICATION_FAILED"],
  },
});

const CASES: KindCase[] = [
  {
    segment: "subscription-types",
    body: (tag, v) => ({ name: `Type ${tag} ${v}`, alternative_code: `TYPE-${tag}` }),
    view: (tag, v) => ({ name: `Type ${tag} ${v}`, alternative_code: `TYPE-${tag}` }),
  },
  {
    segment: "subscriptions",
    body: (tag, v, org) => ({
      number: `K-${tag}`,
      state: v === 0 ? "active" : "suspended",
      subscription_type_id: org === "OTHER" ? "T-OTHER" : "T-BASIC",
      customer_id: org === "OTHER" ? "C-9" : `C-K-${tag}`,
      user_id: `user-${tag}`,
    }),
    view: (tag, v) => ({
      number: `K-${tag}`,
      state: v === 0 ? "active" : "suspended",
      subscription_type_id: "T-BASIC",
      customer_id: `C-K-${tag}`,
      user_id: `user-${tag}`,
    }),
    probe: {
      run: async (tag) => {
        const outcome = await outcomeOf(bySubscriptionNumber(`K-${tag}`));
        return outcome === `subscriptions-${tag}` ? "the subscription" : outcome;
      },
      expected: ["the subscription", "SUBSCRIPTION_NOT_ACTIVE", "NOT_FOUND"],
    },
  },
  {
    segment: "installed-items",
    body: (tag, v, org) => ({ serial_number: `STB-K-${tag}`, subscription_id: org === "OTHER" ? "SUB-9" : v === 0 ? "SUB-1" : "SUB-2" }),
    view: (tag, v) => ({ serial_number: `STB-K-${tag}`, alternative_code: null, subscription_id: v === 0 ? "SUB-1" : "SUB-2" }),
    probe: { run: (tag) => outcomeOf(bySerial(`STB-K-${tag}`)), expected: ["SUB-1", "SUB-2", "NOT_FOUND"] },
  },
  credentialCase("access-tokens", byCard),
  credentialCase("customer-identification-mediums", byMedium),
  {
    segment: "api-users",
    body: (tag, v) => ({ password: `pw-${tag}`, unit: v === 0 ? "HQ" : "U2" }),
    view: (_tag, v) => ({ unit: v === 0 ? "HQ" : "U2", disabled: false }),
    probe: { run: (tag) => loginOutcome(`k-${tag}`, `pw-${tag}`), expected: ["HQ", "U2", "AUTHENTICATION_FAILED"] },
  },
];

let counter = 0;

describe.each(CASES)("$segment", (kind) => {
  /** A fresh tag and the record's path. */
  const fresh = () => {
    const tag = `${++counter}`;
    const id = kind.segment === "api-users" ? `k-${tag}` : `${kind.segment}-${tag}`;
    return { tag, id, path: `/${kind.segment}/${id}` };
  };
  const putVariant = (path: string, tag: string, variant: 0 | 1, version: number, org: Org = "DEMO") =>
    put(path, { organisation: org, ...kind.body(tag, variant, org), version });
  const expectView = async (path: string, id: string, tag: string, variant: 0 | 1, version: number) => {
    const r = await get(path);
    expect(r.response.status).toBe(200);
    expect(r.body.data).toEqual({ id, organisation: "DEMO", ...kind.view(tag, variant), version });
  };
  const expectProbe = async (tag: string, which: 0 | 1 | 2) => {
    if (kind.probe) expect(await kind.probe.run(tag)).toBe(kind.probe.expected[which]);
  };
  const expectGone = async (path: string) => {
    const r = await get(path);
    expect(r.response.status).toBe(404);
    expect(r.body.status.code).toBe("NOT_FOUND");
  };

  it("create: PUT of a new id is applied and visible", async () => {
    const { tag, id, path } = fresh();
    const r = await putVariant(path, tag, 0, 1);
    expect(r.response.status).toBe(200);
    expect(r.body).toMatchObject({ status: { code: "OK" }, data: { applied: true, stale: false, version: 1 } });
    await expectView(path, id, tag, 0, 1);
    await expectProbe(tag, 0);
  });

  it("update: a newer version replaces the record", async () => {
    const { tag, id, path } = fresh();
    await putVariant(path, tag, 0, 1);
    await expectProbe(tag, 0);
    const r = await putVariant(path, tag, 1, 2);
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 2 });
    await expectView(path, id, tag, 1, 2);
    await expectProbe(tag, 1);
  });

  it("stale update ignored: same or older version changes nothing (retry, out of order)", async () => {
    const { tag, id, path } = fresh();
    await putVariant(path, tag, 0, 2);
    for (const version of [2, 1]) {
      const r = await putVariant(path, tag, 1, version);
      expect(r.response.status).toBe(200);
      expect(r.body.data).toEqual({ applied: false, stale: true, version: 2 });
    }
    await expectView(path, id, tag, 0, 2);
    await expectProbe(tag, 0);
  });

  it("out-of-order delivery: v5 then v4 keeps v5", async () => {
    const { tag, id, path } = fresh();
    expect((await putVariant(path, tag, 1, 5)).body.data).toEqual({ applied: true, stale: false, version: 5 });
    expect((await putVariant(path, tag, 0, 4)).body.data).toEqual({ applied: false, stale: true, version: 5 });
    await expectView(path, id, tag, 1, 5);
    await expectProbe(tag, 1);
  });

  it("delete: a newer version removes it; the retry is stale", async () => {
    const { tag, path } = fresh();
    await putVariant(path, tag, 0, 1);
    await expectProbe(tag, 0);
    let r = await del(path, 2);
    expect(r.response.status).toBe(200);
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 2 });
    await expectGone(path);
    await expectProbe(tag, 2);
    r = await del(path, 2);
    expect(r.body.data).toEqual({ applied: false, stale: true, version: 2 });
  });

  it("stale delete ignored: a delete older than the record changes nothing", async () => {
    const { tag, id, path } = fresh();
    await putVariant(path, tag, 0, 3);
    for (const version of [3, 2]) {
      const r = await del(path, version);
      expect(r.body.data).toEqual({ applied: false, stale: true, version: 3 });
    }
    await expectView(path, id, tag, 0, 3);
    await expectProbe(tag, 0);
  });

  it("tombstone keeps a late stale upsert out; a newer one brings the record back", async () => {
    const { tag, id, path } = fresh();
    await putVariant(path, tag, 0, 1);
    await del(path, 3);
    for (const version of [2, 3]) {
      const r = await putVariant(path, tag, 1, version);
      expect(r.body.data).toEqual({ applied: false, stale: true, version: 3 });
    }
    await expectGone(path);
    await expectProbe(tag, 2);
    const r = await putVariant(path, tag, 1, 4);
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 4 });
    await expectView(path, id, tag, 1, 4);
    await expectProbe(tag, 1);
  });

  it("a delete that arrives before the create keeps the older create out", async () => {
    const { tag, path } = fresh();
    expect((await del(path, 5)).body.data).toEqual({ applied: true, stale: false, version: 5 });
    expect((await putVariant(path, tag, 0, 3)).body.data).toEqual({ applied: false, stale: true, version: 5 });
    await expectGone(path);
    await expectProbe(tag, 2);
  });

  it("ids are global: a PUT of an existing id under another organisation is 409 and changes nothing", async () => {
    const { tag, id, path } = fresh();
    await putVariant(path, tag, 0, 1);
    const r = await putVariant(path, tag, 0, 2, "OTHER");
    expect(r.response.status).toBe(409);
    expect(r.body).toMatchObject({ status: { code: "CONFLICT" }, data: null });
    await expectView(path, id, tag, 0, 1);
    await expectProbe(tag, 0);
  });
});
