import { LIMITS } from "../constants";
import { keyedHash, verifyKeyedHash } from "../crypto/credentials";
import { ApiError } from "../errors";
import type { IdentifierLookup, SubscriptionTypeFilter } from "../identifiers";
import { recordFailure, refuseIfLocked, subject, type LimitDeps, type Subject } from "../limits/lockout";
import type { Mapping, SubscriptionView, TypeMapping } from "../model";
import { findMapping, findTypeIds } from "../store/d1";
import { kvKeys } from "../store/kv";
import { cacheAside, type MappingSources } from "./cache-aside";
import { chooseSubscription } from "./choose-subscription";

/** Who is asking: the login token's organisation and user, and the device's address. */
export interface Caller {
  organisation: string;
  user: string;
  ip: string;
}

/**
 * Identifier -> the one subscription it designates, within the caller's
 * organisation: records of other organisations are simply never looked at.
 * Credential guesses are counted (src/limits): wrong pass codes against the
 * identifier, unknown authentication codes against the caller's IP and user.
 */
export async function resolveSubscription(
  sources: MappingSources,
  limits: LimitDeps,
  caller: Caller,
  lookup: IdentifierLookup,
  typeFilter: SubscriptionTypeFilter | undefined,
  now: number,
  /** Settles once the login token is known valid; failures are counted only then. */
  sessionValid: Promise<void>,
): Promise<SubscriptionView> {
  const { kind, field } = lookup;
  const { organisation } = caller;
  const storedValue = field.keyed ? await keyedHash(limits.pepperKey, field.name, lookup.value) : lookup.value;
  const subjects = await guardedSubjects(limits.pepperKey, caller, lookup);

  const [mapping, typeIds] = await Promise.all([
    cacheAside<Mapping>(sources, kvKeys.mapping(organisation, kind, field, storedValue), () =>
      findMapping(sources.db, organisation, kind, field, storedValue),
    ),
    typeFilter ? resolveTypeIds(sources, organisation, typeFilter) : undefined,
    refuseIfLocked(limits, subjects, now),
  ]);
  const fail = async (error: ApiError) => {
    if (subjects.length === 0) return error;
    await sessionValid;
    return recordFailure(limits, subjects, now, error);
  };
  if (!mapping) throw await fail(new ApiError(kind.unknownAs));
  if (field.requires) {
    const secretOk = await verifyKeyedHash(limits.pepperKey, field.requires.name, lookup.secret ?? "", mapping.pass_code_hash);
    if (!secretOk) throw await fail(new ApiError("AUTHENTICATION_FAILED"));
  }
  return chooseSubscription(mapping.subscriptions, typeIds);
}

/** The subjects whose failures this lookup counts (none for installed items and subscriptions). */
async function guardedSubjects(pepperKey: CryptoKey, caller: Caller, { kind, field, value }: IdentifierLookup): Promise<Subject[]> {
  if (field.requires) {
    return [await subject(pepperKey, LIMITS.identifier, `${caller.organisation}\u0000${kind.param}\u0000${value}`)];
  }
  if (field.keyed) {
    return Promise.all([
      subject(pepperKey, LIMITS.authenticationCodeByIp, caller.ip),
      subject(pepperKey, LIMITS.authenticationCodeByUser, `${caller.organisation}\u0000${caller.user}`),
    ]);
  }
  return [];
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
