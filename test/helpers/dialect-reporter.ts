import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

type Tally = { passed: number; failed: number; skipped: number };

/**
 * Prints a tally per project (unit and one per database dialect) and writes it to
 * test-results/summary.json, so that CI can prove no dialect was skipped.
 */
export default class DialectReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const tallies: Record<string, Tally> = {};
    for (const module of modules) {
      const tally = (tallies[module.project.name] ??= { passed: 0, failed: 0, skipped: 0 });
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) tally.failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') tally.passed++;
        else if (state === 'failed') tally.failed++;
        else tally.skipped++;
      }
    }
    const total: Tally = { passed: 0, failed: 0, skipped: 0 };
    const lines = Object.entries(tallies).map(([name, t]) => {
      total.passed += t.passed;
      total.failed += t.failed;
      total.skipped += t.skipped;
      return `  ${name.padEnd(9)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
    });
    process.stdout.write(`\nTests by project (Node.js ${process.version}):\n${lines.join('\n')}\n`);
    process.stdout.write(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/summary.json', `${JSON.stringify({ node: process.version, projects: tallies, total }, null, 2)}\n`);
  }
}
