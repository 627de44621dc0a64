import type { Context } from "hono";
import { LOOPBACK_IP } from "../constants";

/** The device's address as the platform saw it; the loopback address in local development. */
export function clientIp(c: Context): string {
  return c.req.header("CF-Connecting-IP") ?? LOOPBACK_IP;
}
