import { describe, expect, it } from "vitest";
import { jsonShapeProblem } from "../../src/middleware/json-shape";
import { authenticate, loginToken, postJson, AUTHENTICATE } from "../helpers";

describe("jsonShapeProblem", () => {
  it.each([
    ['{"a":1,"a":2}', /"a" appears twice/],
    ['{"a":1,"\\u0061":2}', /"a" appears twice/],
    ['{"x":{"b":[1,{"c":1,"c":1}]}}', /"c" appears twice/],
    ['{"token":"t","installed_item_identifier":{"id":"1"},"token":"u"}', /"token" appears twice/],
    [`${"[".repeat(17)}${"]".repeat(17)}`, /nested deeper than 16/],
  ])("%s", (text, problem) => {
    expect(jsonShapeProblem(text)).toMatch(problem);
  });

  it.each([
    '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}',
    '{"a":"a string with \\"quotes\\", commas, {braces} and [brackets]","b":"\\\\"}',
    `${"[".repeat(16)}${"]".repeat(16)}`,
  ])("accepts %s", (text) => {
    expect(jsonShapeProblem(text)).toBeNull();
  });
});

describe("hostile bodies through authenticate: clear 4xx", () => {
  it.each([
    ["a duplicate key", '{"token":"t","token":"u","installed_item_identifier":{"id":"II-1"}}', 400, "MALFORMED_REQUEST"],
    ["deep nesting", `{"token":${"[".repeat(5000)}${"]".repeat(5000)}}`, 400, "MALFORMED_REQUEST"],
    ["a huge number", '{"token":1e999999,"installed_item_identifier":{"id":"II-1"}}', 400, "INVALID_PARAMETER"],
    ["a lone surrogate", '{"token":"\\ud800","installed_item_identifier":{"id":"II-1"}}', 400, "INVALID_PARAMETER"],
    ["a NUL byte", '{"token":"a\\u0000b","installed_item_identifier":{"id":"II-1"}}', 400, "INVALID_PARAMETER"],
  ])("%s", async (_, body, status, code) => {
    const { response, body: envelope } = await postJson(AUTHENTICATE, body);
    expect(response.status).toBe(status);
    expect(envelope.status.code).toBe(code);
  });

  it("a duplicated identifier key cannot smuggle a second lookup", async () => {
    const token = await loginToken();
    const text = `{"token":"${token}","installed_item_identifier":{"serial_number":"STB-0003","serial_number":"STB-0001"}}`;
    expect((await postJson(AUTHENTICATE, text)).body.status.code).toBe("MALFORMED_REQUEST");
    expect((await authenticate({ token, installed_item_identifier: { serial_number: "STB-0001" } })).response.status).toBe(200);
  });
});
