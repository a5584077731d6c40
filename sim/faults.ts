/**
 * The failure modes `racker-sim fault` injects, and the nftables rule sets behind the network ones
 * (pure). This kernel has no netem, so delay is made by freezing the BMC process instead:
 *  - bmc-down: ipmi_sim stopped (SIGSTOP): a BMC that froze; requests time out.
 *  - bmc-slow: ipmi_sim frozen 0.9 s of every second (bmc-slow.sh): answers come late, some retried.
 *  - wrong-password: the BMC's password changed (lan.conf rewritten, ipmi_sim restarted).
 *  - drop-boot-flag: the chassis program ignores boot-device sets (read-back shows the old device).
 *  - no-dhcp: DHCP requests from the node's NIC (its tap) and its BMC are dropped on the bridge.
 *  - packet-loss P: P % of the IPMI packets to and from the BMC are dropped.
 */
import type { SimNode } from './rack-spec.js';

export const FAULTS = ['bmc-down', 'bmc-slow', 'wrong-password', 'drop-boot-flag', 'no-dhcp', 'packet-loss'] as const;
export type Fault = (typeof FAULTS)[number];

export function isFault(s: string): s is Fault {
  return (FAULTS as readonly string[]).includes(s);
}

export function nftTable(node: SimNode): string {
  return `racker_sim_n${node.row}`;
}

/** Bridge-family table: DHCP (UDP to port 67) from the node's tap and BMC port dropped. */
export function renderNoDhcpRules(node: SimNode): string {
  return [
    `table bridge ${nftTable(node)} {`,
    '  chain forward_c {',
    '    type filter hook forward priority 0; policy accept;',
    `    iifname { "${node.tap}", "${node.bmcPeer}" } udp dport 67 drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Inet-family table: a random `percent` of the IPMI packets in and out of the BMC dropped. */
export function renderLossRules(node: SimNode, percent: number): string {
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw new RangeError(`loss percent ${percent} is not 1–100`);
  // numgen's values are 0–99: "< 100" is out of its range, so total loss is a plain drop.
  const pick = percent === 100 ? '' : `numgen random mod 100 < ${percent} `;
  return [
    `table inet ${nftTable(node)} {`,
    '  chain input_c {',
    '    type filter hook input priority 0; policy accept;',
    `    iifname "${node.bmcIface}" udp dport 623 ${pick}drop`,
    '  }',
    '  chain output_c {',
    '    type filter hook output priority 0; policy accept;',
    `    oifname "${node.bmcIface}" udp sport 623 ${pick}drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}
