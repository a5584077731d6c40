/** A ServiceManager that records calls and answers from a table; readiness per unit is scripted. */
import type { Readiness, ServiceManager } from '../../installer/extractor/service-manager.js';

export class FakeServiceManager implements ServiceManager {
  readonly calls: string[] = [];
  readonly active = new Set<string>();
  /** Units whose `start` throws. */
  readonly failStart = new Set<string>();
  /** Answers for successive restartAndWait calls; default ready. */
  readonly readiness: Readiness[] = [];

  constructor(active: readonly string[] = []) {
    for (const u of active) this.active.add(u);
  }

  async isActive(unit: string): Promise<boolean> {
    this.calls.push(`is-active ${unit}`);
    return this.active.has(unit);
  }

  async start(unit: string): Promise<void> {
    this.calls.push(`start ${unit}`);
    if (this.failStart.has(unit)) throw new Error(`${unit} failed to start`);
    this.active.add(unit);
  }

  async stop(unit: string): Promise<void> {
    this.calls.push(`stop ${unit}`);
    this.active.delete(unit);
  }

  async daemonReload(): Promise<void> {
    this.calls.push('daemon-reload');
  }

  async restartAndWait(unit: string, _timeoutMs: number): Promise<Readiness> {
    this.calls.push(`restart ${unit}`);
    return this.readiness.shift() ?? { ready: true, observed: 'active' };
  }
}
