/**
 * Flatcar reboots itself after an OS update: update-engine downloads and applies it, locksmithd
 * takes the reboot lock and reboots. A reboot in the middle of an install would leave a half-done
 * switch, so the installer stops those services that are running while it works and starts them
 * again afterwards, also when the install fails.
 */
import type { Logger } from '../../agent/lib/log.js';
import type { ServiceManager } from './service-manager.js';

export interface RebootHold {
  /** The units that were running and were stopped. */
  held: string[];
  release(): Promise<void>;
}

export async function holdReboots(services: ServiceManager, units: readonly string[], log: Logger): Promise<RebootHold> {
  const held: string[] = [];
  for (const unit of units) {
    if (!(await services.isActive(unit))) continue;
    await services.stop(unit);
    held.push(unit);
    log.info({ unit }, 'holding off OS-update reboots while installing');
  }
  return {
    held,
    async release() {
      for (const unit of [...held].reverse()) {
        try {
          await services.start(unit);
        } catch (err) {
          // Keep going: the other holders must come back too. The operator is told which one did not.
          log.error({ err, unit }, `could not start ${unit} again; start it with: systemctl start ${unit}`);
        }
      }
    },
  };
}
