/**
 * THE identifier table (contract §4). Validation, resolution, D1 queries and
 * KV keys all read it: adding an identifier kind or a lookup field is one row
 * here. Column and table names are storage facts, used only by src/store/.
 */

/** A secret that accompanies a lookup field, e.g. the pass code of an identifier. */
export interface CompanionSecret {
  readonly name: "pass_code";
  /** D1 column holding its keyed hash. */
  readonly column: string;
}

export interface LookupField {
  /** Field name inside the identifier object. */
  readonly name: string;
  /** D1 column holding the value (or its keyed hash). */
  readonly column: string;
  /** Stored and looked up only as a keyed hash (HMAC with CREDENTIAL_PEPPER). */
  readonly keyed?: boolean;
  /** A secret that must come with this field, and is not allowed with the others. */
  readonly requires?: CompanionSecret;
}

/** How a record of this kind leads to subscriptions. */
export type Link =
  | { readonly via: "subscription"; readonly column: string }
  | { readonly via: "customer"; readonly column: string };

export interface IdentifierKind {
  /** Request parameter name. */
  readonly param: string;
  /** Short tag used in KV keys (docs/storage.md). */
  readonly kvTag: string;
  readonly table: string;
  readonly link: Link;
  readonly fields: readonly LookupField[];
  /**
   * What an unknown value answers. Credentials answer AUTHENTICATION_FAILED so
   * that nobody can enumerate which identifiers or codes exist.
   */
  readonly unknownAs: "AUTHENTICATION_FAILED" | "NOT_FOUND";
}

const PASS_CODE: CompanionSecret = { name: "pass_code", column: "pass_code_hash" };

const CREDENTIAL_FIELDS: readonly LookupField[] = [
  { name: "authentication_code", column: "authentication_code_hash", keyed: true },
  { name: "identifier", column: "identifier", requires: PASS_CODE },
];

export const IDENTIFIER_KINDS: readonly IdentifierKind[] = [
  {
    param: "access_token_identifier",
    kvTag: "at",
    table: "access_tokens",
    link: { via: "customer", column: "customer_id" },
    fields: CREDENTIAL_FIELDS,
    unknownAs: "AUTHENTICATION_FAILED",
  },
  {
    param: "customer_identification_medium_identifier",
    kvTag: "cim",
    table: "customer_identification_media",
    link: { via: "customer", column: "customer_id" },
    fields: CREDENTIAL_FIELDS,
    unknownAs: "AUTHENTICATION_FAILED",
  },
  {
    param: "installed_item_identifier",
    kvTag: "ii",
    table: "installed_items",
    link: { via: "subscription", column: "subscription_id" },
    fields: [
      { name: "id", column: "id" },
      { name: "serial_number", column: "serial_number" },
      { name: "alternative_code", column: "alternative_code" },
    ],
    unknownAs: "NOT_FOUND",
  },
  {
    param: "subscription_identifier",
    kvTag: "sub",
    table: "subscriptions",
    link: { via: "subscription", column: "id" },
    fields: [
      { name: "id", column: "id" },
      { name: "number", column: "number" },
    ],
    unknownAs: "NOT_FOUND",
  },
];

/** Fields of a subscription type that `subscription_type_identifier` can match. */
export type SubscriptionTypeField = "id" | "name" | "alternative_code";

export interface TypeLookupField {
  readonly name: SubscriptionTypeField;
  readonly column: string;
  /**
   * Compared with the candidates' type id as it stands, with no lookup.
   * The other fields are looked up (KV, then D1) to the ids of the
   * organisation's types that have that name or code.
   */
  readonly direct?: true;
}

/**
 * The optional filter that narrows a customer's subscriptions to one type.
 * Mappings hold only each subscription's type id, so renaming a type
 * rewrites its own few keys, not those of every subscription of that type.
 */
export const SUBSCRIPTION_TYPE_FILTER = {
  param: "subscription_type_identifier",
  kvTag: "type",
  table: "subscription_types",
  fields: [
    { name: "id", column: "id", direct: true },
    { name: "name", column: "name" },
    { name: "alternative_code", column: "alternative_code" },
  ] as readonly TypeLookupField[],
  /** Only identifiers that lead to a customer's several subscriptions can be narrowed. */
  allowedWith: ["access_token_identifier"] as readonly string[],
};

/** The identifier a request named, already validated. */
export interface IdentifierLookup {
  readonly kind: IdentifierKind;
  readonly field: LookupField;
  readonly value: string;
  /** The companion secret's value, present exactly when `field.requires` is set. */
  readonly secret?: string;
}

export interface SubscriptionTypeFilter {
  readonly field: TypeLookupField;
  readonly value: string;
}
