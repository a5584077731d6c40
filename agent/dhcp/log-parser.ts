/**
 * dnsmasq's log (with `log-dhcp`) turned into typed events. Pure: lines in, events out.
 *
 * dnsmasq logs one packet as a block of lines sharing the transaction id (xid): the client's
 * vendor and user class, the request (`DHCPDISCOVER(br0) 00:11:…`), the tags it matched, the
 * reply (`DHCPOFFER(br0) 172.24.213.2 00:11:…`), the boot file. A DISCOVER and the REQUEST after it
 * carry the same xid, so a block ends when a new request (or its context) starts, when a line
 * with another xid or without one arrives, or when the caller flushes (the supervisor does so
 * when the log goes quiet). dnsmasq handles one packet at a time, so blocks never interleave.
 */
import { normalizeMac, type Mac } from '../lib/mac.js';
import { archFromTag, archFromVendorClass } from './client-arch.js';

export const DHCP_MESSAGES = ['DISCOVER', 'OFFER', 'REQUEST', 'ACK', 'NAK', 'DECLINE', 'RELEASE', 'INFORM'] as const;
export type DhcpMessage = (typeof DHCP_MESSAGES)[number];
const REPLIES: ReadonlySet<DhcpMessage> = new Set(['OFFER', 'ACK', 'NAK']);

/** One DHCP message dnsmasq received or sent, with what it learnt about the client. */
export interface DhcpPacketEvent {
  type: 'dhcp';
  message: DhcpMessage;
  xid: number;
  interface: string;
  mac: Mac;
  /** Requested address (requests), offered or acknowledged address (replies). */
  ip: string | undefined;
  /** Option 93 client architecture, from our arch tags or else the PXE vendor class. */
  clientArch: number | undefined;
  vendorClass: string | undefined;
  userClass: string | undefined;
  /** Name the client sent, or for OFFER/ACK the name dnsmasq handed out. */
  hostname: string | undefined;
  /** Boot file or URL sent (replies). */
  bootFile: string | undefined;
  tags: readonly string[];
  /** The MAC has a reservation (dnsmasq's `known` tag). */
  known: boolean;
  /** Why a request got no answer ("no address available", "ignored") or why a NAK was sent. */
  status: string | undefined;
}

export interface TftpEvent {
  type: 'tftp';
  outcome: 'sent' | 'not-found' | 'failed';
  file: string;
  client: string | undefined;
}

/** dnsmasq (re)read one of its files: at start, and after each SIGHUP. */
export interface FileReadEvent {
  type: 'read';
  file: string;
}

/** Any other line, with a level guessed from its words so problems reach the agent's log as warnings. */
export interface DnsmasqLogEvent {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}

export type ParsedLogEvent = DhcpPacketEvent | TftpEvent | FileReadEvent | DnsmasqLogEvent;

interface Block {
  xid: number;
  vendorClass?: string;
  userClass?: string;
  clientName?: string;
  tags: string[];
  request?: MessageLine;
  reply?: MessageLine;
  bootFile?: string;
}

interface MessageLine {
  message: DhcpMessage;
  iface: string;
  ip: string | undefined;
  mac: Mac;
  extra: string | undefined;
}

// `dnsmasq-dhcp[123]: ` on stderr; journald's `-o cat` and syslog keep it too when dnsmasq logs to stderr.
const PREFIX = /^(?:.*?\s)?dnsmasq(?:-[a-z0-9]+)?(?:\[\d+\])?:\s?/;
const XID_LINE = /^(\d+) (.*)$/;
const MESSAGE = /^DHCP([A-Z]+)\(([^)]*)\) (?:(\d+\.\d+\.\d+\.\d+) )?([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?: (.*))?$/;
const PROBLEM_WORDS = /\b(fail(ed|ure)?|cannot|can't|bad|error|unknown|denied|illegal|refus\w*|no address|not found|warning)\b/i;

export class DnsmasqLogParser {
  private block: Block | undefined;

  /** Feed one line (without its newline); returns the events it completes. */
  feed(rawLine: string): ParsedLogEvent[] {
    const line = rawLine.replace(PREFIX, '').trimEnd();
    if (line === '') return [];
    const m = XID_LINE.exec(line);
    if (m === null) return [...this.flush(), ...parseOther(line)];
    const xid = Number(m[1]);
    const text = m[2] as string;
    const out: ParsedLogEvent[] = [];
    const field = (key: string): string | undefined => (text.startsWith(key) ? text.slice(key.length).trim() : undefined);

    const msg = MESSAGE.exec(text);
    if (msg !== null && (DHCP_MESSAGES as readonly string[]).includes(msg[1] as string)) {
      const ml: MessageLine = { message: msg[1] as DhcpMessage, iface: msg[2] as string, ip: msg[3], mac: normalizeMac(msg[4] as string) as Mac, extra: msg[5]?.trim() || undefined };
      if (REPLIES.has(ml.message)) {
        if (this.block?.xid !== xid || this.block.reply !== undefined) out.push(...this.start(xid));
        (this.block as Block).reply = ml;
      } else {
        if (this.block?.xid !== xid || this.block.request !== undefined || this.block.reply !== undefined) out.push(...this.start(xid));
        (this.block as Block).request = ml;
      }
      return out;
    }
    const contextKeys = ['available DHCP subnet:', 'vendor class:', 'user class:', 'client provides name:'];
    if (contextKeys.some((k) => text.startsWith(k))) {
      // Context comes before the request: after a request or a reply it opens the next packet's block.
      if (this.block?.xid !== xid || this.block.request !== undefined || this.block.reply !== undefined) out.push(...this.start(xid));
      const b = this.block as Block;
      b.vendorClass = field('vendor class:') ?? b.vendorClass;
      b.userClass = field('user class:') ?? b.userClass;
      b.clientName = field('client provides name:') ?? b.clientName;
      return out;
    }
    if (this.block?.xid !== xid) return [...this.flush()]; // a detail line of a block we never saw begin
    const tags = field('tags:');
    if (tags !== undefined) this.block.tags = tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
    const boot = field('bootfile name:');
    if (boot !== undefined) this.block.bootFile = boot;
    return out;
  }

  /** End the current block (the log went quiet, or the stream ended). */
  flush(): ParsedLogEvent[] {
    const b = this.block;
    this.block = undefined;
    if (b === undefined) return [];
    const events: DhcpPacketEvent[] = [];
    if (b.request !== undefined) events.push(packetEvent(b, b.request, false));
    if (b.reply !== undefined) events.push(packetEvent(b, b.reply, true));
    return events;
  }

  private start(xid: number): ParsedLogEvent[] {
    const done = this.flush();
    this.block = { xid, tags: [] };
    return done;
  }
}

function packetEvent(b: Block, ml: MessageLine, isReply: boolean): DhcpPacketEvent {
  const tagArch = b.tags.map(archFromTag).find((a) => a !== undefined);
  const hostnameFromReply = isReply && ml.message !== 'NAK' ? ml.extra : undefined;
  return {
    type: 'dhcp',
    message: ml.message,
    xid: b.xid,
    interface: ml.iface,
    mac: ml.mac,
    ip: ml.ip,
    clientArch: tagArch ?? (b.vendorClass === undefined ? undefined : archFromVendorClass(b.vendorClass)),
    vendorClass: b.vendorClass,
    userClass: b.userClass,
    hostname: hostnameFromReply ?? b.clientName,
    bootFile: isReply ? b.bootFile : undefined,
    tags: b.tags,
    known: b.tags.includes('known'),
    status: isReply && ml.message !== 'NAK' ? undefined : ml.extra,
  };
}

function parseOther(line: string): ParsedLogEvent[] {
  let m = /^sent (\S+) to (\S+)$/.exec(line);
  if (m !== null) return [{ type: 'tftp', outcome: 'sent', file: m[1] as string, client: m[2] }];
  m = /^file (\S+) not found(?: for (\S+))?$/.exec(line);
  if (m !== null) return [{ type: 'tftp', outcome: 'not-found', file: m[1] as string, client: m[2] }];
  m = /^failed sending (\S+) to (\S+)$/.exec(line);
  if (m !== null) return [{ type: 'tftp', outcome: 'failed', file: m[1] as string, client: m[2] }];
  m = /^read (\S+)(?: - \d+ (?:names|addresses))?$/.exec(line);
  if (m !== null) return [{ type: 'read', file: m[1] as string }];
  return [{ type: 'log', level: PROBLEM_WORDS.test(line) ? 'warn' : 'info', message: line }];
}
