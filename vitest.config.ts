import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Test-only secrets: CI needs no .dev.vars. Each is at least 32 bytes, as the worker demands.
const TEST_SECRETS = {
  LOGIN_TOKEN_SECRET: "test-login-token-secret-0123456789abcdef",
  TUCANO_JWT_SECRET: "test-tucano-jwt-secret-0123456789abcdef",
  CREDENTIAL_PEPPER: "test-credential-pepper-0123456789abcdef",
  ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123456789",
};

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { ...TEST_SECRETS, TEST_MIGRATIONS: await readD1Migrations("./migrations") },
      },
    }),
  ],
  test: {
    setupFiles: ["./test/setup.ts"],
    // The worker logs a line per request: show logs only for tests that fail.
    silent: "passed-only" as const,
    // CI has 2 cores; a test doing several 100,000-iteration password hashes can take seconds there.
    testTimeout: 30_000,
    reporters: ["default", "json"],
    outputFile: { json: "./test-results/vitest.json" },
    projects: [
      // The worker, its storage and its scripts' pure parts: inside workerd.
      { extends: true as const, test: { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/**/*.node.test.ts"] } },
      // The CLIs' network and file handling: plain Node, against a local stand-in server.
      { test: { name: "node", include: ["test/**/*.node.test.ts"], environment: "node" as const } },
    ],
  },
}));
