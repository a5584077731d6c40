/** `bmc:` how racker talks to the nodes' BMCs. */
import { z } from 'zod';
import { normalizeMac } from '../../lib/mac.js';

export const bmcDriver = z.enum(['ipmi', 'ipmitool', 'redfish']);
const cipherSuite = z.union([z.literal(3), z.literal(17)]);
/** SHA-256 certificate fingerprint, as `openssl x509 -fingerprint -sha256` prints it (colons optional). */
const fingerprint = z.string().regex(/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/, 'must be a SHA-256 fingerprint (64 hex digits, colons optional)');

const bmcOverride = z.strictObject({
  /** Fixed address instead of the DHCP reservation (BMCs with static addresses). */
  address: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  driver: bmcDriver.optional(),
  cipherSuite: cipherSuite.optional(),
  /** Redfish: accept exactly the BMC certificate with this fingerprint (self-signed or private CA) instead of CA verification. */
  tlsFingerprint: fingerprint.optional(),
  /** Redfish: the ComputerSystem UUID of this server, when its BMC manages several systems. */
  systemUuid: z.string().regex(/^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/, 'must be a UUID (8-4-4-4-12 hex digits)').optional(),
});

export const bmcSection = z.strictObject({
  driver: bmcDriver.default('ipmi'),
  /** Cipher suites to try, in order. */
  cipherSuites: z.array(cipherSuite).min(1).default([17, 3]),
  /** Budget of one request/response exchange with a BMC, retransmissions included. */
  timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  /** Retransmissions within that budget. */
  retries: z.number().int().min(0).max(10).default(3),
  /** Wait before the first retransmission; each further one waits twice as long, up to 4 times this. */
  retransmitMs: z.number().int().min(50).max(60_000).default(500),
  /** Minimum gap between two commands to one BMC; fragile BMCs freeze under bursts. */
  /**
   * What a BMC reports when the boot flags are read back: `full` (device, valid, persistent and
   * EFI bits, as the IPMI specification says) or `device-only` (the device only, e.g. OpenIPMI's
   * ipmi_sim with a chassis program); with device-only, only the device is checked after setting it.
   */
  bootFlagsReadBack: z.enum(['full', 'device-only']).default('full'),
  minCommandIntervalMs: z.number().int().min(0).max(10_000).default(20),
  /** How many BMCs are talked to at once. */
  fanout: z.number().int().min(1).max(1024).default(64),
  /** Idle time after which an open session is kept alive with a harmless command; 0 never. */
  keepAliveMs: z.number().int().min(0).max(600_000).default(30_000),
  /**
   * Close a native IPMI session on the BMC after this long without an operation (keep-alives do
   * not count), so fragile BMCs, which have few session slots, are not held forever; 0 never.
   */
  idleCloseMs: z.number().int().min(0).max(86_400_000).default(300_000),
  /** The ipmitool program (driver `ipmitool` and the serial console). */
  ipmitool: z.string().min(1).default('ipmitool'),
  redfish: z.strictObject({
    /** Verify BMC certificates against the system CAs (a per-node tlsFingerprint pins one instead). */
    verifyTls: z.boolean().default(true),
    /** Log in with a Redfish session (X-Auth-Token) instead of sending basic auth on every request. */
    sessions: z.boolean().default(true),
  }).prefault({}),
  /** Per-node settings keyed by BMC MAC. */
  nodes: z.record(z.string(), bmcOverride).default({}).superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      if (normalizeMac(key) === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not a MAC address` });
    }
  }),
});

export type BmcSettings = z.output<typeof bmcSection>;
