/**
 * One node's provisioning, phase by phase: BMC check → PXE boot override set and read back → power
 * cycle → DHCP → /boot.ipxe → /ipxe → kernel and initrd → installer Ignition → `installed` → boot
 * device disk → reboot → installed-system Ignition → `ready` (→ `joined` for Kubernetes).
 *
 * Waiting phases complete on observations; an observation that proves a later phase moves straight
 * there, except that an action phase (the disk boot override) is never skipped. A missed deadline
 * escalates (ESCALATIONS in phases.ts) before the node fails; a failure names the node, the phase,
 * the last observation and what to check. Time comes from the injected Clock only.
 */
import { clockSleep, type BmcFactsKeeper, type BootDeviceSetting, type BootControl, type BootStore, type Clock, type NodeRef } from './ports.js';
import type { Observation } from './observation.js';
import { ACTION_PHASES, ESCALATIONS, completes, phaseHint, phaseIndex, reportedHint, type Escalation } from './phases.js';
import { PHASES, type Phase } from '../agent/state/phases.js';
import type { NodeFailure } from './failure.js';
import { HISTORY_LIMIT, type NodeState } from './job-state.js';
import type { ObservationInbox } from './observation-inbox.js';
import type { PowerGate } from './power-gate.js';
import { installGroupId, installedGroupId, retireStage } from './groups-profiles.js';
import { errorMessage } from '../agent/lib/errors.js';

export interface NodeSpec extends NodeRef {
  /** The last phase: `joined` for Kubernetes nodes, `ready` otherwise. */
  finalPhase: 'ready' | 'joined';
  /** Resumed after an agent restart in the phase its state names: that phase goes on (its deadline runs from when it was entered). */
  resumed?: boolean;
}

export interface MachineDeps {
  control: BootControl;
  clock: Clock;
  gate: PowerGate;
  /**
   * To drop the install group once installed, so a node that PXE-boots again cannot reinstall,
   * and the installed one once ready: their Ignition carries secrets the node no longer needs.
   */
  store: BootStore | undefined;
  /** Deadline per phase in milliseconds. */
  deadlines: Readonly<Record<Phase, number>>;
  /** The boot service's base URL, for hints. */
  bootBase: string;
  /** Persist and publish the node's state; called after every change. */
  onTransition(state: NodeState): Promise<void>;
  /** Keeps what the BMC check read about the server (control.serverFacts); without it none is read. */
  keepBmcFacts?: BmcFactsKeeper;
}

export type MachineResult = { ok: true } | { ok: false; failure: NodeFailure };

class PhaseFailure extends Error {
  /** @param report the node's own failure report, when the failure is one */
  constructor(message: string, readonly report?: Observation) {
    super(message);
    this.name = 'PhaseFailure';
  }
}

/**
 * Phases in which the node is downloading from the boot service (boot.ipxe, the iPXE script, the
 * kernel and initrd). The agent's restart stops that service for a few seconds, and iPXE does not
 * retry a refused or reset HTTP transfer: a node resumed in one of them has most likely lost its
 * boot. It gets RESUME_GRACE_MS to be heard from (the transfer may have finished before the
 * restart) and is then netbooted again, without using up an escalation of the phase (the cut was
 * the agent's doing, not the node's). Later phases retry on their own (Ignition's fetch, the
 * installer's reports) and keep their deadlines.
 */
const CUT_BY_RESTART: readonly Phase[] = ['boot-ipxe', 'ipxe', 'kernel'];
const RESUME_GRACE_MS = 30_000;

/** How long to wait for the power to read "off" after a power-off before switching it on. */
const POWER_OFF_SETTLE_MS = 30_000;
const POWER_POLL_MS = 2_000;
/** At most this long (or the BMC check's deadline, if shorter) for the server's facts: a slow FRU holds up no provisioning for longer. */
const FACTS_MS = 20_000;

export class NodeMachine {
  private resuming: boolean;
  /** Resumed in a download phase: its first wait is at most RESUME_GRACE_MS (see CUT_BY_RESTART). */
  private resumedInDownload: boolean;

  constructor(
    private readonly spec: NodeSpec,
    private readonly state: NodeState,
    private readonly inbox: ObservationInbox,
    private readonly deps: MachineDeps,
  ) {
    this.resuming = spec.resumed === true;
    this.resumedInDownload = this.resuming && CUT_BY_RESTART.includes(state.phase);
    // Kept reports are replayed to a resumed job: those of an earlier boot (before an escalation's
    // or a retry's power action in this job) must not count for this one.
    if (state.poweredAt !== undefined) inbox.forgetBefore(state.poweredAt);
  }

  /** Run from state.phase to the final phase. Aborting the signal stops between steps (the result is then a failure). */
  async run(signal: AbortSignal): Promise<MachineResult> {
    let phase: Phase | undefined = this.state.phase;
    this.state.status = 'running';
    try {
      while (phase !== undefined) {
        // Installed: the install group goes before the new phase is saved, so that no PXE boot from
        // here on (not even one while the agent is down and restarting) can install the node again.
        // Its Ignition (which carries the node's token) goes with it.
        if (phase === 'boot-disk' && this.deps.store !== undefined) await retireStage(this.deps.store, installGroupId(this.spec.mac));
        if (this.resuming) {
          // Already in it: no new entry and the deadline keeps running; published at once, so that
          // status shows the phase the node is in, not `queued`, while the resumed wait runs.
          this.resuming = false;
          await this.deps.onTransition(this.state);
        } else await this.enter(phase);
        phase = await this.step(phase, signal);
      }
      this.state.status = 'done';
      this.state.phase = this.spec.finalPhase;
      await this.deps.onTransition(this.state);
      return { ok: true };
    } catch (e) {
      const message = signal.aborted ? 'cancelled' : e instanceof PhaseFailure ? e.message : `${errorMessage(e)}`;
      const report = e instanceof PhaseFailure && !signal.aborted ? e.report : undefined;
      const where = { hostname: this.spec.hostname, mac: this.spec.mac, bootBase: this.deps.bootBase };
      const failure: NodeFailure = {
        mac: this.spec.mac, hostname: this.spec.hostname, phase: this.state.phase, message: report?.output === undefined ? message : `${message}; its output ends: ${lastLines(report.output)}`,
        lastObserved: this.describeLast(), hint: report === undefined ? phaseHint(this.state.phase, where) : reportedHint(this.state.phase, where),
        ...(report?.output === undefined ? {} : { output: report.output }), at: this.deps.clock.now(),
        ...(report?.kind === 'phone-home' && report.status === 'refused' ? { final: true } : {}),
      };
      this.state.failure = failure;
      this.state.status = signal.aborted ? 'cancelled' : 'failed';
      await this.deps.onTransition(this.state);
      return { ok: false, failure };
    }
  }

  private async enter(phase: Phase, note?: string): Promise<void> {
    const now = this.deps.clock.now();
    this.state.phase = phase;
    this.state.phaseStartedAt = now;
    this.addHistory(note === undefined ? { phase, at: now } : { phase, at: now, note });
    await this.deps.onTransition(this.state);
  }

  /** A note in the node's history about the phase it is in (kept to HISTORY_LIMIT entries), published. */
  private async note(phase: Phase, note: string): Promise<void> {
    this.addHistory({ phase, at: this.deps.clock.now(), note });
    await this.deps.onTransition(this.state);
  }

  private addHistory(entry: NodeState['history'][number]): void {
    this.state.history.push(entry);
    if (this.state.history.length > HISTORY_LIMIT) this.state.history.splice(0, this.state.history.length - HISTORY_LIMIT);
  }

  /** Do one phase; returns the next phase, or undefined when the node is finished. */
  private async step(phase: Phase, signal: AbortSignal): Promise<Phase | undefined> {
    signal.throwIfAborted();
    const c = this.deps.control;
    const node = this.spec;
    switch (phase) {
      case 'bmc-check':
        await this.bmc(phase, 'reading the power state', () => c.powerStatus(node));
        await this.readServerFacts();
        return 'boot-override';
      case 'boot-override':
        await this.setBoot('pxe');
        return 'power-cycle';
      case 'power-cycle':
        await this.powerUp('cycle', signal);
        return 'dhcp';
      case 'boot-disk':
        await this.setBoot('disk');
        return 'reboot';
      default:
        return this.wait(phase, signal);
    }
  }

  private async wait(phase: Phase, signal: AbortSignal): Promise<Phase | undefined> {
    const want = phaseIndex(phase);
    // From when the phase was entered: a resumed phase keeps the time it had left, no more.
    const left = Math.min(this.deps.deadlines[phase], Math.max(0, this.state.phaseStartedAt + this.deps.deadlines[phase] - this.deps.clock.now()));
    const grace = this.resumedInDownload && RESUME_GRACE_MS < left;
    this.resumedInDownload = false;
    const o = await this.inbox.waitFor((x) => isFailureReport(x) || (completes(x) !== undefined && phaseIndex(completes(x) as Phase) >= want),
      grace ? RESUME_GRACE_MS : left, signal);
    signal.throwIfAborted();
    if (o === undefined && grace) return this.netbootAgain(phase, signal);
    if (o === undefined) return this.escalate(phase, signal);
    this.observed(o);
    if (isFailureReport(o)) throw new PhaseFailure(`the node ${o.status === 'refused' ? 'refused' : 'reported failure'}: ${o.reason ?? '(no reason given)'}`, o);
    const done = completes(o) as Phase;
    if (phaseIndex(done) >= phaseIndex('ready') && this.deps.store !== undefined) await retireStage(this.deps.store, installedGroupId(this.spec.mac));
    return this.after(phase, done);
  }

  /** The phase after `done`, never skipping an action phase between `from` and there; undefined past the final phase. */
  private after(from: Phase, done: Phase): Phase | undefined {
    const last = phaseIndex(this.spec.finalPhase);
    if (phaseIndex(done) >= last) return undefined;
    let next = PHASES[phaseIndex(done) + 1] as Phase;
    for (const a of ACTION_PHASES) if (phaseIndex(a) > phaseIndex(from) && phaseIndex(a) < phaseIndex(next)) next = a;
    return next;
  }

  /** After a resume in a download phase with nothing heard within the grace: boot the node from the network again. */
  private async netbootAgain(phase: Phase, signal: AbortSignal): Promise<Phase> {
    const grace = RESUME_GRACE_MS / 1000;
    await this.note(phase, `resumed in ${phase}, nothing heard within ${grace}s: the agent's restart cut the node's download from the boot service; power off and on to netboot again`);
    await this.powerUp('off-on', signal);
    return 'dhcp';
  }

  private async escalate(phase: Phase, signal: AbortSignal): Promise<Phase> {
    const used = this.state.escalations[phase] ?? 0;
    const ladder = ESCALATIONS[phase];
    const seconds = Math.round(this.deps.deadlines[phase] / 1000);
    const step: Escalation | undefined = ladder[used];
    if (step === undefined) {
      throw new PhaseFailure(`nothing observed within ${seconds}s${used > 0 ? ` after ${used} escalation${used === 1 ? '' : 's'} (${ladder.slice(0, used).join(', ')})` : ''}`);
    }
    this.state.escalations[phase] = used + 1;
    await this.note(phase, `deadline ${seconds}s missed: ${step}`);
    switch (step) {
      case 'reset-override-and-cycle':
        await this.setBoot('pxe');
        await this.powerUp('cycle', signal);
        return 'dhcp';
      case 'toggle-boot-mode':
        this.state.efi = !this.state.efi;
        await this.setBoot('pxe');
        await this.powerUp('off-on', signal);
        return 'dhcp';
      case 'power-off-on':
        await this.powerUp('off-on', signal);
        return 'dhcp';
      case 'power-cycle':
        await this.powerUp('cycle', signal);
        return phase;
      case 'reset-disk-and-power-off-on':
        await this.setBoot('disk');
        await this.powerUp('off-on', signal);
        return phase;
    }
  }

  /** Set a persistent boot override in the current mode and read it back. */
  private async setBoot(device: 'pxe' | 'disk'): Promise<void> {
    const node = this.spec;
    const c = this.deps.control;
    const want = { device, persistent: true, efi: this.state.efi };
    await this.bmc(this.state.phase, `setting boot device ${device}`, () => c.setBootDevice(node, device, { persistent: true, efi: want.efi }));
    const got = await this.bmc(this.state.phase, 'reading the boot device back', () => c.readBootDevice(node));
    // A flag the BMC does not report (undefined) cannot be checked; the device always is.
    if (got === undefined || got.device !== want.device || (got.persistent !== undefined && got.persistent !== want.persistent) || (got.efi !== undefined && got.efi !== want.efi)) {
      const show = (s: BootDeviceSetting | undefined): string => (s === undefined ? 'no override'
        : `${s.device}${s.persistent === undefined ? '' : s.persistent ? ' persistent' : ' once'}${s.efi === undefined ? '' : s.efi ? ' EFI' : ' legacy'}`);
      throw new PhaseFailure(`the BMC accepted boot device ${show(want)} but reads back ${show(got)}`);
    }
  }

  /** Power the node up from whatever state it is in, in its turn (staggered power-on). */
  private async powerUp(how: 'cycle' | 'off-on', signal: AbortSignal): Promise<void> {
    const c = this.deps.control;
    const node = this.spec;
    const phase = this.state.phase;
    if (how === 'off-on') {
      await this.bmc(phase, 'powering off', () => c.powerOff(node));
      const until = this.deps.clock.now() + POWER_OFF_SETTLE_MS;
      while ((await this.bmc(phase, 'reading the power state', () => c.powerStatus(node))) !== 'off') {
        if (this.deps.clock.now() >= until) throw new PhaseFailure(`the power still reads on ${POWER_OFF_SETTLE_MS / 1000}s after power off`);
        await this.sleep(POWER_POLL_MS, signal);
      }
    }
    this.inbox.clear(); // anything seen before this power action is stale
    this.state.poweredAt = this.deps.clock.now();
    await this.deps.gate.turn(signal);
    const on = how === 'cycle' && (await this.bmc(phase, 'reading the power state', () => c.powerStatus(node))) === 'on';
    if (on) await this.bmc(phase, 'power cycling', () => c.powerCycle(node));
    else await this.bmc(phase, 'powering on', () => c.powerOn(node));
  }

  /**
   * What the BMC says about its server (serial, model, BIOS), kept in the node's record for the
   * inventory and compared there with what the server itself reports. A BMC that cannot say (no
   * FRU, a driver without it, too slow) is no failure of the node: the job's history notes it.
   */
  private async readServerFacts(): Promise<void> {
    const c = this.deps.control;
    const keep = this.deps.keepBmcFacts;
    if (c.serverFacts === undefined || keep === undefined) return;
    try {
      const facts = await this.bmc('bmc-check', 'reading what it says about the server (FRU)', () => (c.serverFacts as NonNullable<BootControl['serverFacts']>)(this.spec),
        Math.min(FACTS_MS, this.deps.deadlines['bmc-check']));
      await keep(this.spec, facts);
    } catch (e) {
      await this.note('bmc-check', `the server's facts were not read from its BMC (the check goes on): ${errorMessage(e)}`);
    }
  }

  /** A BMC call with the phase's deadline (or `limitMs`); its failure becomes the node's, with what was being done. */
  private async bmc<T>(phase: Phase, what: string, call: () => Promise<T>, limitMs?: number): Promise<T> {
    const ms = limitMs ?? (this.deps.deadlines[phase] > 0 && ACTION_PHASES.includes(phase) ? this.deps.deadlines[phase] : this.deps.deadlines['bmc-check']);
    let cancel = (): void => undefined;
    const timeout = new Promise<never>((_, reject) => {
      cancel = this.deps.clock.setTimer(ms, () => reject(new PhaseFailure(`the BMC did not finish ${what} within ${Math.round(ms / 1000)}s`)));
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (e) {
      if (e instanceof PhaseFailure) throw e;
      throw new PhaseFailure(`BMC error while ${what}: ${errorMessage(e)}`);
    } finally {
      cancel();
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return clockSleep(this.deps.clock, ms, signal);
  }

  private observed(o: Observation): void {
    const detail = o.kind === 'phone-home' ? ` ${o.status ?? ''}` : o.os === 'installed' ? ' (os=installed)' : '';
    this.state.lastObserved = { kind: o.kind, at: o.at, detail: detail.trim() === '' ? undefined : detail.trim() };
  }

  private describeLast(): string {
    const last = this.inbox.last();
    if (last !== undefined && (this.state.lastObserved === undefined || last.at >= this.state.lastObserved.at)) this.observed(last);
    const l = this.state.lastObserved;
    if (l === undefined) return 'nothing from the node since the bootstrap started';
    const ago = Math.max(0, Math.round((this.deps.clock.now() - l.at) / 1000));
    return `${l.kind}${l.detail !== undefined ? ` ${l.detail}` : ''} ${ago}s ago`;
  }
}

/** The last few lines of a step's output, on one line. */
function lastLines(output: string): string {
  return output.trimEnd().split('\n').slice(-3).map((l) => l.trim()).filter((l) => l !== '').join(' | ');
}

function isFailureReport(o: Observation): boolean {
  return o.kind === 'phone-home' && (o.status === 'failed' || o.status === 'refused');
}
