/**
 * ipmi_sim configuration for one simulated BMC. Pure renderers.
 *
 * Facts (reference/simulator-notes.md): boot options (bootdev) work only with a chassis_control
 * program, which then also owns power; one `addr` per LAN channel; cipher suite 3 is the one
 * ipmi_sim speaks. The LAN address is not known when the file is rendered (a BMC asks racker's
 * dnsmasq for it), so the template carries `@ADDR@`, which bmc-start.sh fills in.
 */
import { createHash } from 'node:crypto';

export const ADDR_PLACEHOLDER = '@ADDR@';

export interface BmcConfigInput {
  /** Name ipmi_sim reports; the node's name. */
  name: string;
  user: string;
  password: string;
  /** The chassis_control command line: program and its fixed first argument (the node directory). */
  chassisControl: string;
  /** With a VM: the loopback ports of QEMU's in-band channel and serial console. */
  vm?: { ipmiVmPort: number; consolePort: number };
}

/** Characters that cannot appear inside ipmi_sim's double-quoted strings. */
const UNQUOTABLE = /["\\\n\r\0]/;

export function checkQuotable(what: string, value: string): void {
  if (UNQUOTABLE.test(value)) throw new Error(`${what} must not contain quotes, backslashes or line breaks`);
}

/** lan.conf with the LAN address left as @ADDR@. Holds the password: write it mode 0600. */
export function renderLanConfTemplate(c: BmcConfigInput): string {
  checkQuotable('the BMC user name', c.user);
  checkQuotable('the BMC password', c.password);
  checkQuotable('the chassis_control path', c.chassisControl);
  const guid = createHash('sha256').update(c.name).digest('hex').slice(0, 32);
  const lines = [
    `name "${c.name}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${ADDR_PLACEHOLDER} 623`,
    '    priv_limit admin',
    ...['callback', 'user', 'operator', 'admin'].map((l) => `    allowed_auths_${l} md5 straight`),
    `    guid ${guid}`,
    '  endlan',
    `  chassis_control "${c.chassisControl}"`,
  ];
  if (c.vm !== undefined) {
    lines.push(`  serial 15 127.0.0.1 ${c.vm.ipmiVmPort} codec VM`);
    lines.push(`  sol "telnet:127.0.0.1:${c.vm.consolePort}" 115200`);
  }
  lines.push(`  user 2 true "${c.user}" "${c.password}" admin 10 md5 straight`);
  return `${lines.join('\n')}\n`;
}

/** The emulator command file: one BMC with a SEL and, given one, a FRU 0 image (fru-image.ts), enabled. */
export function renderEmu(fru?: readonly number[]): string {
  return [
    'mc_setbmc 0x20',
    'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
    'sel_enable 0x20 1000 0x0a',
    ...(fru === undefined ? [] : [`mc_add_fru_data 0x20 0 ${fru.length} data ${fru.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}`]),
    'mc_enable 0x20',
    '',
  ].join('\n');
}

/** Environment file the shell helpers source (bmc-start.sh, the DHCP hook, chassis-control.sh). */
export function renderNodeEnv(vars: Record<string, string | number | boolean>): string {
  return Object.entries(vars).map(([k, v]) => {
    const s = String(v);
    if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`bad variable name ${k}`);
    return `${k}='${s.replace(/'/g, `'\\''`)}'`;
  }).join('\n') + '\n';
}
