import type { Context } from "hono";

/**
 * Work to finish after the answer: the platform's waitUntil in the worker.
 * Without an execution context (a unit test calling the app directly) the
 * task simply runs on; its failures are already caught by whoever made it.
 */
export function deferrer(c: Context): (task: Promise<unknown>) => void {
  let ctx: ExecutionContext | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined;
  }
  return (task) => {
    if (ctx) ctx.waitUntil(task);
    else void task;
  };
}
