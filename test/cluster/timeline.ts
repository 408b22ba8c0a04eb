/*
 * What the cluster test did, and when: its phases (each with a bound, printed as it starts and
 * ends) and every HTTP request (start, end, status or error, duration), kept in memory. A phase
 * that overruns its bound fails with the requests still in flight, so a hang says where it is;
 * `report()` prints the phases, the requests in flight, the slowest ones and those not answered
 * 200 (a 401 after a signout is the answer the revocation check waits for).
 */

export interface RequestRecord {
  instance: string;
  op: string;
  start: number;
  end?: number;
  status?: number | string;
  error?: string;
}

interface PhaseRecord {
  name: string;
  start: number;
  end?: number;
  outcome?: 'done' | 'failed' | 'overran';
}

export interface Timeline {
  readonly origin: number;
  readonly requests: RequestRecord[];
  /** Seconds since the timeline began, for messages: `+12.3 s`. */
  stamp(at?: number): string;
  /** Runs `work`, printing its start and duration; rejects if it takes longer than `limitMs`. */
  phase<T>(name: string, limitMs: number, work: () => Promise<T>): Promise<T>;
  /** Records a request; call `done` with its status (or error) when it ends. */
  request(instance: string, op: string): { done(status: number | string, error?: string): void };
  /** Phases, requests in flight, the slowest requests and those not answered 200. */
  report(): string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function createTimeline(print: (line: string) => void): Timeline {
  const origin = Date.now();
  const phases: PhaseRecord[] = [];
  const requests: RequestRecord[] = [];
  const stamp = (at = Date.now()) => `+${seconds(at - origin)}`;
  const describe = (r: RequestRecord) =>
    `${stamp(r.start)} ${r.instance} ${r.op}: ` +
    (r.end === undefined ? `in flight for ${seconds(Date.now() - r.start)}` : `${r.status}${r.error ? ` (${r.error})` : ''} after ${r.end - r.start} ms`);
  const inFlight = () => requests.filter((r) => r.end === undefined);

  return {
    origin,
    requests,
    stamp,

    async phase(name, limitMs, work) {
      const record: PhaseRecord = { name, start: Date.now() };
      phases.push(record);
      print(`cluster test ${stamp(record.start)}: ${name}…`);
      let timer: NodeJS.Timeout | undefined;
      const overrun = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          record.outcome = 'overran';
          const hung = inFlight();
          reject(
            new Error(
              `${name} did not finish within ${seconds(limitMs)} (${stamp()}); ${hung.length} requests in flight` +
                (hung.length ? `:\n  ${hung.map(describe).join('\n  ')}` : ''),
            ),
          );
        }, limitMs);
      });
      try {
        const result = await Promise.race([work(), overrun]);
        record.outcome = 'done';
        return result;
      } catch (error) {
        record.outcome ??= 'failed';
        throw error;
      } finally {
        clearTimeout(timer);
        record.end = Date.now();
        print(`cluster test ${stamp(record.end)}: ${name}: ${record.outcome} in ${seconds(record.end - record.start)}`);
      }
    },

    request(instance, op) {
      const record: RequestRecord = { instance, op, start: Date.now() };
      requests.push(record);
      return {
        done(status, error) {
          record.end = Date.now();
          record.status = status;
          if (error !== undefined) record.error = error;
        },
      };
    },

    report() {
      const ended = requests.filter((r) => r.end !== undefined);
      const slowest = [...ended].sort((x, y) => y.end! - y.start - (x.end! - x.start)).slice(0, 10);
      const not200 = ended.filter((r) => r.status !== 200);
      return [
        `cluster test timeline (${stamp()}):`,
        ...phases.map(
          (p) => `  phase ${p.name}: ${stamp(p.start)} → ${p.end === undefined ? 'running' : `${stamp(p.end)}, ${p.outcome} in ${seconds(p.end - p.start)}`}`,
        ),
        `  requests: ${requests.length}, in flight ${inFlight().length}, answered other than 200 ${not200.length}`,
        ...inFlight().map((r) => `  in flight: ${describe(r)}`),
        ...slowest.map((r) => `  slowest: ${describe(r)}`),
        ...not200.slice(0, 30).map((r) => `  not 200: ${describe(r)}`),
      ].join('\n');
    },
  };
}
