import { ApiError } from "../errors";
import type { SubscriptionView } from "../model";

const ACTIVE = "active";

/**
 * Contract §4's rule: narrow to the given type ids when asked; then no candidate is
 * NOT_FOUND, one active candidate wins, none active is
 * SUBSCRIPTION_NOT_ACTIVE, several active are AMBIGUOUS_SUBSCRIPTION.
 */
export function chooseSubscription(
  candidates: readonly SubscriptionView[],
  typeIds: readonly string[] | undefined,
): SubscriptionView {
  const narrowed = typeIds ? candidates.filter((s) => typeIds.includes(s.type_id)) : candidates;
  if (narrowed.length === 0) throw new ApiError("NOT_FOUND");
  const active = narrowed.filter((s) => s.state === ACTIVE);
  if (active.length === 1) return active[0]!;
  if (active.length === 0) throw new ApiError("SUBSCRIPTION_NOT_ACTIVE");
  throw new ApiError("AMBIGUOUS_SUBSCRIPTION", "subscription_type_identifier");
}
