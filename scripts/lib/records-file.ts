import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

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

const NUMBERS = new Set(["version"]);
const BOOLEANS = new Set(["disabled"]);

function csvRecord(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const cell = cells[i] ?? "";
    if (cell === "") return;
    if (NUMBERS.has(name) && /^\d+$/.test(cell)) record[name] = Number(cell);
    else if (BOOLEANS.has(name) && (cell === "true" || cell === "false")) record[name] = cell === "true";
    else record[name] = cell;
  });
  // Cells beyond the header are reported by the worker as an unknown field.
  for (let i = header.length; i < cells.length; i++) if (cells[i] !== "") record[`column_${i + 1}`] = cells[i];
  return record;
}

export function parseCsvLine(text: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === "") quoted = true;
    else if (char === ",") {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
