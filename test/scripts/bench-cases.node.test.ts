import { describe, expect, it } from "vitest";
import { BASELINE_CASE, benchCases, HOT_SERIAL_CASE, SIGN_ONLY_CASE } from "../../scripts/lib/bench/cases";

describe("the bench's cases", () => {
  const cases = benchCases("login-token", 10);

  it("the ratios read the cases they name", () => {
    expect(cases[BASELINE_CASE]).toMatchObject({ path: "/__bench/noop", method: "POST", hotPath: false });
    expect(cases[HOT_SERIAL_CASE]).toMatchObject({ path: "/crmapi/rest/v2/tucano/subscriber/authenticate", hotPath: true });
    expect(cases[SIGN_ONLY_CASE]).toMatchObject({ path: "/__bench/sign", method: "POST", hotPath: false });
  });

  it("the baseline and the signing floor receive the hot case's exact bytes", () => {
    expect(cases[BASELINE_CASE]!.body).toBe(cases[HOT_SERIAL_CASE]!.body);
    expect(cases[SIGN_ONLY_CASE]!.body).toBe(cases[HOT_SERIAL_CASE]!.body);
  });

  it("the cold case never repeats a body within its bound", () => {
    const cold = cases.find((c) => c.bodyFor)!;
    const bodies = new Set(Array.from({ length: cold.maxRequests! }, (_, n) => cold.bodyFor!(n)));
    expect(bodies.size).toBe(cold.maxRequests);
  });
});
