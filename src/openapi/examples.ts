/**
 * Examples for the OpenAPI document, taken from the contract's demo data
 * (§5, seed/demo.json): after `npm start` each one can be sent as it is
 * (with a fresh login token). test/routes/openapi.test.ts sends every one
 * and checks that it still answers `answers`.
 */
import type { ErrorCode } from "../errors";

/** Stands for a login token from `POST /crmapi/rest/v2/authentication/token`. */
export const TOKEN_PLACEHOLDER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.<claims>.<signature>";

export const LOGIN_EXAMPLES = {
  demo: {
    summary: "The demo API user (organisation DEMO, unit HQ)",
    value: { username: "demo", password: "demo-password", organisation: "DEMO", unit: "HQ" },
  },
  default_unit: {
    summary: "Without unit: the user's default unit",
    value: { username: "other", password: "other-password", organisation: "OTHER" },
  },
};

export const RELEASE_EXAMPLES = { release: { summary: "Release a login token", value: { token: TOKEN_PLACEHOLDER } } };

export interface AuthenticateExample {
  summary: string;
  value: Record<string, unknown>;
  /** The demo data's answer: a subscription id, or an error code. */
  answers: string | ErrorCode;
}

const at = (identifier: Record<string, string>, type?: Record<string, string>) => ({
  token: TOKEN_PLACEHOLDER,
  access_token_identifier: identifier,
  ...(type ? { subscription_type_identifier: type } : {}),
});
const body = (param: string, identifier: Record<string, string>) => ({ token: TOKEN_PLACEHOLDER, [param]: identifier });

export const AUTHENTICATE_EXAMPLES: Record<string, AuthenticateExample> = {
  installed_item_serial_number: {
    summary: "Installed item by serial number: SUB-1",
    value: body("installed_item_identifier", { serial_number: "STB-0001" }),
    answers: "SUB-1",
  },
  installed_item_alternative_code: {
    summary: "Installed item by alternative code: SUB-1",
    value: body("installed_item_identifier", { alternative_code: "ALT-0001" }),
    answers: "SUB-1",
  },
  installed_item_id: { summary: "Installed item by id: SUB-3 is terminated", value: body("installed_item_identifier", { id: "II-3" }), answers: "SUBSCRIPTION_NOT_ACTIVE" },
  access_token_pass_code_by_type_code: {
    summary: "Access token with pass code, narrowed by type alternative code: SUB-2",
    value: at({ identifier: "card-0001", pass_code: "1234" }, { alternative_code: "PREMIUM" }),
    answers: "SUB-2",
  },
  access_token_code_by_type_name: {
    summary: "Access token by authentication code, narrowed by type name: SUB-1",
    value: at({ authentication_code: "AUTH-CODE-0001" }, { name: "Basic" }),
    answers: "SUB-1",
  },
  access_token_by_type_id: {
    summary: "Access token, narrowed by type id: SUB-2",
    value: at({ identifier: "card-0001", pass_code: "1234" }, { id: "T-PREMIUM" }),
    answers: "SUB-2",
  },
  access_token_ambiguous: {
    summary: "Access token without a type: customer C-1 has two active subscriptions",
    value: at({ identifier: "card-0001", pass_code: "1234" }),
    answers: "AMBIGUOUS_SUBSCRIPTION",
  },
  medium_pass_code: {
    summary: "Customer identification medium with pass code: C-2's only subscription is terminated",
    value: body("customer_identification_medium_identifier", { identifier: "medium-0003", pass_code: "9999" }),
    answers: "SUBSCRIPTION_NOT_ACTIVE",
  },
  medium_unknown_code: {
    summary: "Unknown authentication code: never NOT_FOUND, so that codes cannot be enumerated",
    value: body("customer_identification_medium_identifier", { authentication_code: "NO-SUCH-CODE" }),
    answers: "AUTHENTICATION_FAILED",
  },
  subscription_number: { summary: "Subscription by number: SUB-2", value: body("subscription_identifier", { number: "S0000000002" }), answers: "SUB-2" },
  subscription_id: { summary: "Subscription by id: SUB-1", value: body("subscription_identifier", { id: "SUB-1" }), answers: "SUB-1" },
};

/** One PUT body per admin kind (path segment), the demo records as CRM.COM would push them. */
export const ADMIN_PUT_EXAMPLES: Record<string, { id: string; value: Record<string, unknown> }> = {
  "subscription-types": { id: "T-BASIC", value: { organisation: "DEMO", name: "Basic", alternative_code: "BASIC", version: 1 } },
  subscriptions: {
    id: "SUB-1",
    value: { organisation: "DEMO", number: "S0000000001", state: "active", subscription_type_id: "T-BASIC", customer_id: "C-1", user_id: "tucano-user-1", version: 1 },
  },
  "installed-items": {
    id: "II-1",
    value: { organisation: "DEMO", serial_number: "STB-0001", alternative_code: "ALT-0001", subscription_id: "SUB-1", version: 1 },
  },
  "access-tokens": {
    id: "AT-1",
    value: { organisation: "DEMO", identifier: "card-0001", pass_code: "1234", authentication_code: "AUTH-CODE-0001", customer_id: "C-1", version: 1 },
  },
  "customer-identification-mediums": {
    id: "CIM-2",
    value: { organisation: "DEMO", identifier: "medium-0003", pass_code: "9999", customer_id: "C-2", version: 1 },
  },
  "api-users": { id: "demo", value: { organisation: "DEMO", password: "demo-password", unit: "HQ", version: 1 } },
};
