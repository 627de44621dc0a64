/**
 * Prints vitest's totals as the one plain line CI reads, `N passed, N failed`,
 * from the JSON report (vitest's own closing lines are not read by CI).
 * Exits non-zero when the report is missing, a test failed, or none ran.
 */
import { existsSync, readFileSync } from "node:fs";

const reportPath = process.argv[2] ?? "test-results/vitest.json";
if (!existsSync(reportPath)) {
  console.log("0 passed, 0 failed");
  console.error(`no test report at ${reportPath}: the tests did not run`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportPath, "utf8")) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  numTotalTests: number;
  success: boolean;
};
const skipped = report.numPendingTests ? `, ${report.numPendingTests} skipped` : "";
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped}`);
if (report.numFailedTests > 0 || report.numPassedTests === 0 || !report.success) process.exit(1);
