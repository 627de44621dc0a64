/**
 * One JSON object per line, so that Workers Logs can index the fields.
 * Callers pass identifiers and codes only: never a credential, token or secret.
 */
export function log(level: "info" | "warn" | "error", message: string, fields: Record<string, unknown> = {}) {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** An error's class and message, without a stack (which could name internals). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
