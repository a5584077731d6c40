/**
 * A scripted native IPMI session for unit tests of the client (lanplus-client.ts): counts opens,
 * closes and commands, answers Get Chassis Status with "power on" and everything else with
 * completion code 0, and can hold commands unanswered until the client interrupts them.
 */
import type { IpmiSession } from '../../agent/bmc/ipmi/session.js';
import type { IpmiRequest, IpmiResponse } from '../../agent/bmc/ipmi/message.js';

export class FakeIpmiSession implements IpmiSession {
  isOpen = false;
  readonly cipherSuite = 3 as const;
  opens = 0;
  /** Close Session sent to the BMC (close() of an open session). */
  closes = 0;
  /** Steps of the commands sent, in order. */
  readonly steps: string[] = [];
  /** While true, commands get no answer until interrupt(). */
  hold = false;
  private readonly held = new Set<(reason: Error) => void>();

  async ping(): Promise<boolean> {
    return true;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.opens++;
    this.isOpen = true;
  }

  async command(request: IpmiRequest, step: string): Promise<IpmiResponse> {
    this.steps.push(step);
    if (this.hold) await new Promise<void>((_resolve, reject) => this.held.add(reject));
    const chassisStatus = request.netFn === 0x00 && request.command === 0x01;
    return { netFn: request.netFn + 1, command: request.command, rqSeq: 1, completionCode: 0, data: Buffer.from(chassisStatus ? [0x01, 0x00, 0x00, 0x00] : []) };
  }

  async close(): Promise<void> {
    if (this.isOpen) this.closes++;
    this.isOpen = false;
  }

  drop(): void {
    this.isOpen = false;
  }

  interrupt(reason: Error): void {
    for (const reject of this.held) reject(reason);
    this.held.clear();
  }

  /** Commands waiting for an answer now. */
  get waiting(): number {
    return this.held.size;
  }
}
