/**
 * A binding (D1 or KV) failed. Callers decide whether they can do without it;
 * one that reaches the error handler answers 503 SERVICE_UNAVAILABLE.
 */
export class StorageError extends Error {
  override readonly name = "StorageError";

  constructor(
    readonly binding: "D1" | "KV",
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${binding} ${operation} failed`, { cause });
  }
}

export async function guarded<T>(binding: "D1" | "KV", operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StorageError(binding, operation, error);
  }
}
