/**
 * Runs a real BootService on an ephemeral loopback port over a temp copy of a matchbox data
 * directory, recording its events and parsed log lines.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BootService, type BootLimits } from '../../agent/boot/server.js';
import { bootLimits } from '../../agent/boot/create.js';
import { bootSection } from '../../agent/config/sections/boot.js';
import type { BootEvent, PhoneHomeEvent } from '../../agent/boot/events.js';
import type { AccessRule } from '../../agent/boot/node-access.js';
import type { HttpTimeouts } from '../../agent/boot/http-handler.js';
import type { BootData } from '../../agent/boot/boot-data.js';
import { Emitter } from '../../agent/lib/emitter.js';
import { createLogger } from '../../agent/lib/log.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export interface BootHarness {
  service: BootService;
  port: number;
  dataDir: string;
  assetsDir: string;
  events: BootEvent[];
  logs: Record<string, unknown>[];
  /** The first recorded event that satisfies `pred`, waiting up to 5 s (events of streamed responses come after the client has the body). */
  waitForEvent(pred: (e: BootEvent) => boolean): Promise<BootEvent>;
  /** Resolves after the next reload. */
  nextReload(): Promise<BootData>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Copied into the data dir (test/data/matchbox/...). */
  fixture?: string;
  access?: AccessRule;
  /** Boot worker processes (BootServiceOptions.workers). */
  workers?: number;
  httpTimeouts?: HttpTimeouts;
  maxHeaderSize?: number;
  /** The configuration's defaults where not given. */
  limits?: Partial<BootLimits>;
  /** BootServiceOptions.keepReport (the agent wires its token store's). */
  keepReport?: (e: PhoneHomeEvent) => Promise<void>;
}

/** The boot service's limits as the default configuration has them. */
export const defaultBootLimits = (): BootLimits => bootLimits(bootSection.parse({}));

export async function startBoot(o: HarnessOptions = {}): Promise<BootHarness> {
  const root = await makeTempDir('racker-boot-');
  const dataDir = join(root, 'matchbox');
  await mkdir(dataDir, { recursive: true });
  if (o.fixture !== undefined) await cp(o.fixture, dataDir, { recursive: true });
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const events: BootEvent[] = [];
  const emitter = new Emitter<BootEvent>();
  emitter.on((e) => events.push(e));
  const service = new BootService({
    dataDir, assetsDir: join(dataDir, 'assets'), host: '127.0.0.1', port: 0, log: createLogger({ mode: 'daemon', level: 'debug', stream }),
    events: emitter, access: o.access ?? { reserved: undefined }, maxHeaderSize: o.maxHeaderSize, reloadDebounceMs: 50,
    workers: o.workers, workerStdio: 'ignore', httpTimeouts: o.httpTimeouts, limits: { ...defaultBootLimits(), ...o.limits },
    ...(o.keepReport === undefined ? {} : { keepReport: o.keepReport }),
  });
  try {
    await service.start(new AbortController().signal);
  } catch (e) {
    await removeTempDir(root);
    throw e;
  }
  return {
    service, port: service.address().port, dataDir, assetsDir: join(dataDir, 'assets'), events, logs,
    waitForEvent: async (pred) => {
      for (let i = 0; i < 250; i++) {
        const found = events.find(pred);
        if (found !== undefined) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no matching boot event among ${events.length}`);
    },
    nextReload: () => new Promise((resolve) => {
      const off = service.store.onReload((d) => {
        off();
        resolve(d);
      });
    }),
    stop: async () => {
      await service.stop();
      await removeTempDir(root);
    },
  };
}
