import type { Config } from "../config";
import { keyedHash, verifyKeyedHash } from "../crypto/credentials";
import { ApiError } from "../errors";
import type { IdentifierLookup, SubscriptionTypeFilter } from "../identifiers";
import type { SubscriptionView } from "../model";
import { chooseSubscription } from "./choose-subscription";
import { loadMapping, type MappingSources } from "./load-mapping";

/**
 * Identifier -> the one subscription it designates, within one organisation:
 * records of other organisations are simply never looked at.
 */
export async function resolveSubscription(
  sources: MappingSources,
  config: Pick<Config, "credentialPepperKey">,
  organisation: string,
  lookup: IdentifierLookup,
  typeFilter: SubscriptionTypeFilter | undefined,
): Promise<SubscriptionView> {
  const { kind, field } = lookup;
  const pepperKey = field.keyed || field.requires ? await config.credentialPepperKey : undefined;
  const storedValue = field.keyed ? await keyedHash(pepperKey!, field.name, lookup.value) : lookup.value;

  const mapping = await loadMapping(sources, organisation, kind, field, storedValue);
  if (!mapping) throw new ApiError(kind.unknownAs);

  if (field.requires) {
    const secretOk = await verifyKeyedHash(pepperKey!, field.requires.name, lookup.secret ?? "", mapping.pass_code_hash);
    if (!secretOk) throw new ApiError("AUTHENTICATION_FAILED");
  }
  return chooseSubscription(mapping.subscriptions, typeFilter);
}
