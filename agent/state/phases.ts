/**
 * The phases of a node, named once: a bootstrap's provisioning phases in order (bootstrap/phases.ts
 * says what completes each, what a missed deadline escalates to and what to check), and what a node
 * record can say besides (records.ts). They live on the state floor so that the state and the
 * bootstrap both import them downward.
 */

export const PHASES = [
  'bmc-check', 'boot-override', 'power-cycle',
  'dhcp', 'boot-ipxe', 'ipxe', 'kernel', 'install-ignition', 'installing',
  'boot-disk', 'reboot', 'ready', 'joined',
] as const;
/** One provisioning phase of a node in a bootstrap job. */
export type Phase = (typeof PHASES)[number];

/**
 * What a node record says about its node: a provisioning phase, or `new` (nobody has provisioned it
 * yet), `queued`, `provisioned`; `failed`, `excluded` and `cancelled` end a bootstrap for that node;
 * `management` is the node the agent runs on.
 */
export const NODE_PHASES = ['new', 'queued', ...PHASES, 'provisioned', 'failed', 'excluded', 'cancelled', 'management'] as const;
export type NodePhase = (typeof NODE_PHASES)[number];
