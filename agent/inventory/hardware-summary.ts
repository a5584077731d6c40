/**
 * A node's hardware in one line, for events and `racker status --full`. Apart from hardware.ts so
 * the CLI's status path does not load zod for it (status latency is benchmarked).
 */
import type { NodeHardware } from './hardware.js';

const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GiB`;

/** One line: "QEMU Standard PC serial racker-sim-02, 1 CPU, 1.9 GiB, disks 20.0 GiB virtio, 2.0 GiB usb". */
export function hardwareSummary(h: NodeHardware): string {
  const system = [h.system.vendor, h.system.product].filter((x) => x !== undefined).join(' ') || 'unknown system';
  const disks = h.disks.map((d) => `${gib(d.sizeBytes)}${d.transport === undefined ? '' : ` ${d.transport}`}`).join(', ');
  return `${system}${h.system.serial === undefined ? '' : ` serial ${h.system.serial}`}, ${h.cpu.count} CPU${h.cpu.count === 1 ? '' : 's'}, ${gib(h.memoryBytes)}, ${h.disks.length === 0 ? 'no disks' : `disks ${disks}`}`;
}
