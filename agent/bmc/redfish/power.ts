/**
 * Power over ComputerSystem.Reset, idempotent: the state is read first and nothing is sent when
 * the system is already there (or on its way: PoweringOn/PoweringOff). A BMC that still refuses a
 * request for the state it is in (Dell iDRAC: 409; HPE iLO: 400 InvalidOperationForSystemState,
 * e.g. to a reset while off) is asked again for its state, and the refusal counts as success when
 * the state is the one wanted. A cycle or reset of a system that is off powers it on.
 */
import type { Quirks } from '../quirks.js';
import { bmcUnsupportedError } from '../errors.js';
import { refusalOf, text, type RedfishConnection, type Resource } from './connection.js';
import type { ComputerSystem } from './schemas.js';
import { allowedResetTypes } from './reset-types.js';

export type PowerGoal = 'on' | 'off' | 'soft' | 'cycle' | 'reset';

/** Reset types to use for each goal, in order of preference, among those the BMC advertises. */
const RESET_PREFERENCES: Record<PowerGoal, readonly string[]> = {
  on: ['On', 'ForceOn'],
  off: ['ForceOff'],
  soft: ['GracefulShutdown'],
  cycle: ['PowerCycle', 'ForceRestart'],
  reset: ['ForceRestart', 'GracefulRestart'],
};

/** Redfish PowerState → where it is or is heading. */
export function powerOf(state: ComputerSystem['PowerState']): { power: 'on' | 'off'; transition: 'powering-on' | 'powering-off' | undefined } {
  if (state === 'PoweringOn') return { power: 'on', transition: 'powering-on' };
  if (state === 'PoweringOff') return { power: 'off', transition: 'powering-off' };
  return { power: state === 'On' || state === 'Paused' ? 'on' : 'off', transition: undefined };
}

/** The answer of a BMC that will not do what it is already doing. */
export function isAlreadyInState(status: number, said: string): boolean {
  return status === 409 || (status === 400 && /InvalidOperationForSystemState|already|ResetNotRequired/i.test(said));
}

export class RedfishPower {
  constructor(private readonly conn: RedfishConnection, private readonly readSystem: () => Promise<Resource<ComputerSystem>>, private readonly quirks: Quirks) {}

  async act(goal: PowerGoal, step: string): Promise<void> {
    const system = await this.readSystem();
    const now = powerOf(system.body.PowerState);
    if ((goal === 'on' && now.power === 'on') || ((goal === 'off' || goal === 'soft') && now.power === 'off')) return;
    if ((goal === 'cycle' || goal === 'reset') && now.power === 'off' && now.transition === undefined) return this.act('on', `${step}: power on (was off)`);
    const r = await this.reset(system, goal, step);
    if (r.status >= 200 && r.status < 300) return;
    const { message, messageId } = refusalOf(r);
    if (!isAlreadyInState(r.status, `${messageId} ${message}`)) throw this.conn.failure(r, step);
    const after = powerOf((await this.readSystem()).body.PowerState);
    const wanted = goal === 'off' || goal === 'soft' ? 'off' : 'on';
    if (after.power === wanted && goal !== 'cycle' && goal !== 'reset') {
      this.quirks.add(`refuses a power request for the state it is in (HTTP ${r.status}${messageId === '' ? '' : ` ${messageId.split('.').pop()}`})`);
      return;
    }
    if ((goal === 'cycle' || goal === 'reset') && after.power === 'off') {
      this.quirks.add(`refuses a reset while off (HTTP ${r.status}): powered on instead`);
      return this.act('on', `${step}: power on (was off)`);
    }
    throw this.conn.failure(r, step);
  }

  private async reset(system: Resource<ComputerSystem>, goal: PowerGoal, step: string): Promise<Awaited<ReturnType<RedfishConnection['post']>>> {
    const action = system.body.Actions?.['#ComputerSystem.Reset'];
    if (action == null) throw bmcUnsupportedError(this.conn.where, step, 'the system has no ComputerSystem.Reset action');
    const allowed = await allowedResetTypes(this.conn, action, step);
    const preferred = RESET_PREFERENCES[goal];
    const type = allowed === undefined ? preferred[0] : preferred.find((t) => allowed.includes(t));
    if (type === undefined) throw bmcUnsupportedError(this.conn.where, step, `the BMC allows reset types ${allowed?.map(text).join(', ')}, none of ${preferred.join(', ')}`);
    return this.conn.post(action.target, step, { ResetType: type });
  }
}
