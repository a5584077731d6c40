/**
 * Vendor profiles for the Redfish emulator (redfish-emulator.ts): each one a bundle of behaviours
 * that vendors' BMCs are documented to have (shared/reference/bmc-vendors.md names the public
 * issue threads). A profile models those behaviours only; it is no claim about any product.
 */
export interface VendorProfile {
  name: string;
  /** Which documented behaviours it bundles, in words (docs/bmc-vendors.md repeats this). */
  models: string;
  /** offered: ETag on every resource, If-Match checked when sent; required: 428 without If-Match, 412 when stale. */
  etag: 'offered' | 'required';
  /** read-only: a PATCH naming BootSourceOverrideMode fails whole (400); required: a boot PATCH without it fails (400). */
  bootMode: 'writable' | 'read-only' | 'required';
  /** settings: Boot on the System is read-only; changes go to @Redfish.Settings and apply at the next power on or reset. */
  bootVia: 'system' | 'settings';
  /** The answer to a power request for the state the system is in. */
  redundantPower: 'accepted' | 'conflict-409' | 'invalid-state-400';
  /** Session login: Location header (standard), none (only the body's @odata.id), or no SessionService. */
  sessions: 'location' | 'no-location' | 'none';
  /** A session token stops working after this many requests (idle limit, expiry). */
  sessionRequests?: number;
  /** to-slash: /redfish/v1 → 308 /redfish/v1/ (DMTF's emulator); from-slash: the other way round. */
  root: 'plain' | 'to-slash' | 'from-slash';
  /** How many ComputerSystems (and Managers) one service has; the node's is the second when several. */
  systems: number;
  indicator: 'location-indicator' | 'indicator-led';
  thermal: 'sensors' | 'thermal-subsystem' | 'thermal' | 'thermal-v1.0';
  accountIds: 'numbers' | 'names';
  certificate: 'self-signed' | 'ca-issued';
  /** After a power change the state reads PoweringOn / PoweringOff once, then On / Off. */
  transitions: boolean;
  /**
   * full: every asset, manager, BMC NIC and log service field `racker ipmi fru|mc info|lan print|sel info`
   * reads; sparse: most of them absent, null or empty, as a BMC that does not fill them in.
   */
  inventory: 'full' | 'sparse';
}

const standard: Omit<VendorProfile, 'name' | 'models'> = {
  etag: 'offered', bootMode: 'writable', bootVia: 'system', redundantPower: 'accepted', sessions: 'location', root: 'plain',
  systems: 1, indicator: 'location-indicator', thermal: 'sensors', accountIds: 'numbers', certificate: 'self-signed', transitions: false, inventory: 'full',
};

export const PROFILES: readonly VendorProfile[] = [
  { ...standard, name: 'dmtf', models: 'the DMTF schema as written; root redirected to /redfish/v1/ as DMTF\'s Redfish-Interface-Emulator does', root: 'to-slash' },
  { ...standard, name: 'strict-etag', models: 'PATCH refused without If-Match (428) or with a stale ETag (412), as documented for Lenovo XCC and Huawei iBMC; IndicatorLED only; ThermalSubsystem', etag: 'required', indicator: 'indicator-led', thermal: 'thermal-subsystem' },
  { ...standard, name: 'mode-read-only', models: 'BootSourceOverrideMode read-only, 400 InvalidOperationForSystemState to a redundant power request, CA-issued certificate, as documented for HPE iLO', bootMode: 'read-only', redundantPower: 'invalid-state-400', certificate: 'ca-issued', thermal: 'thermal' },
  { ...standard, name: 'settings-boot', models: 'Boot changed only through @Redfish.Settings, 409 to a redundant power request, sessions that expire, transitional power states, as documented for Dell iDRAC', bootVia: 'settings', redundantPower: 'conflict-409', sessionRequests: 6, transitions: true, thermal: 'thermal' },
  { ...standard, name: 'mode-required', models: 'BootSourceOverrideMode required in a boot PATCH, Thermal v1.0 (FanName, ReadingRPM), root redirected from /redfish/v1/, as documented for Supermicro', bootMode: 'required', thermal: 'thermal-v1.0', root: 'from-slash', indicator: 'indicator-led' },
  { ...standard, name: 'names-as-ids', models: 'account Ids that are user names, sessions answered without a Location header, as documented for OpenBMC', accountIds: 'names', sessions: 'no-location' },
  { ...standard, name: 'multi-system', models: 'three ComputerSystems behind one service (blades, multi-node chassis); no SessionService (basic auth); asset, manager and BMC NIC fields mostly left out, null or empty', systems: 3, sessions: 'none', inventory: 'sparse' },
];

export const profile = (name: string): VendorProfile => {
  const p = PROFILES.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no Redfish vendor profile ${name}`);
  return p;
};
