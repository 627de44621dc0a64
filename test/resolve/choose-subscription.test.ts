import { describe, expect, it } from "vitest";
import type { SubscriptionView } from "../../src/model";
import { chooseSubscription } from "../../src/resolve/choose-subscription";

const sub = (id: string, state: string, type_id = "T-B"): SubscriptionView => ({ id, state, user_id: `u-${id}`, type_id });

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
    ["several active", [sub("1", "active"), sub("2", "active", "T-P")], undefined, "AMBIGUOUS_SUBSCRIPTION"],
    ["a type no candidate has", [sub("1", "active")], ["T-X"], "NOT_FOUND"],
    ["a type that matched no type record", [sub("1", "active")], [], "NOT_FOUND"],
    ["a type of two active", [sub("1", "active"), sub("2", "active")], ["T-B"], "AMBIGUOUS_SUBSCRIPTION"],
    ["a type whose only candidate is inactive", [sub("1", "terminated"), sub("2", "active", "T-P")], ["T-B"], "SUBSCRIPTION_NOT_ACTIVE"],
  ])("%s -> %s", (_, candidates, typeIds, expected) => {
    expect(codeOf(() => chooseSubscription(candidates, typeIds))).toBe(expected);
  });

  it("picks the one candidate when it is active", () => {
    expect(chooseSubscription([sub("1", "active")], undefined).id).toBe("1");
  });

  it("picks the single active one among several", () => {
    expect(chooseSubscription([sub("1", "terminated"), sub("2", "active")], undefined).id).toBe("2");
  });

  it("narrows to the given type ids (a name may belong to several types)", () => {
    const candidates = [sub("1", "active"), sub("2", "active", "T-P"), sub("3", "active", "T-Q")];
    expect(chooseSubscription(candidates, ["T-P", "T-X"]).id).toBe("2");
  });
});
