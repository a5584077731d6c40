/** A BmcProbe whose answers the test decides; records how many probes ran at once. */
import type { BmcProbe, BmcTarget, ProbeResult } from '../../factory/live-check.js';

export class FakeBmcProbe implements BmcProbe {
  readonly probed: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly answer: (t: BmcTarget) => ProbeResult) {}

  async probe(t: BmcTarget): Promise<ProbeResult> {
    this.probed.push(t.node.bmcMac);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    return this.answer(t);
  }
}
