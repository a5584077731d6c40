/**
 * The endpoints that select a group: /ipxe, /grub, /ignition, /metadata, /generic.
 *
 * Status codes (docs/boot-service.md): no matching group, missing profile, missing
 * ignition/generic file, profile without `boot` → 404 (as matchbox); refused by the node-access
 * policy → 403; a template, Butane or Ignition error → 500 and an unsupported Butane feature →
 * 501, each with the reason in the body and the log (matchbox answers all of these 404 and, for a
 * broken raw Ignition file, even 200 with an empty config).
 */
import type { Logger } from '../../lib/log.js';
import { normalizeName, type BootData, type NetBoot, type Profile } from '../boot-data.js';
import { translateButane, ButaneUnsupportedError } from '../butane.js';
import { macLabel, type Labels } from '../labels.js';
import type { NodeAccessPolicy } from '../node-access.js';
import { renderGrub, renderIpxe, renderMetadata, templateData } from '../render.js';
import type { Group } from '../select.js';
import { reply, JSON_TYPE, TEXT, type SmallResponse } from './reply.js';
import { errorMessage } from '../../lib/errors.js';

export type SelectionEndpoint = 'ipxe' | 'grub' | 'ignition' | 'metadata' | 'generic';

export interface SelectionRequest {
  endpoint: SelectionEndpoint;
  labels: Labels;
  rawQuery: string;
  clientIp: string;
}

/** Filled in for the request event and the access log. */
export interface SelectionResult {
  group?: string;
  profile?: string;
  bytes: number;
}

export interface SelectionDeps {
  data: BootData;
  access: NodeAccessPolicy;
  log: Logger;
}

export function serveSelection(res: SmallResponse, r: SelectionRequest, d: SelectionDeps): SelectionResult {
  const group = d.data.groups.select(r.labels);
  if (group === undefined) {
    d.log.info({ endpoint: r.endpoint, labels: r.labels }, 'no matching group');
    return { bytes: reply.notFound(res) };
  }
  const result: SelectionResult = { group: group.id || group.key, bytes: 0 };
  const profile = d.data.profiles.get(group.profile);
  if (r.endpoint === 'metadata') {
    if (!allowed(res, r, group, d, result)) return result;
    if (profile !== undefined) result.profile = profile.id;
    result.bytes = reply.text(res, 200, renderMetadata(templateData(group, r.labels, r.rawQuery)));
    return result;
  }
  if (profile === undefined) {
    d.log.warn({ endpoint: r.endpoint, group: result.group, profile: group.profile }, 'group names a profile that does not exist');
    result.bytes = reply.notFound(res);
    return result;
  }
  result.profile = profile.id;
  switch (r.endpoint) {
    case 'ipxe':
    case 'grub':
      if (profile.boot === undefined) {
        d.log.warn({ profile: profile.id }, 'profile has no boot section; nothing to boot');
        result.bytes = reply.notFound(res);
      } else {
        result.bytes = reply.text(res, 200, r.endpoint === 'ipxe' ? rendered(ipxeScripts, profile.boot, renderIpxe) : rendered(grubConfigs, profile.boot, renderGrub));
      }
      return result;
    case 'ignition':
      if (allowed(res, r, group, d, result)) result.bytes = serveIgnition(res, r, group, profile, d);
      return result;
    case 'generic':
      if (allowed(res, r, group, d, result)) result.bytes = serveGeneric(res, r, group, profile, d);
      return result;
  }
}

function allowed(res: SmallResponse, r: SelectionRequest, group: Group, d: SelectionDeps, result: SelectionResult): boolean {
  const decision = d.access.check(macLabel(r.labels), group, r.clientIp);
  if (decision.allowed) return true;
  d.log.warn({ endpoint: r.endpoint, group: result.group, client: r.clientIp, reason: decision.reason }, 'refused a node configuration to another address');
  result.bytes = reply.text(res, 403, "403 forbidden: this node's configuration is only served to its reserved address\n");
  return false;
}

function failure(res: SmallResponse, d: SelectionDeps, status: number, what: string, reason: string): number {
  d.log.error({ status, reason }, what);
  return reply.text(res, status, `${status} ${what}: ${reason}\n`);
}

function serveIgnition(res: SmallResponse, r: SelectionRequest, group: Group, profile: Profile, d: SelectionDeps): number {
  const entry = profile.ignitionId === '' ? undefined : d.data.ignition.get(normalize(profile.ignitionId));
  if (entry === undefined) {
    d.log.warn({ profile: profile.id, ignition: profile.ignitionId }, 'profile has no Ignition file');
    return reply.notFound(res);
  }
  if (entry.kind === 'json') return reply.send(res, 200, JSON_TYPE, entry.body);
  if (entry.kind === 'broken') return failure(res, d, entry.status, `Ignition ${profile.ignitionId} cannot be served`, entry.reason);
  let rendered: string;
  try {
    rendered = entry.template.execute(templateData(group, r.labels, r.rawQuery));
  } catch (e) {
    return failure(res, d, 500, `rendering ${profile.ignitionId} failed`, errorMessage(e));
  }
  try {
    return reply.send(res, 200, JSON_TYPE, translateButane(rendered, profile.ignitionId).json);
  } catch (e) {
    const status = e instanceof ButaneUnsupportedError ? 501 : 500;
    return failure(res, d, status, `translating ${profile.ignitionId} failed`, errorMessage(e));
  }
}

function serveGeneric(res: SmallResponse, r: SelectionRequest, group: Group, profile: Profile, d: SelectionDeps): number {
  const entry = profile.genericId === '' ? undefined : d.data.generic.get(normalize(profile.genericId));
  if (entry === undefined) {
    d.log.warn({ profile: profile.id, generic: profile.genericId }, 'profile has no generic file');
    return reply.notFound(res);
  }
  if (entry.kind === 'broken') return failure(res, d, 500, `generic ${profile.genericId} cannot be served`, entry.reason);
  try {
    return reply.send(res, 200, TEXT, entry.template.execute(templateData(group, r.labels, r.rawQuery)));
  } catch (e) {
    return failure(res, d, 500, `rendering ${profile.genericId} failed`, errorMessage(e));
  }
}

/**
 * /ipxe and /grub depend on the profile's boot section alone, so each is rendered and encoded
 * once per loaded profile (a reload brings new profile objects, and the old entries go with them).
 */
const ipxeScripts = new WeakMap<NetBoot, Buffer>();
const grubConfigs = new WeakMap<NetBoot, Buffer>();

function rendered(cache: WeakMap<NetBoot, Buffer>, boot: NetBoot, render: (b: NetBoot) => string): Buffer {
  let body = cache.get(boot);
  if (body === undefined) {
    body = Buffer.from(render(boot), 'utf8');
    cache.set(boot, body);
  }
  return body;
}

/**
 * A profile's ignition_id or generic_id as the key of its file, worked out once per name (a path
 * normalisation and two regular expressions per request showed in the profile of /ignition).
 * Names come from profiles, so the map stays small; it is emptied should edits ever grow it.
 */
const fileKeys = new Map<string, string>();

function normalize(name: string): string {
  let key = fileKeys.get(name);
  if (key === undefined) {
    if (fileKeys.size >= 10_000) fileKeys.clear();
    key = normalizeName(name) ?? '';
    fileKeys.set(name, key);
  }
  return key;
}
