/** A deployment mistake: answered as INTERNAL_ERROR, logged with this message (never a secret's value). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
