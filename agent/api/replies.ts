/**
 * What the control API answers, as schemas: routes.ts builds each answer as the type inferred
 * here, and the CLI's client (client.ts) checks an answer against the same schema, so the two
 * cannot drift apart unnoticed. Both come from one racker release; the check matters when they
 * do not (a CLI from a newer payload talking to an agent not restarted yet), see client.ts.
 */
import { z } from 'zod';
import { jobRecordSchema, nodeRecordSchema } from '../state/records.js';
import { agentEventSchema } from '../state/event-log.js';
import { DISCOVERED_MACS_LIMIT, type DiscoveredMac } from '../state/discovered-macs.js';
import { normalizeMac } from '../lib/mac.js';

export const agentInfoSchema = z.object({
  version: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  configFile: z.string().optional(),
  stateGeneration: z.number().int(),
  lastEventSeq: z.number().int(),
});
export type AgentInfo = z.infer<typeof agentInfoSchema>;

export const reloadResultSchema = z.object({
  /** Services whose inputs changed and that were reloaded or restarted. */
  reloaded: z.array(z.string()),
  /** Services left alone. */
  unchanged: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type ReloadResult = z.infer<typeof reloadResultSchema>;

/** An error answer (http-util.ts errorResponse): the agent's code, message and hint. */
export const errorReplySchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  problems: z.array(z.object({ file: z.string(), line: z.number().optional(), field: z.string().optional(), message: z.string(), hint: z.string().optional() })).optional(),
});
export type ErrorReply = z.infer<typeof errorReplySchema>;

/**
 * One MAC of GET /v1/discovery. Bounded as the agent keeps them: at most DISCOVERED_MACS_LIMIT
 * entries; a DHCP host name or vendor class is at most 255 bytes on the wire (escaped in dnsmasq's
 * log, so up to four times that as text).
 */
const discoveredMacSchema: z.ZodType<DiscoveredMac> = z.object({
  mac: z.string().max(64).refine((m) => normalizeMac(m) !== undefined, 'not a MAC address'),
  ip: z.string().max(64).optional(),
  hostname: z.string().max(1024).optional(),
  vendorClass: z.string().max(1024).optional(),
  firstSeen: z.string().max(64),
  lastSeen: z.string().max(64),
});

/** Every answer the client reads, by name: GET /v1/nodes is `nodes`, one job `job`, an event line of GET /v1/events `event`. */
export const REPLIES = {
  nodes: z.object({ agent: agentInfoSchema, nodes: z.array(nodeRecordSchema) }),
  node: z.object({ node: nodeRecordSchema }),
  job: z.object({ job: jobRecordSchema }),
  jobs: z.object({ jobs: z.array(jobRecordSchema) }),
  reload: reloadResultSchema,
  discovery: z.object({ macs: z.array(discoveredMacSchema).max(DISCOVERED_MACS_LIMIT) }),
  event: agentEventSchema,
  error: errorReplySchema,
};
export type ReplyName = keyof typeof REPLIES;
export type Replies = { [K in ReplyName]: z.infer<(typeof REPLIES)[K]> };
