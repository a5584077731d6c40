/**
 * The System Event Log over Redfish: the node's LogService whose entries are the SEL (LogEntryType
 * "SEL", or named so: Dell's "Sel", Supermicro's and OpenBMC's "Log1"/"EventLog" when there is no
 * other), found under the system first and its manager second; its entries as SelEntry, and its
 * ClearLog action. Read-only apart from clear.
 */
import type { SelEntry } from '../bmc-client.js';
import { bmcUnsupportedError } from '../errors.js';
import { odataId, text, type Json, type RedfishConnection, type Resource } from './connection.js';
import { members } from './system-choice.js';

/** A SEL holds at most a few thousand records; a BMC listing more is cut here (the first page is read). */
const MAX_ENTRIES = 4096;

/** The LogService holding the SEL, from the system's (else the manager's) LogServices. */
export async function findSelService(conn: RedfishConnection, system: Resource, step: string): Promise<Resource> {
  const managers = Array.isArray((system.body.Links as Json | undefined)?.ManagedBy) ? ((system.body.Links as Json).ManagedBy as unknown[]) : [];
  const owners = [system.body, ...(await Promise.all(managers.slice(0, 1).map(odataId).filter((x): x is string => x !== undefined).map(async (m) => (await conn.get(m, 'read manager')).body)))];
  const services: Resource[] = [];
  for (const owner of owners) {
    const uri = odataId(owner.LogServices);
    if (uri === undefined) continue;
    for (const m of members((await conn.get(uri, 'list log services')).body)) services.push(await conn.get(m, 'read log service'));
  }
  const sel = services.find((s) => s.body.LogEntryType === 'SEL' || /^(sel|ipmisel)$/i.test(text(s.body.Id)))
    ?? services.find((s) => /^(log1?|eventlog)$/i.test(text(s.body.Id)));
  if (sel === undefined) {
    throw bmcUnsupportedError(conn.where, step, services.length === 0 ? 'the BMC has no LogServices' : `no SEL among the log services (${services.map((s) => text(s.body.Id)).join(', ')})`);
  }
  return sel;
}

/** Entries may come inline (most BMCs) or as links; at most the collection's first page. */
export async function readSelEntries(conn: RedfishConnection, service: Resource): Promise<SelEntry[]> {
  const uri = odataId(service.body.Entries);
  if (uri === undefined) throw bmcUnsupportedError(conn.where, 'list SEL entries', 'the SEL log service has no Entries');
  const collection = (await conn.get(uri, 'list SEL entries')).body;
  const raw = Array.isArray(collection.Members) ? (collection.Members as Json[]).slice(0, MAX_ENTRIES) : [];
  const entries: Json[] = [];
  for (const m of raw) {
    const link = odataId(m);
    if (typeof m.Message === 'string' || typeof m.Created === 'string') entries.push(m);
    else if (link !== undefined) entries.push((await conn.get(link, 'read SEL entry')).body);
  }
  return entries.map((e, i) => selEntry(e, i));
}

export function selEntry(e: Json, i: number): SelEntry {
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
export async function clearSel(conn: RedfishConnection, service: Resource): Promise<void> {
  const target = text(((service.body.Actions as Json | undefined)?.['#LogService.ClearLog'] as Json | undefined)?.target);
  if (target === '') throw bmcUnsupportedError(conn.where, 'clear SEL', 'the SEL log service has no ClearLog action');
  conn.expectOk(await conn.post(target, 'clear SEL', {}), 'clear SEL');
}
