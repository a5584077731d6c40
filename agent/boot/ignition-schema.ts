/**
 * The Ignition 3.x config types (coreos/ignition config/v3_4/types/schema.go, a superset of
 * 3.0–3.3 by JSON name), written as data so one walker can check a raw config and print it the
 * way Go's `json.Marshal` prints the Go structs matchbox renders:
 *   - fields in struct order (alphabetical, embedded `Node` fields first),
 *   - `struct` fields always present, even empty (`"proxy":{}`),
 *   - `ptr` fields (Go pointers) omitted only when absent, so `false`, `0` and `""` stay,
 *   - `opt` fields (Go omitempty on strings, ints, slices) omitted when empty, zero or absent,
 *   - `req` fields (no omitempty) always present, zero value when absent.
 */

export type Scalar = 'string' | 'int' | 'bool';
/** `array` names a Scalar or a struct in STRUCTS. */
export type FieldType = Scalar | { array: string } | { struct: string };
export type Presence = 'struct' | 'ptr' | 'opt' | 'req';

export interface Field {
  name: string;
  type: FieldType;
  presence: Presence;
  /** First spec version with this field. */
  since?: '3.4';
}

const s = (name: string): Field => ({ name, type: 'string', presence: 'ptr' });
const i = (name: string): Field => ({ name, type: 'int', presence: 'ptr' });
const b = (name: string): Field => ({ name, type: 'bool', presence: 'ptr' });
const req = (name: string): Field => ({ name, type: 'string', presence: 'req' });
const st = (name: string, struct: string): Field => ({ name, type: { struct }, presence: 'struct' });
const arr = (name: string, of: string): Field => ({ name, type: { array: of }, presence: 'opt' });

const node: Field[] = [st('group', 'NodeGroup'), b('overwrite'), req('path'), st('user', 'NodeUser')];

export const STRUCTS: Readonly<Record<string, readonly Field[]>> = {
  Config: [st('ignition', 'Ignition'), st('kernelArguments', 'KernelArguments'), st('passwd', 'Passwd'), st('storage', 'Storage'), st('systemd', 'Systemd')],
  // `version` is omitempty up to 3.3 and required in 3.4; racker always sets it, so `req` prints both right.
  Ignition: [st('config', 'IgnitionConfig'), st('proxy', 'Proxy'), st('security', 'Security'), st('timeouts', 'Timeouts'), req('version')],
  IgnitionConfig: [arr('merge', 'Resource'), st('replace', 'Resource')],
  Resource: [s('compression'), arr('httpHeaders', 'HTTPHeader'), s('source'), st('verification', 'Verification')],
  HTTPHeader: [req('name'), s('value')],
  Verification: [s('hash')],
  Proxy: [s('httpProxy'), s('httpsProxy'), arr('noProxy', 'string')],
  Security: [st('tls', 'TLS')],
  TLS: [arr('certificateAuthorities', 'Resource')],
  Timeouts: [i('httpResponseHeaders'), i('httpTotal')],
  KernelArguments: [arr('shouldExist', 'string'), arr('shouldNotExist', 'string')],
  Passwd: [arr('groups', 'PasswdGroup'), arr('users', 'PasswdUser')],
  PasswdGroup: [i('gid'), req('name'), s('passwordHash'), b('shouldExist'), b('system')],
  PasswdUser: [s('gecos'), arr('groups', 'string'), s('homeDir'), req('name'), b('noCreateHome'), b('noLogInit'), b('noUserGroup'),
    s('passwordHash'), s('primaryGroup'), arr('sshAuthorizedKeys', 'string'), s('shell'), b('shouldExist'), b('system'), i('uid')],
  Storage: [arr('directories', 'Directory'), arr('disks', 'Disk'), arr('files', 'File'), arr('filesystems', 'Filesystem'),
    arr('links', 'Link'), arr('luks', 'Luks'), arr('raid', 'Raid')],
  NodeGroup: [i('id'), s('name')],
  NodeUser: [i('id'), s('name')],
  Directory: [...node, i('mode')],
  File: [...node, arr('append', 'Resource'), st('contents', 'Resource'), i('mode')],
  Link: [...node, b('hard'), s('target')],
  Disk: [req('device'), arr('partitions', 'Partition'), b('wipeTable')],
  Partition: [s('guid'), s('label'), { name: 'number', type: 'int', presence: 'opt' }, b('resize'), b('shouldExist'), i('sizeMiB'),
    i('startMiB'), s('typeGuid'), b('wipePartitionEntry')],
  Filesystem: [req('device'), s('format'), s('label'), arr('mountOptions', 'string'), arr('options', 'string'), s('path'), s('uuid'),
    b('wipeFilesystem')],
  Luks: [st('clevis', 'Clevis'), s('device'), { ...b('discard'), since: '3.4' }, st('keyFile', 'Resource'), s('label'), req('name'),
    { ...arr('openOptions', 'string'), since: '3.4' }, arr('options', 'string'), s('uuid'), b('wipeVolume')],
  Clevis: [st('custom', 'ClevisCustom'), arr('tang', 'Tang'), i('threshold'), b('tpm2')],
  ClevisCustom: [s('config'), b('needsNetwork'), s('pin')],
  Tang: [{ ...s('advertisement'), since: '3.4' }, s('thumbprint'), { name: 'url', type: 'string', presence: 'opt' }],
  Raid: [arr('devices', 'string'), s('level'), req('name'), arr('options', 'string'), i('spares')],
  Systemd: [arr('units', 'Unit')],
  Unit: [s('contents'), arr('dropins', 'Dropin'), b('enabled'), b('mask'), req('name')],
  Dropin: [s('contents'), req('name')],
};
