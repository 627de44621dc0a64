import { describe, expect, it } from "vitest";
import { csvRecord, parseCsvLine } from "../../scripts/lib/csv";

describe("provisioning CLI's CSV reading", () => {
  it("splits cells with RFC 4180 quoting", () => {
    expect(parseCsvLine('a,"b,c","say ""hi""",,e')).toEqual(["a", "b,c", 'say "hi"', "", "e"]);
  });

  it("turns a row into an import record: empty cells absent, version a number, disabled a boolean", () => {
    const header = ["op", "kind", "id", "version", "organisation", "unit", "disabled", "password"];
    expect(csvRecord(header, ["upsert", "api-users", "ann", "3", "DEMO", "HQ", "true", ""])).toEqual({
      op: "upsert",
      kind: "api-users",
      id: "ann",
      version: 3,
      organisation: "DEMO",
      unit: "HQ",
      disabled: true,
    });
  });

  it("keeps a bad version as text, for the worker to reject with its line", () => {
    expect(csvRecord(["version"], ["x1"])).toEqual({ version: "x1" });
  });
});
