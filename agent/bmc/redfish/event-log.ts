/**
 * The System Event Log over Redfish: the node's LogService whose entries are the SEL (LogEntryType
 * "SEL", or named so: Dell's "Sel", Supermicro's and OpenBMC's "Log1"/"EventLog" when there is no
 * other), found under the system first and its manager second; its entries as SelEntry, what the
 * service says about itself as SelInfo, and its ClearLog action. Read-only apart from clear.
 */
import type { SelEntry, SelInfo } from '../bmc-client.js';
import { bmcUnsupportedError } from '../errors.js';
import { odataId, text, type RedfishConnection, type Resource } from './connection.js';
import { members } from './system-choice.js';
import { logEntryCollectionSchema, logEntrySchema, logServiceSchema, managerSchema, type ComputerSystem, type LogEntry, type LogService } from './schemas.js';
import { notReported } from './reported.js';

/** A SEL holds at most a few thousand records; a BMC listing more is cut here (the first page is read). */
const MAX_ENTRIES = 4096;

/** The LogService holding the SEL, from the system's (else the manager's) LogServices. */
export async function findSelService(conn: RedfishConnection, system: ComputerSystem, step: string): Promise<Resource<LogService>> {
  const manager = odataId(system.Links?.ManagedBy?.[0]);
  const owners = [system, ...(manager === undefined ? [] : [(await conn.read(manager, 'read manager', managerSchema)).body])];
  const services: Array<Resource<LogService>> = [];
  for (const owner of owners) {
    const uri = odataId(owner.LogServices);
    if (uri === undefined) continue;
    for (const m of await members(conn, uri, 'list log services')) services.push(await conn.read(m, 'read log service', logServiceSchema));
  }
  const sel = services.find((s) => s.body.LogEntryType === 'SEL' || /^(sel|ipmisel)$/i.test(text(s.body.Id)))
    ?? services.find((s) => /^(log1?|eventlog)$/i.test(text(s.body.Id)));
  if (sel === undefined) {
    throw bmcUnsupportedError(conn.where, step, services.length === 0 ? 'the BMC has no LogServices' : `no SEL among the log services (${services.map((s) => text(s.body.Id)).join(', ')})`);
  }
  return sel;
}

function entriesUri(conn: RedfishConnection, service: Resource<LogService>, step: string): string {
  const uri = odataId(service.body.Entries);
  if (uri === undefined) throw bmcUnsupportedError(conn.where, step, `the SEL log service ${service.path} has no Entries`);
  return uri;
}

/** Entries may come inline (most BMCs) or as links; at most the collection's first page. */
export async function readSelEntries(conn: RedfishConnection, service: Resource<LogService>): Promise<SelEntry[]> {
  const step = 'list SEL entries';
  const collection = (await conn.read(entriesUri(conn, service, step), step, logEntryCollectionSchema)).body;
  const entries: LogEntry[] = [];
  for (const m of (collection.Members ?? []).slice(0, MAX_ENTRIES)) {
    const link = m['@odata.id'];
    if (typeof m.Message === 'string' || typeof m.Created === 'string' || typeof link !== 'string') entries.push(m);
    else entries.push((await conn.read(link, 'read SEL entry', logEntrySchema)).body);
  }
  return entries.map((e, i) => selEntry(e, i));
}

/**
 * `sel info` from the service and its entry count (Members@odata.count, which Redfish requires of
 * a collection, else the first page's length). Overflow is known only for a service that never
 * overwrites and is full; the times of the last add and erase are not a Redfish property.
 */
export async function readSelInfo(conn: RedfishConnection, service: Resource<LogService>): Promise<SelInfo> {
  const step = 'count SEL entries';
  const collection = (await conn.read(entriesUri(conn, service, step), step, logEntryCollectionSchema)).body;
  const s = service.body;
  const entries = collection['Members@odata.count'] ?? collection.Members?.length ?? 0;
  const maxRecords = s.MaxNumberOfRecords ?? undefined;
  const overwritePolicy = s.OverWritePolicy === 'WrapsWhenFull' ? 'wraps when full' : s.OverWritePolicy === 'NeverOverWrites' ? 'never overwrites' : undefined;
  const info: SelInfo = {
    entries,
    ...(maxRecords === undefined ? {} : { maxRecords }),
    ...(overwritePolicy === undefined ? {} : { overwritePolicy }),
    ...(overwritePolicy === 'never overwrites' && maxRecords !== undefined ? { overflow: entries >= maxRecords } : {}),
  };
  return { ...info, ...notReported(info, ['maxRecords', 'overwritePolicy', 'overflow', 'lastAdd', 'lastErase']) };
}

export function selEntry(e: LogEntry, i: number): SelEntry {
  const id = Number(text(e.Id));
  const number = typeof e.SensorNumber === 'number' ? ` #0x${e.SensorNumber.toString(16).padStart(2, '0')}` : '';
  const created = Date.parse(text(e.Created));
  return {
    id: Number.isInteger(id) ? id : i + 1,
    ...(Number.isNaN(created) ? {} : { time: new Date(created).toISOString() }),
    sensor: `${text(e.SensorType) || text(e.Name) || 'event'}${number}`,
    event: text(e.Message) || text(e.MessageId),
    direction: /deassert/i.test(text(e.EntryCode)) ? 'deasserted' : 'asserted',
  };
}

/** POST the service's LogService.ClearLog action. */
export async function clearSel(conn: RedfishConnection, service: Resource<LogService>): Promise<void> {
  const target = service.body.Actions?.['#LogService.ClearLog']?.target;
  if (target === undefined) throw bmcUnsupportedError(conn.where, 'clear SEL', `the SEL log service ${service.path} has no ClearLog action`);
  conn.expectOk(await conn.post(target, 'clear SEL', {}), 'clear SEL');
}
