/**
 * THE provisioning table (contract §6): every record kind CRM.COM pushes,
 * its admin path segment, D1 table and fields. Body validation, D1 writes,
 * GET rendering and the import all read it.
 */
export interface RecordField {
  /** Name in the PUT body, the import line and the GET answer. */
  readonly name: string;
  /** D1 column; defaults to `name`. Secrets are stored under their hash column. */
  readonly column?: string;
  readonly required: boolean;
  readonly type?: "string" | "boolean";
  /**
   * Hashed on the way in and never returned. When absent from a PUT the
   * stored hash is kept (CRM.COM may update a record without resending its
   * secret); an explicit null clears it.
   */
  readonly secret?: "password" | "keyed";
  /** Path segment of the kind this field refers to, in the same organisation. */
  readonly references?: string;
  /** The field names a customer, which then exists in the record's organisation. */
  readonly customer?: true;
}

export interface RecordKind {
  /** Admin path segment and import `kind`. */
  readonly segment: string;
  readonly table: string;
  readonly idColumn: string;
  readonly fields: readonly RecordField[];
}

const CREDENTIAL_FIELDS: readonly RecordField[] = [
  { name: "identifier", required: false },
  { name: "pass_code", column: "pass_code_hash", required: false, secret: "keyed" },
  { name: "authentication_code", column: "authentication_code_hash", required: false, secret: "keyed" },
  { name: "customer_id", required: true, customer: true },
];

export const RECORD_KINDS: readonly RecordKind[] = [
  {
    segment: "subscription-types",
    table: "subscription_types",
    idColumn: "id",
    fields: [
      { name: "name", required: true },
      { name: "alternative_code", required: false },
    ],
  },
  {
    segment: "subscriptions",
    table: "subscriptions",
    idColumn: "id",
    fields: [
      { name: "number", required: true },
      { name: "state", required: true },
      { name: "subscription_type_id", required: true, references: "subscription-types" },
      { name: "customer_id", required: true, customer: true },
      { name: "user_id", required: true },
    ],
  },
  {
    segment: "installed-items",
    table: "installed_items",
    idColumn: "id",
    fields: [
      { name: "serial_number", required: false },
      { name: "alternative_code", required: false },
      { name: "subscription_id", required: true, references: "subscriptions" },
    ],
  },
  { segment: "access-tokens", table: "access_tokens", idColumn: "id", fields: CREDENTIAL_FIELDS },
  {
    segment: "customer-identification-mediums",
    table: "customer_identification_media",
    idColumn: "id",
    fields: CREDENTIAL_FIELDS,
  },
  {
    segment: "api-users",
    table: "api_users",
    idColumn: "username",
    fields: [
      { name: "password", column: "password_hash", required: false, secret: "password" },
      { name: "unit", required: true },
      { name: "disabled", required: false, type: "boolean" },
    ],
  },
];

export function recordKind(segment: string): RecordKind | undefined {
  return RECORD_KINDS.find((k) => k.segment === segment);
}

export function columnOf(field: RecordField): string {
  return field.column ?? field.name;
}

/** The tables whose rows name customers (a customer exists while one does). */
export const CUSTOMER_TABLES = RECORD_KINDS.filter((k) => k.fields.some((f) => f.customer)).map((k) => ({
  table: k.table,
  column: columnOf(k.fields.find((f) => f.customer)!),
}));
