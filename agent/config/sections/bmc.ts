/** `bmc:` how racker talks to the nodes' BMCs. */
import { z } from 'zod';
import { normalizeMac } from '../../inventory/mac.js';

export const bmcDriver = z.enum(['ipmi', 'ipmitool', 'redfish']);
const cipherSuite = z.union([z.literal(3), z.literal(17)]);

const bmcOverride = z.strictObject({
  /** Fixed address instead of the DHCP reservation (BMCs with static addresses). */
  address: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  driver: bmcDriver.optional(),
  cipherSuite: cipherSuite.optional(),
});

export const bmcSection = z.strictObject({
  driver: bmcDriver.default('ipmi'),
  /** Cipher suites to try, in order. */
  cipherSuites: z.array(cipherSuite).min(1).default([17, 3]),
  /** Per-command timeout before a retransmission gives up. */
  timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  retries: z.number().int().min(0).max(10).default(3),
  /** Minimum gap between two commands to one BMC; fragile BMCs freeze under bursts. */
  minCommandIntervalMs: z.number().int().min(0).max(10_000).default(100),
  /** How many BMCs are talked to at once. */
  fanout: z.number().int().min(1).max(1024).default(64),
  /** Per-node settings keyed by BMC MAC. */
  nodes: z.record(z.string(), bmcOverride).default({}).superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      if (normalizeMac(key) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not a MAC address` });
    }
  }),
});
