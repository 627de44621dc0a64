import { describe, expect, it } from "vitest";
import { AUTHENTICATE, authenticate, loginToken } from "./helpers";

describe("smoke", () => {
  it("authenticates", async () => {
    const token = await loginToken();
    const { response, body } = await authenticate({ token, installed_item_identifier: { serial_number: "STB-0001" } });
    expect(body).toMatchObject({ status: { code: "OK" }, data: { subscription_id: "SUB-1" } });
    expect(response.status).toBe(200);
    expect(AUTHENTICATE).toContain("authenticate");
  });
});
