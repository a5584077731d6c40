/** A PowerReader (what the BMC poller needs from the BMC layer) with scripted answers and a call log. */
import type { PollTarget, PowerReader } from '../../agent/bmc-poller/poller.js';
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import type { SensorReading } from '../../agent/bmc/bmc-client.js';
import type { BmcFacts } from '../../agent/inventory/bmc-facts.js';

export class FakePowerReader implements PowerReader {
  readonly calls: string[] = [];
  /** Power state per BMC address; an address missing here times out. */
  readonly power = new Map<string, 'on' | 'off'>();
  /** Sensor readings per BMC address; an address missing here fails the read. */
  readonly sensorReadings = new Map<string, SensorReading[]>();
  readonly sensorCalls: string[] = [];
  private concurrent = 0;
  maxConcurrent = 0;
  /** Hold every answer until release() (to observe concurrency). */
  private held: (() => void)[] | undefined;

  async powerStatus(target: PollTarget, signal: AbortSignal): Promise<'on' | 'off'> {
    this.calls.push(target.bmcAddress);
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      if (this.held !== undefined) await new Promise<void>((r) => this.held?.push(r));
      if (signal.aborted) throw signal.reason as Error;
      const state = this.power.get(target.bmcAddress);
      if (state === undefined) throw new RackerError(ErrorCodes.bmcTimeout, `BMC ${target.bmcAddress} did not answer within 5000 ms`);
      return state;
    } finally {
      this.concurrent -= 1;
    }
  }

  async sensors(target: PollTarget, signal: AbortSignal): Promise<SensorReading[]> {
    this.sensorCalls.push(target.bmcAddress);
    if (signal.aborted) throw signal.reason as Error;
    const readings = this.sensorReadings.get(target.bmcAddress);
    if (readings === undefined) throw new RackerError(ErrorCodes.bmcTimeout, `BMC ${target.bmcAddress} did not answer the SDR read`);
    return readings;
  }

  /** What each BMC (by address) says about its server; an address missing here has no FRU. */
  readonly facts = new Map<string, BmcFacts>();
  readonly factCalls: string[] = [];

  async serverFacts(target: PollTarget, signal: AbortSignal): Promise<BmcFacts> {
    this.factCalls.push(target.bmcAddress);
    if (signal.aborted) throw signal.reason as Error;
    const f = this.facts.get(target.bmcAddress);
    if (f === undefined) throw new RackerError(ErrorCodes.bmc, `BMC ${target.bmcAddress}: FRU device 0 not present`);
    return f;
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const r of waiting) r();
  }

  expectPolled(address: string, times: number): void {
    const n = this.calls.filter((c) => c === address).length;
    if (n !== times) throw new Error(`expected ${times} polls of ${address}, saw ${n}: ${this.calls.join(', ')}`);
  }
}
