// Fails unless every named test project ran, passed some tests, and skipped and failed none.
// Usage: node scripts/check-test-summary.mjs unit sqlite mariadb postgres
import { readFileSync } from 'node:fs';

const required = process.argv.slice(2);
let summary;
try {
  summary = JSON.parse(readFileSync('test-results/summary.json', 'utf8'));
} catch (error) {
  console.error(`check-test-summary: no test-results/summary.json (${error.message}): did the tests run?`);
  process.exit(1);
}

const problems = [];
for (const name of required) {
  const tally = summary.projects[name];
  if (!tally) problems.push(`${name}: did not run`);
  else if (tally.passed === 0) problems.push(`${name}: no test passed`);
  else if (tally.failed > 0) problems.push(`${name}: ${tally.failed} failed`);
  else if (tally.skipped > 0) problems.push(`${name}: ${tally.skipped} skipped`);
}
for (const name of required) {
  const t = summary.projects[name];
  if (t) console.log(`Node.js ${summary.node}, ${name}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
}
if (problems.length > 0) {
  console.error(`check-test-summary: FAILED\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`Node.js ${summary.node}: ${summary.total.passed} passed, ${summary.total.failed} failed`);
