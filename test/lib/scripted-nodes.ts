/**
 * Nodes that behave like PXE-booting Flatcar machines on a fake clock: when the fake BMC powers one
 * on with PXE boot it emits DHCP, /boot.ipxe, /ipxe, kernel, initrd, the installer Ignition and the
 * `installed` report, a few seconds apart; booting from disk it fetches the installed Ignition and
 * reports `ready` (and `joined`). A behaviour per node makes it stall or fail at a chosen point.
 */
import type { Clock, ProgressObservations } from '../../bootstrap/ports.js';
import type { Observation, ObservationKind } from '../../bootstrap/observation.js';
import type { PhoneHomeStatus } from '../../agent/boot/events.js';
import type { Mac } from '../../agent/lib/mac.js';
import type { FakeBmc } from './fake-bmc.js';

export type Step = { kind: ObservationKind; os?: 'installed'; status?: PhoneHomeStatus; reason?: string; output?: string };

export const PXE_STEPS: Step[] = [
  { kind: 'dhcp-ack' }, { kind: 'boot.ipxe' }, { kind: 'ipxe' }, { kind: 'kernel' }, { kind: 'initrd' },
  { kind: 'ignition' }, { kind: 'phone-home', status: 'installed' },
];
export const DISK_STEPS: Step[] = [{ kind: 'ignition', os: 'installed' }, { kind: 'phone-home', status: 'ready' }];
export const JOIN_STEP: Step = { kind: 'phone-home', status: 'joined' };

export interface Behaviour {
  /** Emit only the PXE steps before this kind (the node stalls there), for the first `times` boots (default always). */
  stallBefore?: ObservationKind;
  times?: number;
  /** Only PXE-boot in this mode (EFI true / legacy false); in the other mode nothing happens. */
  onlyEfi?: boolean;
  /** Report `failed` instead of `installed` (for the first `times` boots, default always). */
  installFails?: string;
  /** With installFails: report `refused` (the install-disk rule's verdict) instead of `failed`. */
  installRefuses?: boolean;
  /** With installFails: the failing step's output the report carries. */
  installOutput?: string;
  /** Booting from disk: the steps emitted (default: installed Ignition, ready, and joined when `joins`). */
  diskSteps?: Step[];
  /** Kubernetes: report joined after ready. */
  joins?: boolean;
}

export class FakeObservations implements ProgressObservations {
  private listeners = new Set<(o: Observation) => void>();
  readonly log: Observation[] = [];
  /** Reports kept on disk, replayed to every subscriber first (as the agent's BusObservations does). */
  kept: Observation[] = [];

  subscribe(listener: (o: Observation) => void): () => void {
    for (const o of this.kept) listener(o);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(o: Observation): void {
    this.log.push(o);
    for (const l of this.listeners) l(o);
  }
}

export class ScriptedNodes {
  readonly behaviour = new Map<string, Behaviour>();
  readonly boots = new Map<string, number>();
  private generation = new Map<string, number>();

  constructor(private readonly clock: Clock, private readonly bmc: FakeBmc, readonly observations: FakeObservations, private readonly stepMs = 5000, private readonly rebootDelayMs = 15000) {
    bmc.onBoot = (mac, boot) => this.boot(mac, boot?.device ?? 'disk', boot?.efi ?? true);
    const powerOff = bmc.powerOff.bind(bmc);
    bmc.powerOff = async (node) => {
      await powerOff(node);
      this.generation.set(node.mac, (this.generation.get(node.mac) ?? 0) + 1); // a running boot stops
    };
  }

  /** A node that was already booting before this rig existed (the agent restarted): the rest of its PXE steps, from `kind`. */
  resumeFrom(mac: string, kind: ObservationKind): void {
    const gen = (this.generation.get(mac) ?? 0) + 1;
    this.generation.set(mac, gen);
    this.emitSteps(mac, gen, PXE_STEPS.slice(PXE_STEPS.findIndex((s) => s.kind === kind)));
  }

  private boot(mac: string, device: 'pxe' | 'disk', efi: boolean): void {
    const n = (this.boots.get(mac) ?? 0) + 1;
    this.boots.set(mac, n);
    const gen = (this.generation.get(mac) ?? 0) + 1;
    this.generation.set(mac, gen);
    const b = this.behaviour.get(mac) ?? {};
    let steps: Step[];
    if (device === 'pxe') {
      if (b.onlyEfi !== undefined && b.onlyEfi !== efi) return;
      steps = [...PXE_STEPS];
      const now = b.times === undefined || n <= b.times;
      if (b.installFails !== undefined && now) steps[steps.length - 1] = { kind: 'phone-home', status: b.installRefuses === true ? 'refused' : 'failed', reason: b.installFails, ...(b.installOutput === undefined ? {} : { output: b.installOutput }) };
      if (b.stallBefore !== undefined && now) steps = steps.slice(0, steps.findIndex((s) => s.kind === b.stallBefore));
    } else {
      steps = b.diskSteps ?? [...DISK_STEPS, ...(b.joins === true ? [JOIN_STEP] : [])];
    }
    this.emitSteps(mac, gen, steps);
  }

  private emitSteps(mac: string, gen: number, steps: readonly Step[]): void {
    steps.forEach((s, i) => {
      this.clock.setTimer((i + 1) * this.stepMs, () => {
        if (this.generation.get(mac) !== gen) return; // powered off or rebooted since
        this.observations.emit({ mac: mac as Mac, at: this.clock.now(), ...s });
        // After reporting installed, the installer reboots by itself (with whatever boot device is set then).
        if (s.status === 'installed') {
          this.clock.setTimer(this.rebootDelayMs, () => {
            if (this.generation.get(mac) !== gen) return;
            const setting = this.bmc.boot.get(mac);
            this.boot(mac, setting?.device ?? 'disk', setting?.efi ?? true);
          });
        }
      });
    });
  }
}
