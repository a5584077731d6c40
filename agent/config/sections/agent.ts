/** `agent:` the daemon itself. */
import { z } from 'zod';

export const agentSection = z.strictObject({
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** Prometheus metrics on 127.0.0.1; 0 turns them off. */
  metricsPort: z.number().int().min(0).max(65535).default(9469),
  /** Group allowed to use the control socket (mode 0660); root only (0600) when unset. */
  socketGroup: z.string().optional(),
});
