/** Readers of ipmitool's output (1.8.19), pure and tested against captured text. */
import type { BmcUser, BootFlags, SensorReading } from '../bmc-client.js';
import { decodeBootFlags } from '../ipmi/commands.js';

/** `raw` prints the response data as hex bytes over one or more lines. */
export function parseRawOutput(stdout: string): Buffer {
  const bytes = stdout.trim().split(/\s+/).filter((w) => /^[0-9a-f]{2}$/i.test(w));
  return Buffer.from(bytes.map((b) => parseInt(b, 16)));
}

/** The completion code of a failed `raw` ("... rsp=0xc1): Invalid command"). */
export function rawCompletionCode(stderr: string): number | undefined {
  const m = /rsp=0x([0-9a-f]{1,2})/i.exec(stderr);
  return m === null ? undefined : parseInt(m[1] as string, 16);
}

/** `chassis bootparam get 5` → the flags, from "Boot parameter data: e004000000". */
export function parseBootParam(stdout: string): BootFlags | undefined {
  const m = /Boot parameter data:\s*([0-9a-f]{10})/i.exec(stdout);
  if (m === null) return undefined;
  return decodeBootFlags(Buffer.from(`0105${m[1] as string}`, 'hex'));
}

const UNIT_WORDS: Record<string, string> = { 'degrees C': '°C', 'degrees F': '°F', Volts: 'V', Amps: 'A', Watts: 'W', RPM: 'RPM', percent: '%' };

/** `sensor list`: name | value | unit | status | thresholds… */
export function parseSensorList(stdout: string): SensorReading[] {
  const out: SensorReading[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('|').map((s) => s.trim());
    if (f.length < 4 || f[0] === '') continue;
    const [name, value, unit, status] = f as [string, string, string, string];
    const number = Number.parseFloat(value);
    const discrete = unit === 'discrete';
    const known = !Number.isNaN(number) && !discrete;
    out.push({
      name,
      type: discrete ? 'discrete' : 'analog',
      value: known ? number : undefined,
      unit: UNIT_WORDS[unit] ?? unit,
      status: !known ? (discrete ? 'discrete' : 'unavailable') : status === 'ok' ? 'ok' : /^(cr|nr)$/.test(status) ? 'critical' : status === 'na' ? 'unavailable' : 'warning',
    });
  }
  return out;
}

const PRIVILEGE_WORDS: Record<string, string> = { ADMINISTRATOR: 'administrator', OPERATOR: 'operator', USER: 'user', CALLBACK: 'callback', 'NO ACCESS': 'no access', OEM: 'oem' };

/** `user list 1`: ID, Name, Callin, Link Auth, IPMI Msg, Channel Priv Limit. */
export function parseUserList(stdout: string): BmcUser[] {
  const out: BmcUser[] = [];
  for (const line of stdout.split('\n').slice(1)) {
    const m = /^(\d+)\s+(.*?)\s+(true|false)\s+(true|false)\s+(true|false)\s+(.+?)\s*$/.exec(line);
    if (m === null) continue;
    const priv = (m[6] as string).trim();
    out.push({ id: Number(m[1]), name: (m[2] as string).trim(), enabled: m[5] === 'true', privilege: PRIVILEGE_WORDS[priv] ?? (/Unknown \(0x00\)/.test(priv) ? 'reserved' : priv.toLowerCase()) });
  }
  return out;
}

export type FailureKind = 'auth' | 'timeout' | 'cipher' | 'unsupported' | 'other';

/** What kind of failure ipmitool's (verbose) stderr describes. */
export function classifyFailure(stderr: string): FailureKind {
  if (/RAKP 2 HMAC is invalid|unauthorized name|invalid integrity check value|RAKP 4 message has invalid integrity check/i.test(stderr)) return 'auth';
  if (/invalid authentication algorithm|invalid integrity algorithm|invalid confidentiality algorithm|no cipher suite match/i.test(stderr)) return 'cipher';
  if (/Get Auth Capabilities error|No response|timeout|Unable to establish/i.test(stderr)) return 'timeout';
  // Not "Invalid command" alone: -v prints that for ipmitool's own VSO capability probe on every call.
  if (/rsp=0x(c1|80|d5|d6)\b|not supported/i.test(stderr)) return 'unsupported';
  return 'other';
}

const CHATTER = /^(Loading IANA PEN Registry|Running Get VSO Capabilities|Invalid completion code received: Invalid command|Discovered IPMB address|RAW REQ|RAW RSP)/;

/** stderr without ipmitool's verbose chatter, for messages. */
export function essentialStderr(stderr: string): string {
  return stderr.split('\n').map((l) => l.replace(/^>\s*/, '').trim()).filter((l) => l !== '' && !CHATTER.test(l)).slice(-3).join(' | ');
}
