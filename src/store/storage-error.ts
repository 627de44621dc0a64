import { STORAGE_TIMEOUT_MS } from "../constants";

export type Binding = "D1" | "KV" | "DO";

/**
 * A binding (D1, KV or a Durable Object) failed or did not answer in time.
 * Callers decide whether they can do without it; one that reaches the error
 * handler answers 503 SERVICE_UNAVAILABLE.
 */
export class StorageError extends Error {
  override readonly name = "StorageError";

  constructor(
    readonly binding: Binding,
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${binding} ${operation} failed`, { cause });
  }
}

/** Runs one storage call, bounded by the binding's timeout; any failure becomes a StorageError. */
export async function guarded<T>(binding: Binding, operation: string, call: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STORAGE_TIMEOUT_MS[binding]} ms`)), STORAGE_TIMEOUT_MS[binding]);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    throw new StorageError(binding, operation, error);
  } finally {
    clearTimeout(timer);
  }
}
