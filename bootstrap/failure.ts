/** A node's failure as the operator sees it: which node, which phase, what was last seen, what to do. */
import { ErrorCodes, RackerError } from '../agent/lib/errors.js';
import type { Phase } from '../agent/state/phases.js';

export interface NodeFailure {
  mac: string;
  hostname: string;
  phase: Phase;
  /** What went wrong. */
  message: string;
  /** The last thing observed from the node, with how long ago. */
  lastObserved: string;
  hint: string;
  /** The node reported the failure itself: the last lines of the failing step's output. */
  output?: string;
  /** The node refused (phone-home `refused`): another boot gives the same verdict, so it is not retried. */
  final?: boolean;
  /** When the node failed (ms): a resumed job asks again in the order the questions were first asked. */
  at?: number;
}

export function formatFailure(f: NodeFailure): string {
  return `${f.hostname} (${f.mac}) failed in phase ${f.phase}: ${f.message}; last observed: ${f.lastObserved}`;
}

export class NodeFailedError extends RackerError {
  readonly failure: NodeFailure;

  constructor(f: NodeFailure) {
    super(ErrorCodes.provisioning, formatFailure(f), { hint: f.hint });
    this.name = 'NodeFailedError';
    this.failure = f;
  }
}
