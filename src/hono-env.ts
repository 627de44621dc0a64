import type { Env } from "./config";

/** Hono's typing of this app: the bindings and the per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** The answer's `status.code`, for the request log line. */
    statusCode: string;
    /** Phases measured for Server-Timing (milliseconds). */
    timings: [phase: string, milliseconds: number][];
  };
}
