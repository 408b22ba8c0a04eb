// The build as npm's lifecycle scripts run it. Usage:
//   node scripts/build.mjs prepare   build when TypeScript is installed (npm ci / npm install);
//                                     a production install (--omit=dev) keeps the build it holds
//   node scripts/build.mjs start     build only when dist/ is missing or older than the sources
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'dist/main.js');
const mode = process.argv[2];

/** A dev dependency's program, or undefined in a production install (--omit=dev). */
function devProgram(file) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve(file);
  } catch {
    return undefined;
  }
}

/** The newest modification time of the sources (server and console) and build settings. */
function newestSource() {
  return Math.max(newestIn(path.join(root, 'src')), newestIn(path.join(root, 'console')));
}

function newestIn(dir) {
  if (!existsSync(dir)) return 0;
  let newest = Math.max(statSync(path.join(root, 'tsconfig.json')).mtimeMs, statSync(path.join(root, 'tsconfig.build.json')).mtimeMs);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(file) : statSync(file).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!existsSync(built)) return 'dist/ is missing';
  if (!existsSync(path.join(root, 'src'))) return undefined;
  return newestSource() > statSync(built).mtimeMs ? 'the sources changed since the last build' : undefined;
}

const tsc = devProgram('typescript/bin/tsc');
const reason = mode === 'prepare' ? 'installing' : stale();
if (!reason) process.exit(0);
if (!tsc) {
  if (existsSync(built)) {
    if (mode !== 'prepare') process.stderr.write(`tokengate: ${reason}, but TypeScript is not installed; running the existing build\n`);
    process.exit(0);
  }
  process.stderr.write(
    'tokengate: there is no build (dist/) and TypeScript is not installed to make one.\n' +
      'Run "npm ci" (with dev dependencies) and "npm run build", then install for production with "npm ci --omit=dev".\n',
  );
  process.exit(1);
}
if (mode !== 'prepare') process.stderr.write(`tokengate: building (${reason})\n`);
// The same two steps as "npm run build": the server (tsc), then the console (Vite).
const steps = [
  [tsc, '-p', path.join(root, 'tsconfig.build.json')],
  [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(root, 'console/vite.config.ts')],
];
for (const [program, ...args] of steps) {
  const result = spawnSync(process.execPath, [program, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
