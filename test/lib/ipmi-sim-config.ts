/**
 * Pure renderers for an OpenIPMI ipmi_sim BMC: lan.conf (LAN channels, users, chassis_control
 * program), the emulator command file (BMC, SDRs and sensors) and the chassis_control script that
 * records power and boot state in files the tests read. Facts: reference/simulator-notes.md —
 * one `addr` per LAN channel, boot options only with a chassis_control program, numbers in the
 * command file must carry 0x when hexadecimal.
 */

export interface LanEndpoint {
  address: string;
  port: number;
}

export interface SimUser {
  id: number;
  name: string;
  password: string;
  privilege: 'user' | 'operator' | 'admin';
}

export interface SimConfig {
  name: string;
  /** One LAN channel per endpoint (channels 1, 2, …). */
  lans: readonly LanEndpoint[];
  users: readonly SimUser[];
  /** The chassis_control command line (ipmi_sim appends the arguments and runs it with sh -c). */
  chassisControl: string;
  /** Dump every decoded IPMI message to stdout (needs stdin kept open). */
  logMessages: boolean;
  /**
   * Serial over LAN: the TCP port on 127.0.0.1 that plays the server's serial port. ipmi_sim
   * connects to it when a console activates SOL (telnet framing, as with QEMU's telnet serial).
   */
  solTcpPort?: number;
}

export function renderLanConf(c: SimConfig): string {
  const lines = [`name "${c.name}"`, 'set_working_mc 0x20'];
  c.lans.forEach((lan, i) => {
    lines.push(`  startlan ${i + 1}`, `    addr ${lan.address} ${lan.port}`, '    priv_limit admin');
    for (const level of ['callback', 'user', 'operator', 'admin']) lines.push(`    allowed_auths_${level} md5 straight`);
    lines.push('    guid a123456789abcdefa123456789abcdef', '  endlan');
  });
  lines.push(`  chassis_control "${c.chassisControl}"`);
  if (c.solTcpPort !== undefined) lines.push(`  sol "telnet:127.0.0.1:${c.solTcpPort}" 115200`);
  for (const u of c.users) lines.push(`  user ${u.id} true "${u.name}" "${u.password}" ${u.privilege} 10 md5 straight`);
  return `${lines.join('\n')}\n`;
}

export interface SimSensor {
  number: number;
  name: string;
  /** IPMI sensor type (1 temperature, 2 voltage, 4 fan). */
  type: number;
  /** Base unit code (1 °C, 4 V, 18 RPM). */
  unit: number;
  m: number;
  /** Result exponent K2. */
  k2: number;
  raw: number;
  /** Upper non-critical, critical, non-recoverable thresholds (raw). */
  upper: [number, number, number];
}

export const DEFAULT_SENSORS: readonly SimSensor[] = [
  { number: 1, name: 'CPU Temp', type: 0x01, unit: 1, m: 1, k2: 0, raw: 40, upper: [80, 90, 100] },
  { number: 2, name: '12V', type: 0x02, unit: 4, m: 6, k2: -2, raw: 200, upper: [220, 230, 240] },
  { number: 3, name: 'Fan1', type: 0x04, unit: 18, m: 50, k2: 0, raw: 108, upper: [200, 220, 240] },
];

/** A full sensor record (SDR type 01h), threshold-based, linear, unsigned, B = 0. */
export function fullSensorRecord(recordId: number, s: SimSensor): number[] {
  const name = [...Buffer.from(s.name, 'latin1')];
  const body = [
    0x20, 0x00, s.number, // owner BMC, LUN 0, sensor number
    0x03, 0x01, 0x67, 0x88, s.type, 0x01, // entity (processor) instance 1, init, capabilities, type, threshold
    0x00, 0x00, 0x00, 0x00, 0x38, 0x38, // event masks (none), readable upper thresholds
    0x00, s.unit, 0x00, 0x00, // unsigned, base unit, no modifier, linear
    s.m & 0xff, ((s.m >> 8) & 0x03) << 6, 0x00, 0x00, 0x00, ((s.k2 & 0x0f) << 4) | 0x00, // M, tolerance, B, accuracy, exponents
    0x00, s.raw, 0xff, 0x00, 0xff, 0x00, // flags, nominal, normal max/min, sensor max/min
    s.upper[2], s.upper[1], s.upper[0], 0x00, 0x00, 0x00, // UNR, UC, UNC, LNR, LC, LNC
    0x00, 0x00, 0x00, 0x00, 0x00, // hysteresis, reserved, OEM
    0xc0 | name.length, ...name,
  ];
  return [recordId & 0xff, recordId >> 8, 0x51, 0x01, body.length, ...body];
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** What else the BMC holds: SEL records (record type, then its 13 bytes) and FRU 0's bytes. */
export interface SimInventory {
  sel?: ReadonlyArray<readonly number[]>;
  fru?: readonly number[];
}

export function renderEmu(c: { logMessages: boolean; sensors?: readonly SimSensor[] } & SimInventory): string {
  const lines = c.logMessages ? ['debug msg'] : [];
  lines.push('mc_setbmc 0x20', 'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr', 'sel_enable 0x20 1000 0x0a');
  (c.sensors ?? DEFAULT_SENSORS).forEach((s, i) => {
    lines.push(`sensor_add 0x20 0 ${s.number} ${hex(s.type)} 0x01`);
    lines.push(`main_sdr_add 0x20 ${fullSensorRecord(i + 1, s).map(hex).join(' ')}`);
    lines.push(`sensor_set_value 0x20 0 ${s.number} ${hex(s.raw)} 0`);
    lines.push(`sensor_set_threshold 0x20 0 ${s.number} settable 111000 ${hex(s.upper[2])} ${hex(s.upper[1])} ${hex(s.upper[0])} 0x00 0x00 0x00`);
    lines.push(`sensor_set_event_support 0x20 0 ${s.number} enable scanning per-state 000111111000000 000111111000000 000111111000000 000111111000000`);
  });
  if (c.fru !== undefined) lines.push(`mc_add_fru_data 0x20 0 ${c.fru.length} data ${c.fru.map(hex).join(' ')}`);
  for (const r of c.sel ?? []) lines.push(`sel_add 0x20 ${r.map(hex).join(' ')}`);
  lines.push('mc_enable 0x20');
  return `${lines.join('\n')}\n`;
}

/**
 * The chassis_control program: ipmi_sim runs `<prog> get power`, `<prog> set power 1`,
 * `<prog> set boot pxe`, `<prog> set identify "15 0"` … through `sh -c` and reads `power:N` /
 * `boot:X` back. State lives in `stateDir`; every set is appended to `events`.
 *
 * A real BMC answers Get Chassis Status from memory, while ipmi_sim waits for this program on
 * every one. So it costs as little as a shell can: the file only defines a function
 * (`chassisControlCommand` sources it and calls it inside ipmi_sim's own `sh -c`, no second
 * shell) and uses only builtins. The first version, an executable script reading state with
 * `$(cat …)`, started four processes per query (about 9 ms; now one, about 1 ms) and made the
 * simulators, not the IPMI clients, the bottleneck of the 64-BMC benchmark (bench/README.md,
 * bmc-fanout). Every tool in the benchmark and the tests meets the same program.
 */
export function renderChassisScript(stateDir: string): string {
  return `# chassis_control for ipmi_sim in racker's tests (sourced, then called): records power and boot state.
chassis_control() {
  d='${stateDir}'
  op="$1"; shift
  if [ "$op" = get ]; then
    for what in "$@"; do
      case "$what" in
        power) v=0; read -r v 2>/dev/null <"$d/power"; echo "power:$v" ;;
        boot) v=default; read -r v 2>/dev/null <"$d/boot"; echo "boot:$v" ;;
        *) echo "unknown get $what" >&2; return 1 ;;
      esac
    done
    return 0
  fi
  if [ "$op" = set ]; then
    while [ $# -ge 2 ]; do
      echo "set $1 $2" >> "$d/events"
      case "$1" in
        power) echo "$2" > "$d/power" ;;
        boot) echo "$2" > "$d/boot" ;;
        reset|shutdown|identify) ;;
        *) echo "unknown set $1" >&2; return 1 ;;
      esac
      shift 2
    done
    return 0
  fi
  echo "unknown operation $op" >&2
  return 1
}
`;
}

/** The chassis_control line for lan.conf: ipmi_sim appends the arguments, `sh -c` runs it. */
export function chassisControlCommand(scriptPath: string): string {
  return `. ${scriptPath}; chassis_control`;
}
