const NUMBERS = new Set(["version"]);
const BOOLEANS = new Set(["disabled"]);

/** One CSV row as an import record, by the header's field names. */
export function csvRecord(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
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

/** Splits one CSV line into cells (RFC 4180 quoting, no newlines inside quotes). */
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
