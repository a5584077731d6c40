/**
 * A tiny program that drives one BMC with the native client, for tests that must run the client
 * somewhere else (inside a network namespace). Reads its job as JSON on stdin — the password
 * included, never in argv — and prints the results and its log lines as JSON on stdout.
 */
import { Writable } from 'node:stream';
import { IpmiBmcClient, type IpmiClientOptions } from '../../agent/bmc/ipmi/lanplus-client.js';
import { UdpTransport } from '../../agent/bmc/ipmi/transport.js';
import { Semaphore } from '../../agent/bmc/scheduler.js';
import { createLogger } from '../../agent/lib/log.js';
import type { BmcTarget } from '../../agent/bmc/bmc-client.js';
import { errorMessage } from '../../agent/lib/errors.js';

export interface ProbeJob {
  target: BmcTarget;
  options: IpmiClientOptions;
  /** Each: 'power' | 'pxe' | 'sensors'. */
  ops: string[];
}

export interface ProbeResult {
  results: Array<{ op: string; ok: boolean; value?: unknown; error?: string }>;
  log: string[];
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProbeJob;
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '')); cb(); } });
  const log = createLogger({ mode: 'daemon', level: 'trace', stream });
  const transport = new UdpTransport(log);
  const client = new IpmiBmcClient(job.target, job.options, { transport, fanout: new Semaphore(1), log });
  const out: ProbeResult = { results: [], log: lines };
  for (const op of job.ops) {
    try {
      const value = op === 'power' ? await client.powerState()
        : op === 'pxe' ? await client.setBootDevice({ device: 'pxe', persistent: true, efi: true })
          : await client.sensors();
      out.results.push({ op, ok: true, value });
    } catch (e) {
      out.results.push({ op, ok: false, error: errorMessage(e) });
    }
  }
  await client.close();
  await transport.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
