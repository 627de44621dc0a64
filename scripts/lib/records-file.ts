import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { csvRecord, parseCsvLine } from "./csv";

/** One record of an import file: its line number in the file and its NDJSON text. */
export interface FileRecord {
  line: number;
  json: string;
}

/**
 * Reads an NDJSON file as is, or a CSV file whose header names the import
 * fields (`op,kind,id,version,organisation,...`). In CSV an empty cell is an
 * absent field, `version` is a number and `disabled` a boolean; fields are
 * RFC 4180 quoted where they hold commas or quotes (not newlines).
 */
export async function* readRecords(path: string, format: "ndjson" | "csv"): AsyncGenerator<FileRecord> {
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  let header: string[] | undefined;
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    if (format === "ndjson") {
      yield { line, json: text };
      continue;
    }
    const cells = parseCsvLine(text);
    if (!header) {
      header = cells.map((c) => c.trim());
      continue;
    }
    yield { line, json: JSON.stringify(csvRecord(header, cells)) };
  }
}
