/**
 * Watches every process's argv (/proc/PID/cmdline) for a string while a test runs: secrets must
 * never be there, because any user can read it.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ArgvWatch {
  /** Stop watching; returns the argv lines that contained the needle. */
  stop(): Promise<string[]>;
  /** Processes seen while watching (to show the watch was looking). */
  seen(): number;
  /** Hits so far. */
  hits(): number;
}

export function watchArgv(needle: string, everyMs = 3): ArgvWatch {
  const hits = new Set<string>();
  const pids = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of await readdir('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        let argv: string;
        try {
          argv = (await readFile(`/proc/${pid}/cmdline`)).toString('utf8').replace(/\0/g, ' ');
        } catch {
          continue; // the process ended between readdir and read
        }
        pids.add(pid);
        if (argv.includes(needle)) hits.add(`${pid}: ${argv}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...hits];
    },
    seen: () => pids.size,
    hits: () => hits.size,
  };
}
