/** The agent's BMC layer (compose.ts BmcLayer) as a test replaces it: fakes for the hardware only. */
import type { BmcLayer } from '../../agent/daemon/compose.js';
import type { PowerReader } from '../../agent/bmc-poller/poller.js';
import type { BootControl } from '../../bootstrap/ports.js';
import { FakeBmc } from './fake-bmc.js';
import { FakePowerReader } from './fake-power-reader.js';

export function fakeBmcLayer(power: PowerReader = new FakePowerReader(), control: BootControl = new FakeBmc()): BmcLayer {
  return { control, power, close: async () => undefined };
}
