import type { Env } from "./config";

/** Hono's typing of this app: the bindings and the per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
  };
}
