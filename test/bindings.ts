/**
 * Wrapped bindings for tests: count the calls a request makes, or make a
 * binding fail, without mocking its behaviour otherwise (calls still reach
 * the real local D1 and KV).
 */
export interface CallLog {
  calls: string[];
  count(prefix: string): number;
}

function callLog(): CallLog {
  const calls: string[] = [];
  return { calls, count: (prefix) => calls.filter((c) => c.startsWith(prefix)).length };
}

/** Records every method call on a binding as `<method>`. */
export function counted<T extends object>(binding: T): { binding: T; log: CallLog } {
  const log = callLog();
  const proxy = new Proxy(binding, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        log.calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { binding: proxy, log };
}

/** A binding whose every method throws (or returns a rejected promise). */
export function failing<T extends object>(binding: T, how: "throw" | "reject" = "reject"): T {
  return new Proxy(binding, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return () => {
        const error = new Error(`simulated ${String(property)} failure`);
        if (how === "throw") throw error;
        return Promise.reject(error);
      };
    },
  });
}

/** A D1 database that fails either when preparing or when the query runs. */
export function failingD1(db: D1Database, how: "prepare-throws" | "query-rejects" = "query-rejects"): D1Database {
  const fail = () => Promise.reject(new Error("simulated D1 failure"));
  const statement = { bind: () => statement, all: fail, first: fail, run: fail, raw: fail };
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "batch" || property === "exec") return fail;
      if (property === "prepare") {
        return () => {
          if (how === "prepare-throws") throw new Error("simulated D1 failure");
          return statement;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
