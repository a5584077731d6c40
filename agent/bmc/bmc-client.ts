/**
 * The one interface every other subsystem uses to drive a node's BMC, whatever the driver (native
 * IPMI v2.0 lanplus, ipmitool, Redfish). Methods take no credentials: a client is built for one
 * BMC (see BmcTarget) and keeps the password in memory only.
 */

export type PowerState = 'on' | 'off';

export type BootDevice = 'pxe' | 'disk' | 'bios' | 'cdrom';
export const BOOT_DEVICES: readonly BootDevice[] = ['pxe', 'disk', 'bios', 'cdrom'];

/** What to boot next, explicit in every respect (the original left firmware mode to chance). */
export interface BootOverride {
  device: BootDevice;
  /** true: every boot until changed (IPMI "persistent", Redfish Continuous); false: next boot only. */
  persistent: boolean;
  /** true: UEFI; false: legacy BIOS. */
  efi: boolean;
}

/** The boot flags as the BMC reports them. `device` is 'none' when no override is set. */
export interface BootFlags {
  /** The BMC says the flags are in force (IPMI "boot flag valid"; Redfish Enabled ≠ Disabled). */
  valid: boolean;
  device: BootDevice | 'none' | 'other';
  persistent: boolean;
  efi: boolean;
  /** Driver-specific raw form, for diagnostics (IPMI: the 5 data bytes in hex). */
  raw?: string;
}

/** Result of setting the boot device: what was asked for and what the BMC reports afterwards. */
export interface BootSetResult {
  requested: BootOverride;
  readBack: BootFlags;
  /**
   * Fields the BMC reports differently from what was requested (the device always matches, else
   * setBootDevice throws). Some BMCs keep only the device (OpenIPMI's ipmi_sim does): callers
   * decide whether that matters.
   */
  mismatches: Array<'persistent' | 'efi' | 'valid'>;
}

export interface ChassisStatus {
  /** Where the power is or is heading (a system powering on counts as on). */
  power: PowerState;
  /** Set while the BMC reports the power changing (Redfish PoweringOn/PoweringOff). */
  transition?: 'powering-on' | 'powering-off';
  /** Power fault, interlock, overload, as the BMC reports them. */
  faults: string[];
  /** Last power event in words ('' when none). */
  lastPowerEvent: string;
  intrusion: boolean;
  /** 'off' | 'temporary' | 'indefinite' | 'unknown' (not every BMC reports it). */
  identify: 'off' | 'temporary' | 'indefinite' | 'unknown';
  /** The policy after AC power returns. */
  restorePolicy: 'always-off' | 'previous' | 'always-on' | 'unknown';
  /** Front panel lockout, drive fault, cooling/fan fault (IPMI Get Chassis Status byte 3; undefined where the driver does not say). */
  frontPanelLockout?: boolean;
  driveFault?: boolean;
  coolingFault?: boolean;
}

/** One System Event Log record, decoded as far as the record says without the SDRs. */
export interface SelEntry {
  /** Record ID (ipmitool shows it in hex). */
  id: number;
  /** ISO 8601 UTC; undefined for records without a time, or with one from before the BMC's clock was set. */
  time?: string;
  /** Seconds since the BMC initialised, for records stamped before its clock was set. */
  sinceInit?: number;
  /** "Temperature #0x01", as ipmitool's `sel list` names the sensor (Redfish: the entry's sensor or message). */
  sensor: string;
  /** "Upper Critical going high", "Log area reset/cleared", or the OEM data in hex. */
  event: string;
  direction: 'asserted' | 'deasserted';
  /** The record's bytes in hex (IPMI), for what the decoding leaves out. */
  raw?: string;
}

/**
 * The fields (by key) a driver looked for and the BMC did not report (Redfish): shown as "not
 * reported by this BMC" rather than left out. IPMI's answers leave them out, as ipmitool does.
 */
export interface Reporting {
  notReported?: string[];
}

export interface SelInfo extends Reporting {
  entries: number;
  freeBytes?: number;
  lastAdd?: string;
  lastErase?: string;
  overflow?: boolean;
  /** Redfish LogService MaxNumberOfRecords. */
  maxRecords?: number;
  /** Redfish LogService OverWritePolicy, in words. */
  overwritePolicy?: 'wraps when full' | 'never overwrites';
}

/**
 * FRU inventory (IPMI FRU 0; Redfish: the system's and its chassis' asset fields, plus what only
 * Redfish reports: SKU, BIOS version, memory and processors); every field optional, as BMCs leave
 * them empty.
 */
export interface FruInfo extends Reporting {
  chassisType?: string;
  chassisPartNumber?: string;
  chassisSerial?: string;
  boardMfgDate?: string;
  boardManufacturer?: string;
  boardProduct?: string;
  boardSerial?: string;
  boardPartNumber?: string;
  productManufacturer?: string;
  productName?: string;
  productPartNumber?: string;
  productVersion?: string;
  productSerial?: string;
  productAssetTag?: string;
  productSku?: string;
  biosVersion?: string;
  /** Installed memory, GiB (Redfish MemorySummary). */
  memoryGiB?: number;
  processorCount?: number;
  processorModel?: string;
  systemUuid?: string;
}

/** The management controller itself (IPMI Get Device ID; Redfish: the Manager). */
export interface McInfo extends Reporting {
  deviceId?: number;
  deviceRevision?: number;
  /** Always there over IPMI; Redfish's FirmwareVersion may be absent. */
  firmwareRevision?: string;
  ipmiVersion?: string;
  manufacturerId?: number;
  manufacturer?: string;
  productId?: number;
  /** IPMI: the device is available (not updating firmware); Redfish: Status.State is Enabled. */
  available?: boolean;
  /** "sensor device", "SEL device", "FRU inventory device", ... (IPMI only) */
  supports?: string[];
  auxFirmwareRevision?: string;
  /** Redfish Manager: Model, UUID, ManagerType ("BMC"), Status in words ("Enabled, health OK"). */
  model?: string;
  uuid?: string;
  managerType?: string;
  status?: string;
}

/**
 * The BMC's LAN settings (IPMI LAN configuration parameters of one channel; Redfish: the Manager's
 * Nth EthernetInterface for channel N).
 */
export interface LanConfig extends Reporting {
  channel: number;
  /** Redfish: the EthernetInterface's Id. */
  interface?: string;
  ipSource?: 'unspecified' | 'static' | 'dhcp' | 'bios' | 'other';
  ipAddress?: string;
  subnetMask?: string;
  macAddress?: string;
  defaultGateway?: string;
  defaultGatewayMac?: string;
  /** undefined: VLAN tagging off. */
  vlanId?: number;
  vlanPriority?: number;
  cipherSuites?: number[];
}

export interface SensorReading {
  name: string;
  /** Sensor type in words ('temperature', 'voltage', 'fan', ... or 'type 0x..'). */
  type: string;
  /** Converted value, undefined when the BMC has no reading (sensor absent or not scanning). */
  value: number | undefined;
  unit: string;
  /** 'ok' | 'warning' | 'critical' | 'unavailable' | 'discrete' */
  status: 'ok' | 'warning' | 'critical' | 'unavailable' | 'discrete';
}

export interface BmcUser {
  id: number;
  name: string;
  enabled: boolean;
  /** 'callback' | 'user' | 'operator' | 'administrator' | 'oem' | 'no access' */
  privilege: string;
}

export interface RawResponse {
  completionCode: number;
  data: Uint8Array;
}

export interface BmcClient {
  /** The driver's name, for messages ('ipmi', 'ipmitool', 'redfish'). */
  readonly driver: string;
  /** Reachability: answers without credentials when the protocol allows (ASF ping, Redfish service root). */
  ping(): Promise<boolean>;
  /**
   * `signal`: the caller gave up (a poll's deadline). An operation still waiting for its turn is
   * then dropped rather than sent late; one already talking to the BMC ends on its own timeout.
   */
  powerState(signal?: AbortSignal): Promise<PowerState>;
  chassisStatus(): Promise<ChassisStatus>;
  powerOn(): Promise<void>;
  /** Hard power off. */
  powerOff(): Promise<void>;
  /** Ask the OS to shut down (ACPI). */
  softOff(): Promise<void>;
  /** Power cycle; a machine that is off is powered on. */
  powerCycle(): Promise<void>;
  /** Hard reset. */
  reset(): Promise<void>;
  /** Blink the locator light for `seconds` (0 turns it off). */
  identify(seconds: number): Promise<void>;
  /**
   * Set the boot override (the 60 s flag timeout disabled first where the protocol has one) and
   * read it back. Throws RACKER_E_BMC when the BMC reports another device afterwards.
   */
  setBootDevice(override: BootOverride): Promise<BootSetResult>;
  bootFlags(): Promise<BootFlags>;
  sensors(): Promise<SensorReading[]>;
  users(): Promise<BmcUser[]>;
  /** Set user `id`'s password. The password is never logged or put in argv. */
  setUserPassword(id: number, password: string): Promise<void>;
  /** A raw request: netfn, command, data. Not every driver supports it (RACKER_E_BMC_UNSUPPORTED). */
  raw(netFn: number, command: number, data: Uint8Array): Promise<RawResponse>;
  /*
   * ipmitool's maintenance vocabulary (`racker ipmi NODE sel|fru|mc|lan`). Optional: a driver
   * without one says so (RACKER_E_BMC_UNSUPPORTED, from actions.ts), and fakes need not have them.
   */
  selInfo?(): Promise<SelInfo>;
  /** Every SEL record, oldest first. */
  selList?(): Promise<SelEntry[]>;
  /** Erase the SEL; resolves when the BMC reports the erase complete. */
  selClear?(): Promise<void>;
  fru?(): Promise<FruInfo>;
  mcInfo?(): Promise<McInfo>;
  /** Reset the BMC (not the server); the session ends with it. Resolves with what the BMC said, if anything. */
  mcReset?(kind: 'cold' | 'warm'): Promise<{ answered: boolean }>;
  lanConfig?(channel: number): Promise<LanConfig>;
  /**
   * What the driver detected about this BMC and adapts to, in words ("ETag required", "boot mode
   * read-only", "cipher suite 17 refused: using 3"), for diag: what earlier operations of this
   * client found, and what a harmless probe finds (a write of values the BMC already has, at most).
   * Optional: fakes need not have it.
   */
  detectQuirks?(): Promise<string[]>;
  /** Close the session (if any). Idempotent. */
  close(): Promise<void>;
}

/** Where a BMC is and how to talk to it; built from the inventory and configuration (targets.ts). */
export interface BmcTarget {
  /** How the node is named in messages: host name, else the BMC MAC. */
  node: string;
  address: string;
  port: number;
  user: string;
  password: string;
  /** Where the credentials came from (the configured OEM directory), for hints. */
  oemDir?: string;
  /** The BMC's MAC, to pick this server's system when a Redfish service manages several. */
  bmcMac?: string;
  /** The server's own MACs (primary, secondary): the same choice by the system's NICs. */
  hostMacs?: readonly string[];
  /** A pinned system UUID (bmc.nodes."<BMC MAC>".systemUuid), which wins over the MACs. */
  systemUuid?: string;
}
