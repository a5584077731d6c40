/**
 * A simulated BMC behind the native client's session interface, for the boot-flag quirks real
 * BMCs are documented to have (shared/reference/bmc-vendors.md) and ipmi_sim does not model:
 * refusing the "persistent" bit, clearing a persistent override at the next power action, and the
 * boot-flag valid bit timing out 60 s after it was set unless boot option 3 disabled that. Flags
 * for the next boot only are consumed by a power action, as the specification says. Time moves
 * only when the test says so.
 */
import type { IpmiSession } from '../../agent/bmc/ipmi/session.js';
import type { IpmiRequest, IpmiResponse } from '../../agent/bmc/ipmi/message.js';

export interface BootQuirkProfile {
  /** Set System Boot Options with the persistent bit is refused with 0xcc (invalid data field). */
  rejectsPersistent?: boolean;
  /** A power action clears a persistent override too. */
  clearsPersistentOnPowerAction?: boolean;
}

const VALID_FOR_MS = 60_000;

export class BootQuirkBmc implements IpmiSession {
  isOpen = false;
  readonly cipherSuite = 3 as const;
  power = false;
  /** Boot option 5's five data bytes. */
  flags = Buffer.alloc(5);
  /** Boot option 3 bits: 0x1f disables every automatic clearing, the 60 s timeout included. */
  clearing = 0x00;
  now = 0;
  private flagsSetAt = 0;
  readonly log: string[] = [];

  constructor(private readonly profile: BootQuirkProfile = {}) {}

  advance(ms: number): void {
    this.now += ms;
  }

  get device(): number {
    return ((this.flags[1] as number) >> 2) & 0x0f;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async open(): Promise<void> {
    this.isOpen = true;
  }

  async command(r: IpmiRequest, step: string): Promise<IpmiResponse> {
    this.log.push(step);
    const answer = (completionCode: number, data: number[] = []): IpmiResponse => ({ netFn: r.netFn + 1, command: r.command, rqSeq: 1, completionCode, data: Buffer.from(data) });
    const d = Buffer.from(r.data);
    if (r.netFn !== 0x00) return answer(0xc1);
    switch (r.command) {
      case 0x01: return answer(0, [this.power ? 0x01 : 0x00, 0, 0, 0]);
      case 0x02: {
        const action = d[0] as number;
        this.power = action !== 0 && action !== 5;
        if (action !== 0 && action !== 5) this.powerAction();
        return answer(0);
      }
      case 0x08: {
        if (d[0] === 0x03) {
          this.clearing = d[1] as number;
          return answer(0);
        }
        if (d[0] !== 0x05) return answer(0x80); // parameter not supported
        if (this.profile.rejectsPersistent === true && ((d[1] as number) & 0x40) !== 0) return answer(0xcc);
        this.flags = Buffer.from(d.subarray(1, 6));
        this.flagsSetAt = this.now;
        return answer(0);
      }
      case 0x09: {
        if (d[0] === 0x03) return answer(0, [0x01, 0x03, this.clearing]);
        if (d[0] !== 0x05) return answer(0x80);
        this.expire();
        return answer(0, [0x01, 0x05, ...this.flags]);
      }
      default: return answer(0xc1);
    }
  }

  async close(): Promise<void> {
    this.isOpen = false;
  }

  drop(): void {
    this.isOpen = false;
  }

  interrupt(): void {}

  /** The valid bit times out 60 s after the flags were set unless boot option 3 disabled that (racker sends 0x1f). */
  private expire(): void {
    const timeoutDisabled = (this.clearing & 0x1f) === 0x1f;
    if (!timeoutDisabled && this.now - this.flagsSetAt >= VALID_FOR_MS) this.flags[0] = (this.flags[0] as number) & ~0x80;
  }

  private powerAction(): void {
    const persistent = ((this.flags[0] as number) & 0x40) !== 0;
    if (!persistent || this.profile.clearsPersistentOnPowerAction === true) this.flags = Buffer.alloc(5);
  }
}
