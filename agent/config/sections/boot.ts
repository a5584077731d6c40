/** `boot:` the matchbox-compatible HTTP boot service. */
import { z } from 'zod';

export const bootSection = z.strictObject({
  /** Address to listen on; default the management node's internal address. */
  listenAddress: z.string().optional(),
  port: z.number().int().min(1).max(65535).default(8080),
  /** Serve a node's /ignition only to the address its reservation gives it (off for proxy setups). */
  restrictIgnitionToNode: z.boolean().default(true),
});
