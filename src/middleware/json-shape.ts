import { MAX_JSON_DEPTH } from "../constants";

/**
 * What JSON.parse forgives and a careful API does not: a key given twice in
 * one object (JSON.parse keeps the last, so two readers of the same body could
 * disagree) and nesting deeper than any request needs. Runs over text that
 * JSON.parse has already accepted, so it only has to follow strings and
 * brackets. Returns a description of the problem, or null.
 */
export function jsonShapeProblem(text: string): string | null {
  const keys: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "{" || char === "[") {
      keys.push(char === "{" ? new Set() : null);
      if (keys.length > MAX_JSON_DEPTH) return `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`;
      expectKey = char === "{";
    } else if (char === "}" || char === "]") {
      keys.pop();
      expectKey = false;
    } else if (char === ",") {
      expectKey = keys[keys.length - 1] instanceof Set;
    } else if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const seen = keys[keys.length - 1]!;
        if (seen.has(key)) return `The key ${JSON.stringify(key)} appears twice in one object.`;
        seen.add(key);
        expectKey = false;
      }
      i = end;
    }
  }
  return null;
}
