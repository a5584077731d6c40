/** `network:` the rack-internal L2 network and how nodes are named on it. */
import { z } from 'zod';
import { parseSubnet, subnetSize } from '../../lib/ipv4.js';

export const HOSTNAME_PLACEHOLDERS = ['row', 'type', 'mac'] as const;

export const networkSection = z.strictObject({
  /** Internal network; the management node takes the first address. /16 to /28. */
  subnet: z.string().default('172.24.213.0/24').superRefine((v, ctx) => {
    const s = parseSubnet(v);
    if (typeof s === 'string') ctx.addIssue({ code: 'custom', message: s });
    else if (s.prefix < 16 || s.prefix > 28) ctx.addIssue({ code: 'custom', message: `/${s.prefix} is outside the supported /16 to /28` });
  }),
  /** Addresses at the top of the subnet kept out of the plan, for the DHCP discovery pool. */
  discoveryPoolSize: z.number().int().min(0).max(4096).default(16),
  /** Host name per node: placeholders {row} (data row, 2 digits), {type}, {mac} (primary MAC, hex). */
  hostnamePattern: z.string().default('node-{row}').superRefine((v, ctx) => {
    const bad = [...v.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((n) => !(HOSTNAME_PLACEHOLDERS as readonly string[]).includes(n ?? ''));
    if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `unknown placeholder {${bad.join('}, {')}}; use {row}, {type} or {mac}` });
    if (!/\{(row|mac)\}/.test(v)) ctx.addIssue({ code: 'custom', message: 'needs {row} or {mac} so that every node gets its own name' });
  }),
  /** Put the management address (and an IPv6 ULA for fast iPXE) on the PXE interface at start. */
  configureInterface: z.boolean().default(true),
  /** DNS domain appended to host names, if any. */
  domain: z.string().regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a lower-case DNS name like rack1.example.com').optional(),
}).superRefine((n, ctx) => {
  const s = parseSubnet(n.subnet);
  if (typeof s === 'string') return;
  const usable = subnetSize(s) - 2;
  if (n.discoveryPoolSize > usable - 3) {
    ctx.addIssue({ code: 'custom', path: ['discoveryPoolSize'], message: `${n.discoveryPoolSize} leaves too few of ${n.subnet}'s ${usable} addresses for nodes` });
  }
});
