/**
 * The boot override over Redfish, as vendors actually take it:
 * - BootSourceOverrideMode is sent only when it must change and the BMC lets it (HPE iLO has it
 *   read-only and refuses the whole PATCH); a property error naming it is retried without it, and
 *   one saying it is missing (Supermicro) with it.
 * - A System whose Boot is read-only but that advertises @Redfish.Settings (Dell iDRAC 10) takes
 *   the change on its SettingsObject; the override then shows there until the next boot.
 * - Every PATCH carries the ETag (connection.ts).
 */
import type { BootDevice, BootFlags, BootOverride } from '../bmc-client.js';
import type { Quirks } from '../quirks.js';
import { odataId, refusalOf, type Json, type RedfishConnection, type Resource } from './connection.js';
import { computerSystemSchema, settingsSchema, type ComputerSystem } from './schemas.js';

/** A Boot object as parsed (schemas.ts bootSchema). */
export type Boot = NonNullable<ComputerSystem['Boot']>;

export const TARGETS: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', bios: 'BiosSetup', cdrom: 'Cd' };

/** What racker learned about this BMC's boot override, kept for the client's lifetime. */
export interface BootHabits {
  /** auto: Mode when it must change and is writable; never: read-only here; always: required here. */
  mode: 'auto' | 'never' | 'always';
  /** The System's Boot is read-only: write the settings resource. */
  viaSettings: boolean;
}

/** The Boot object to PATCH. */
export function bootPatch(current: Boot, o: BootOverride, mode: BootHabits['mode']): Json {
  const want = o.efi ? 'UEFI' : 'Legacy';
  const allowed = current['BootSourceOverrideMode@Redfish.AllowableValues'];
  const writable = allowed == null || allowed.includes(want);
  const send = mode === 'always' || (mode === 'auto' && writable && current.BootSourceOverrideMode !== want);
  return { BootSourceOverrideTarget: TARGETS[o.device], BootSourceOverrideEnabled: o.persistent ? 'Continuous' : 'Once', ...(send ? { BootSourceOverrideMode: want } : {}) };
}

/** The System's settings resource, when it advertises one. */
export const settingsObject = (system: ComputerSystem): string | undefined => odataId(system['@Redfish.Settings']?.SettingsObject);

const mentionsMode = (s: string): boolean => /BootSourceOverrideMode/i.test(s);
const isReadOnly = (s: string): boolean => /read-?only|not ?writable|PropertyNotWritable|NotUpdatable/i.test(s);
const isMissing = (s: string): boolean => /PropertyMissing|required|missing/i.test(s);

/** PATCH the override, adapting to the BMC's refusals; throws the last refusal when nothing works. */
export async function writeBootOverride(conn: RedfishConnection, system: Resource<ComputerSystem>, o: BootOverride, habits: BootHabits, quirks: Quirks, step: string): Promise<void> {
  const settings = settingsObject(system.body);
  let target: Resource<{ Boot?: Boot | null }> = habits.viaSettings && settings !== undefined ? await conn.read(settings, step, settingsSchema) : system;
  const current = system.body.Boot ?? {};
  for (;;) {
    const body = bootPatch({ ...current, ...(target.body.Boot ?? {}) }, o, habits.mode);
    const r = await conn.patch(target.path, step, { Boot: body }, target);
    if (r.status >= 200 && r.status < 300) return;
    const { message, messageId } = refusalOf(r);
    const said = `${messageId} ${message}`;
    const sentMode = body.BootSourceOverrideMode !== undefined;
    // Each adaptation is made once per client, so this loop ends.
    if (r.status === 400 && mentionsMode(said) && !sentMode && habits.mode === 'auto' && isMissing(said)) {
      habits.mode = 'always';
      quirks.add('boot mode required in every boot PATCH');
    } else if (r.status === 400 && mentionsMode(said) && sentMode && habits.mode === 'auto') {
      habits.mode = 'never';
      quirks.add('boot mode read-only');
    } else if ((r.status === 400 || r.status === 403 || r.status === 405) && isReadOnly(said) && !habits.viaSettings && settings !== undefined) {
      habits.viaSettings = true;
      quirks.add('boot via settings resource');
      target = await conn.read(settings, step, settingsSchema);
    } else {
      throw conn.failure(r, step);
    }
  }
}

/**
 * Learn the BMC's boot habits without changing anything, for diag: PATCH the System with the
 * override it already has (target and enabled), then with the mode it already has. A refusal
 * says "read-only, use the settings resource", "mode required" or "mode read-only".
 */
export async function probeBootHabits(conn: RedfishConnection, system: Resource<ComputerSystem>, habits: BootHabits, quirks: Quirks): Promise<void> {
  const step = 'probe boot override (rewrite of the current values)';
  const b = system.body.Boot ?? {};
  if (b.BootSourceOverrideEnabled == null) return;
  const same = { BootSourceOverrideTarget: b.BootSourceOverrideTarget, BootSourceOverrideEnabled: b.BootSourceOverrideEnabled };
  const r = await conn.patch(system.path, step, { Boot: same }, system);
  const said = `${refusalOf(r).messageId} ${refusalOf(r).message}`;
  if (r.status >= 400 && mentionsMode(said) && isMissing(said) && !isReadOnly(said)) {
    habits.mode = 'always';
    quirks.add('boot mode required in every boot PATCH');
  } else if (r.status >= 400 && isReadOnly(said) && settingsObject(system.body) !== undefined) {
    habits.viaSettings = true;
    quirks.add('boot via settings resource');
    return;
  }
  if (b.BootSourceOverrideMode == null || Array.isArray(b['BootSourceOverrideMode@Redfish.AllowableValues'])) return;
  const fresh = await conn.read(system.path, step, computerSystemSchema);
  const m = await conn.patch(system.path, step, { Boot: { ...(habits.mode === 'always' ? same : {}), BootSourceOverrideMode: b.BootSourceOverrideMode } }, fresh);
  if (m.status === 400 && mentionsMode(`${refusalOf(m).messageId} ${refusalOf(m).message}`)) {
    habits.mode = 'never';
    quirks.add('boot mode read-only');
  }
}

/** Boot flags from a Boot object (the System's, or the settings resource's pending one over it). */
export function bootFlagsOf(b: Boot): BootFlags {
  const target = b.BootSourceOverrideTarget;
  const device = (Object.entries(TARGETS).find(([, v]) => v === target)?.[0] as BootDevice | undefined) ?? (target == null || target === 'None' ? 'none' : 'other');
  return {
    valid: b.BootSourceOverrideEnabled !== 'Disabled' && device !== 'none',
    device,
    persistent: b.BootSourceOverrideEnabled === 'Continuous',
    efi: b.BootSourceOverrideMode === 'UEFI',
    raw: JSON.stringify(Object.fromEntries(Object.entries(b).filter(([k]) => k.startsWith('BootSourceOverride') && !k.includes('@')))),
  };
}
