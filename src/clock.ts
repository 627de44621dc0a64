/** Unix seconds. The one place the service reads the time, so tests can reason about it. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
