import { describe, expect, it } from "vitest";
import { authenticate, loginToken } from "../helpers";
import { del, get, importLines, put } from "./admin-helpers";

describe("provisioning smoke", () => {
  it("works end to end", async () => {
    const token = await loginToken();
    let r = await put("/installed-items/II-NEW", { organisation: "DEMO", serial_number: "STB-NEW", subscription_id: "SUB-2", version: 1 });
    expect(r.body).toMatchObject({ status: { code: "OK" }, data: { applied: true, stale: false, version: 1 } });
    expect((await authenticate({ token, installed_item_identifier: { serial_number: "STB-NEW" } })).body.data?.subscription_id).toBe("SUB-2");
    r = await put("/subscriptions/SUB-2", { organisation: "DEMO", number: "S0000000002", state: "suspended", subscription_type_id: "T-PREMIUM", customer_id: "C-1", user_id: "tucano-user-2", version: 2 });
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 2 });
    expect((await authenticate({ token, installed_item_identifier: { serial_number: "STB-NEW" } })).body.status.code).toBe("SUBSCRIPTION_NOT_ACTIVE");
    expect((await authenticate({ token, access_token_identifier: { identifier: "card-0001", pass_code: "1234" } })).body.data?.subscription_id).toBe("SUB-1");
    r = await get("/installed-items/II-NEW");
    expect(r.body.data).toEqual({ id: "II-NEW", organisation: "DEMO", serial_number: "STB-NEW", alternative_code: null, subscription_id: "SUB-2", version: 1 });
    r = await del("/installed-items/II-NEW", 2);
    expect(r.body.data).toEqual({ applied: true, stale: false, version: 2 });
    expect((await authenticate({ token, installed_item_identifier: { serial_number: "STB-NEW" } })).body.status.code).toBe("NOT_FOUND");
    r = await importLines([
      { op: "upsert", kind: "installed-items", id: "II-NEW", organisation: "DEMO", serial_number: "X", subscription_id: "SUB-1", version: 1 },
      { op: "upsert", kind: "installed-items", id: "II-7", organisation: "DEMO", serial_number: "STB-7", subscription_id: "SUB-1", version: 1 },
      "not json",
      { op: "upsert", kind: "nope", id: "x", version: 1 },
      { op: "upsert", kind: "installed-items", id: "II-8", organisation: "DEMO", serial_number: "STB-7", subscription_id: "SUB-1", version: 1 },
    ]);
    expect(r.body.data).toMatchObject({ applied: 1, stale: 1 });
    expect(r.body.data.rejected.map((x: any) => [x.line, x.code])).toEqual([[3, "MALFORMED_REQUEST"], [4, "INVALID_PARAMETER"], [5, "CONFLICT"]]);
    r = await import("./admin-helpers").then((m) => m.admin("POST", "/reindex"));
    expect(r.body.status.code).toBe("OK");
  });
});
