import { ApiError } from "../errors";
import type { SubscriptionTypeFilter } from "../identifiers";
import type { SubscriptionView } from "../model";

const ACTIVE = "active";

/**
 * Contract §4's rule: narrow by type when asked; then no candidate is
 * NOT_FOUND, one active candidate wins, none active is
 * SUBSCRIPTION_NOT_ACTIVE, several active are AMBIGUOUS_SUBSCRIPTION.
 */
export function chooseSubscription(
  candidates: readonly SubscriptionView[],
  typeFilter: SubscriptionTypeFilter | undefined,
): SubscriptionView {
  const narrowed = typeFilter
    ? candidates.filter((s) => s.type !== null && s.type[typeFilter.field] === typeFilter.value)
    : candidates;
  if (narrowed.length === 0) throw new ApiError("NOT_FOUND");
  const active = narrowed.filter((s) => s.state === ACTIVE);
  if (active.length === 1) return active[0]!;
  if (active.length === 0) throw new ApiError("SUBSCRIPTION_NOT_ACTIVE");
  throw new ApiError("AMBIGUOUS_SUBSCRIPTION", "subscription_type_identifier");
}
