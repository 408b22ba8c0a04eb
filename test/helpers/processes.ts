import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const MAIN = path.join(ROOT, 'dist/main.js');
export const CLI = path.join(ROOT, 'dist/cli/index.js');

function assertBuilt(file: string): void {
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first (npm test does).`);
}

/** The environment of a child process: this one's PATH and HOME, nothing from the test run. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tokengate` bin to completion. */
export function runCli(args: string[], options: { env: Record<string, string>; cwd: string; input?: string }): Promise<RunResult> {
  assertBuilt(CLI);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: cleanEnv({ LOG_LEVEL: 'warn', ...options.env }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `node dist/main.js` and waits until it says which port it listens on (`listeners`
 * times, for several workers).
 */
export function startServer(options: { env: Record<string, string>; cwd: string; listeners?: number }): Promise<ServerProcess> {
  assertBuilt(MAIN);
  const child = spawn(process.execPath, [MAIN], { cwd: options.cwd, env: cleanEnv({ PORT: '0', ...options.env }) });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      const matches = [...output.matchAll(/listening on port (\d+)/g)];
      const match = matches.length >= (options.listeners ?? 1) ? matches[0] : undefined;
      if (match) {
        resolve({
          child,
          url: `http://127.0.0.1:${match[1]}`,
          output: () => output,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
}

/** Runs `node dist/main.js` expecting it to refuse to start; resolves with its exit code and output. */
export function runServerExpectingExit(options: { env: Record<string, string>; cwd: string }): Promise<RunResult> {
  assertBuilt(MAIN);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd: options.cwd, env: cleanEnv({ PORT: '0', ...options.env }) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
