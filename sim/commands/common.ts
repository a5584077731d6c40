/** What every racker-sim command shares: the rack's name and root flags, and loading a rack. */
import type { CliContext } from '../../agent/cli-kit/context.js';
import { ErrorCodes, RackerError } from '../../agent/lib/errors.js';
import { checkRackName, rackSpec, type RackSpec } from '../rack-spec.js';
import { readState, simDir, simRoot, type SimState } from '../state.js';

export const RACK_OPTIONS = {
  name: { type: 'string' },
  root: { type: 'string' },
} as const;

export const DEFAULT_RACK_NAME = 'rack';

export interface RackRef {
  name: string;
  root: string;
  dir: string;
}

export function rackRef(values: { name?: string; root?: string }, ctx: CliContext): RackRef {
  const name = checkRackName(values.name ?? DEFAULT_RACK_NAME);
  const root = simRoot(values.root, ctx.env);
  return { name, root, dir: simDir(root, name) };
}

export interface LoadedRack {
  ref: RackRef;
  state: SimState;
  spec: RackSpec;
}

/** A rack that create finished; anything else is an error that says what to do. */
export async function loadRack(ref: RackRef): Promise<LoadedRack> {
  const state = await readState(ref.dir);
  if (state === undefined) {
    throw new RackerError(ErrorCodes.notFound, `no simulated rack "${ref.name}" in ${ref.root}`, { hint: `create one with: racker-sim create --name ${ref.name}` });
  }
  if (state.phase !== 'ready') {
    throw new RackerError(ErrorCodes.sim, `the simulated rack "${ref.name}" was not finished (create stopped half-way)`, { hint: `remove it with: racker-sim destroy --name ${ref.name}` });
  }
  return { ref, state, spec: rackSpec(state.name, state.options.nodes) };
}

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new RackerError(ErrorCodes.sim, 'racker-sim needs root: it creates network namespaces, bridges and taps', { hint: 'run it with sudo' });
  }
}
