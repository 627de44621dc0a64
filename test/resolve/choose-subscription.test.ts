import { describe, expect, it } from "vitest";
import type { SubscriptionView } from "../../src/model";
import { chooseSubscription } from "../../src/resolve/choose-subscription";

const basic = { id: "T-B", name: "Basic", alternative_code: "B" };
const premium = { id: "T-P", name: "Premium", alternative_code: null };
const sub = (id: string, state: string, type = basic): SubscriptionView => ({ id, state, user_id: `u-${id}`, type });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("chooseSubscription", () => {
  it.each([
    ["no candidate", [], undefined, "NOT_FOUND"],
    ["one inactive candidate", [sub("1", "terminated")], undefined, "SUBSCRIPTION_NOT_ACTIVE"],
    ["several, none active", [sub("1", "terminated"), sub("2", "suspended")], undefined, "SUBSCRIPTION_NOT_ACTIVE"],
    ["several active", [sub("1", "active"), sub("2", "active", premium)], undefined, "AMBIGUOUS_SUBSCRIPTION"],
    ["a type no candidate has", [sub("1", "active")], { field: "id", value: "T-X" } as const, "NOT_FOUND"],
    ["a type of two active", [sub("1", "active"), sub("2", "active")], { field: "name", value: "Basic" } as const, "AMBIGUOUS_SUBSCRIPTION"],
  ])("%s -> %s", (_, candidates, filter, expected) => {
    expect(codeOf(() => chooseSubscription(candidates, filter))).toBe(expected);
  });

  it("picks the one candidate when it is active", () => {
    expect(chooseSubscription([sub("1", "active")], undefined).id).toBe("1");
  });

  it("picks the single active one among several", () => {
    expect(chooseSubscription([sub("1", "terminated"), sub("2", "active")], undefined).id).toBe("2");
  });

  it.each([
    ["id", "T-P"],
    ["name", "Premium"],
  ] as const)("narrows by type %s", (field, value) => {
    const candidates = [sub("1", "active"), sub("2", "active", premium)];
    expect(chooseSubscription(candidates, { field, value }).id).toBe("2");
  });

  it("never matches a missing alternative code with a given one", () => {
    expect(codeOf(() => chooseSubscription([sub("2", "active", premium)], { field: "alternative_code", value: "" }))).toBe(
      "NOT_FOUND",
    );
  });
});
