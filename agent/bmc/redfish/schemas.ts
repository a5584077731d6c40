/**
 * The Redfish resources racker reads, as zod schemas checked at the boundary (connection.ts's
 * read()): a BMC is not trusted to send what DMTF's schema says, so a field racker uses that has
 * the wrong type is an error naming the BMC, the resource's URL and the field, never a cast that
 * reads as "off" or "none" later. Only the fields racker uses are described; everything else a
 * vendor sends is kept as it is (loose objects). Optional properties may be null, as Redfish allows
 * for a value the service cannot supply.
 */
import { z } from 'zod';
import { bmcFailure, type BmcWhere } from '../errors.js';

/** Redfish's PowerState values (Resource.PowerState). */
export const REDFISH_POWER_STATES = ['On', 'Off', 'PoweringOn', 'PoweringOff', 'Paused'] as const;

const text = z.string().nullish();
const count = z.number().int().nonnegative().nullish();
const number = z.number().nullish();
const texts = z.array(z.string()).nullish();

/** Any resource, read only for its ETag before a PATCH. */
export const anyResourceSchema = z.looseObject({});

/** A navigation property: `{ "@odata.id": "/redfish/v1/…" }`. */
export const link = z.looseObject({ '@odata.id': z.string() });
const optionalLink = link.nullish();
const links = z.array(link).nullish();

const status = z.looseObject({ State: text, Health: text }).nullish();

/** Any collection whose members are links (Systems, Managers, Chassis, Sensors, Fans, Accounts…). */
export const collectionSchema = z.looseObject({ Members: z.array(link).nullish() });

export const serviceRootSchema = z.looseObject({
  Systems: optionalLink, Chassis: optionalLink, Managers: optionalLink, AccountService: optionalLink, SessionService: optionalLink,
  Links: z.looseObject({ Sessions: optionalLink }).nullish(),
});

/** A new session's body (its own URI, where the BMC sends no Location header). */
export const sessionSchema = z.looseObject({ '@odata.id': z.string().nullish() });

/** The Boot object of a ComputerSystem or of its settings resource. */
export const bootSchema = z.looseObject({
  BootSourceOverrideTarget: text,
  BootSourceOverrideEnabled: text,
  BootSourceOverrideMode: text,
  'BootSourceOverrideTarget@Redfish.AllowableValues': texts,
  'BootSourceOverrideMode@Redfish.AllowableValues': texts,
});

export const resetActionSchema = z.looseObject({
  target: z.string(),
  'ResetType@Redfish.AllowableValues': texts,
  '@Redfish.ActionInfo': text,
});
export type ResetAction = z.infer<typeof resetActionSchema>;

export const computerSystemSchema = z.looseObject({
  PowerState: z.enum(REDFISH_POWER_STATES),
  Boot: bootSchema.nullish(),
  '@Redfish.Settings': z.looseObject({ SettingsObject: optionalLink }).nullish(),
  Actions: z.looseObject({ '#ComputerSystem.Reset': resetActionSchema.nullish() }).nullish(),
  Links: z.looseObject({ Chassis: links, ManagedBy: links }).nullish(),
  EthernetInterfaces: optionalLink,
  LogServices: optionalLink,
  UUID: text,
  LocationIndicatorActive: z.boolean().nullish(),
  IndicatorLED: text,
  PowerRestorePolicy: text,
  Status: status,
  // Asset facts (system-facts.ts).
  Manufacturer: text, Model: text, SerialNumber: text, PartNumber: text, SKU: text, AssetTag: text, BiosVersion: text,
  MemorySummary: z.looseObject({ TotalSystemMemoryGiB: number }).nullish(),
  ProcessorSummary: z.looseObject({ Count: count, Model: text }).nullish(),
});
export type ComputerSystem = z.infer<typeof computerSystemSchema>;

/** The settings resource (@Redfish.Settings' SettingsObject): what is pending until the next boot. */
export const settingsSchema = z.looseObject({ Boot: bootSchema.nullish() });

export const actionInfoSchema = z.looseObject({
  Parameters: z.array(z.looseObject({ Name: z.string(), AllowableValues: texts })).nullish(),
});

export const chassisSchema = z.looseObject({
  Sensors: optionalLink, ThermalSubsystem: optionalLink, Thermal: optionalLink, Power: optionalLink,
  ChassisType: text, Manufacturer: text, Model: text, SerialNumber: text, PartNumber: text, AssetTag: text,
});
export type Chassis = z.infer<typeof chassisSchema>;

export const sensorSchema = z.looseObject({ Name: text, Id: text, ReadingType: text, Reading: number, ReadingUnits: text, Status: status });
export type Sensor = z.infer<typeof sensorSchema>;

export const thermalSubsystemSchema = z.looseObject({ Fans: optionalLink, ThermalMetrics: optionalLink });
export const fanSchema = z.looseObject({ Name: text, Id: text, SpeedPercent: z.looseObject({ Reading: number, SpeedRPM: number }).nullish(), Status: status });
export type Fan = z.infer<typeof fanSchema>;
export const thermalMetricsSchema = z.looseObject({
  TemperatureReadingsCelsius: z.array(z.looseObject({ DeviceName: text, DataSourceUri: text, Reading: number, Status: status })).nullish(),
});
export type ThermalMetrics = z.infer<typeof thermalMetricsSchema>;

/** Thermal (deprecated): v1.0 fans have FanName and ReadingRPM. MemberId is a string (some BMCs send a number). */
const memberId = z.union([z.string(), z.number()]).nullish();
export const thermalSchema = z.looseObject({
  Temperatures: z.array(z.looseObject({ MemberId: memberId, Name: text, ReadingCelsius: number, Status: status })).nullish(),
  Fans: z.array(z.looseObject({ MemberId: memberId, Name: text, FanName: text, Reading: number, ReadingRPM: number, ReadingUnits: text, Status: status })).nullish(),
});
export type Thermal = z.infer<typeof thermalSchema>;
export const powerSchema = z.looseObject({
  Voltages: z.array(z.looseObject({ MemberId: memberId, Name: text, ReadingVolts: number, Status: status })).nullish(),
});
export type Power = z.infer<typeof powerSchema>;

export const managerSchema = z.looseObject({
  Id: text, ManagerType: text, FirmwareVersion: text, Model: text, Manufacturer: text, UUID: text, Status: status,
  EthernetInterfaces: optionalLink, LogServices: optionalLink,
  Links: z.looseObject({ ManagerForServers: links }).nullish(),
  Actions: z.looseObject({ '#Manager.Reset': resetActionSchema.nullish() }).nullish(),
});
export type Manager = z.infer<typeof managerSchema>;

export const ethernetInterfaceSchema = z.looseObject({
  Id: text, MACAddress: text, PermanentMACAddress: text, InterfaceEnabled: z.boolean().nullish(),
  IPv4Addresses: z.array(z.looseObject({ Address: text, SubnetMask: text, AddressOrigin: text, Gateway: text })).nullish(),
  VLAN: z.looseObject({ VLANEnable: z.boolean().nullish(), VLANId: count, VLANPriority: count }).nullish(),
});
export type EthernetInterface = z.infer<typeof ethernetInterfaceSchema>;

export const logServiceSchema = z.looseObject({
  Id: text, LogEntryType: text, Entries: optionalLink, MaxNumberOfRecords: count, OverWritePolicy: text, ServiceEnabled: z.boolean().nullish(),
  Actions: z.looseObject({ '#LogService.ClearLog': z.looseObject({ target: z.string() }).nullish() }).nullish(),
});
export type LogService = z.infer<typeof logServiceSchema>;

export const logEntrySchema = z.looseObject({
  '@odata.id': text, Id: text, Name: text, Created: text, Message: text, MessageId: text, SensorType: text, SensorNumber: count, EntryCode: text,
});
export type LogEntry = z.infer<typeof logEntrySchema>;

/** Log entries come inline (most BMCs) or as links to read one by one. */
export const logEntryCollectionSchema = z.looseObject({ 'Members@odata.count': count, Members: z.array(logEntrySchema).nullish() });

export const accountServiceSchema = z.looseObject({ Accounts: optionalLink });
export const accountSchema = z.looseObject({ Id: text, UserName: text, Enabled: z.boolean().nullish(), RoleId: text });

/** An error reply (only read for its words: a malformed one yields empty words, not a second error). */
export const errorReplySchema = z.looseObject({
  error: z.looseObject({
    code: text, message: text,
    '@Message.ExtendedInfo': z.array(z.looseObject({ MessageId: text, Message: text })).nullish(),
  }),
});

/** "Boot.BootSourceOverrideTarget", `Actions["#ComputerSystem.Reset"].target`, "Members[3]". */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(p))) out += `${out === '' ? '' : '.'}${String(p)}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out === '' ? '(the whole body)' : out;
}

/** The first few problems of a failed parse, each naming its field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ');
}

const MALFORMED_HINT = 'the BMC\'s Redfish service answers outside the Redfish schema: update its firmware, or drive this node over IPMI (bmc.nodes."<BMC MAC>".driver: ipmi)';

/**
 * The body of a successful answer from `path`, parsed with its schema. A body that is not a JSON
 * object, or a field with the wrong type, is a BMC error (RACKER_E_BMC) naming the BMC, the URL
 * and the field.
 */
export function checkedBody<S extends z.ZodType<Record<string, unknown>>>(where: BmcWhere, step: string, path: string, body: unknown, schema: S): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bmcFailure(where, step, `the Redfish resource ${path} is malformed: the answer is not a JSON object`, MALFORMED_HINT);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw bmcFailure(where, step, `the Redfish resource ${path} is malformed: ${describeIssues(parsed.error)}`, MALFORMED_HINT);
  return parsed.data;
}
