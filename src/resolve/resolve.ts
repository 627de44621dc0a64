import type { Config } from "../config";
import { keyedHash, verifyKeyedHash } from "../crypto/credentials";
import { ApiError } from "../errors";
import type { IdentifierLookup, SubscriptionTypeFilter } from "../identifiers";
import type { Mapping, SubscriptionView, TypeMapping } from "../model";
import { findMapping, findTypeIds } from "../store/d1";
import { kvKeys } from "../store/kv";
import { cacheAside, type MappingSources } from "./cache-aside";
import { chooseSubscription } from "./choose-subscription";

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

  const [mapping, typeIds] = await Promise.all([
    cacheAside<Mapping>(sources, kvKeys.mapping(organisation, kind, field, storedValue), () =>
      findMapping(sources.db, organisation, kind, field, storedValue),
    ),
    typeFilter ? resolveTypeIds(sources, organisation, typeFilter) : undefined,
  ]);
  if (!mapping) throw new ApiError(kind.unknownAs);

  if (field.requires) {
    const secretOk = await verifyKeyedHash(pepperKey!, field.requires.name, lookup.secret ?? "", mapping.pass_code_hash);
    if (!secretOk) throw new ApiError("AUTHENTICATION_FAILED");
  }
  return chooseSubscription(mapping.subscriptions, typeIds);
}

async function resolveTypeIds(
  sources: MappingSources,
  organisation: string,
  { field, value }: SubscriptionTypeFilter,
): Promise<string[]> {
  if (field.direct) return [value];
  const found = await cacheAside<TypeMapping>(sources, kvKeys.typeIds(organisation, field, value), () =>
    findTypeIds(sources.db, organisation, field, value),
  );
  return found?.type_ids ?? [];
}
