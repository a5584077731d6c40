/**
 * Authenticated requests to one Redfish service: a session (X-Auth-Token) opened on first use when
 * the service offers one, else basic auth; a token the BMC forgot (expired, or dropped by a BMC
 * reboot) is replaced by logging in once more, and only a second refusal is an authentication
 * error. A 403 is the account lacking a privilege, never "wrong password". Every PATCH carries the
 * resource's ETag in If-Match (vendors such as Lenovo XCC and Huawei iBMC refuse a PATCH without
 * it), read just before unless the caller has it. HTTP failures become typed BMC errors.
 */
import type { z } from 'zod';
import type { Logger } from '../../lib/log.js';
import { withBackoff } from '../../lib/backoff.js';
import type { BmcTarget } from '../bmc-client.js';
import { bmcAuthError, bmcFailure, bmcPrivilegeError, bmcTimeoutError, bmcUnsupportedError, whereOf, type BmcError, type BmcWhere } from '../errors.js';
import type { Semaphore } from '../scheduler.js';
import { RedfishHttp, RedfishTransportError, type HttpResponse } from './client.js';
import type { Quirks } from '../quirks.js';
import { anyResourceSchema, checkedBody, errorReplySchema, serviceRootSchema, sessionSchema } from './schemas.js';

export type Json = Record<string, unknown>;
/** The URI of a link as parsed (schemas.ts), or undefined. */
export const odataId = (v: { '@odata.id': string } | null | undefined): string | undefined => v?.['@odata.id'];
export const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
type ServiceRoot = z.infer<typeof serviceRootSchema>;

export interface RedfishOptions {
  verifyTls: boolean;
  tlsFingerprint: string | undefined;
  useSessions: boolean;
  timeoutMs: number;
}

/** The service root, where every other resource is found (racker builds no URL it was not given). */
export const SERVICE_ROOT = '/redfish/v1/';
const STANDARD_SESSIONS = '/redfish/v1/SessionService/Sessions';

/** A resource as read and checked against its schema: its body and the ETag to send back with a PATCH. */
export interface Resource<B = Json> {
  path: string;
  body: B;
  etag: string | undefined;
}

/** A 412/428 to a PATCH, thrown inside the one retry (withBackoff) and returned as the answer when it stays. */
class StaleEtag extends Error {
  constructor(readonly answer: HttpResponse) {
    super(`HTTP ${answer.status}: ETag required or stale`);
  }
}

/** What a failed request said, for the callers that adapt to it (power, boot). */
export interface Refusal {
  status: number;
  messageId: string;
  message: string;
}

export function refusalOf(r: HttpResponse): Refusal {
  const parsed = errorReplySchema.safeParse(r.body);
  const error = parsed.success ? parsed.data.error : undefined;
  const info = error?.['@Message.ExtendedInfo']?.[0];
  return {
    status: r.status,
    messageId: text(info?.MessageId ?? error?.code),
    message: text(info?.Message ?? error?.message) || (typeof r.body === 'string' ? r.body : ''),
  };
}

export class RedfishConnection {
  readonly http: RedfishHttp;
  private auth: Record<string, string> | undefined;
  private sessionUri: string | undefined;
  private root: ServiceRoot | undefined;

  constructor(private readonly target: BmcTarget, readonly options: RedfishOptions, private readonly deps: { fanout: Semaphore; log: Logger; quirks: Quirks }) {
    this.http = new RedfishHttp({ address: target.address, port: target.port, verifyTls: options.verifyTls, tlsFingerprint: options.tlsFingerprint, timeoutMs: options.timeoutMs });
  }

  get where(): BmcWhere {
    return whereOf(this.target, 'redfish');
  }

  /** The service root (read without credentials, as the standard allows), cached. */
  async serviceRoot(): Promise<ServiceRoot> {
    if (this.root !== undefined) return this.root;
    const step = 'read service root';
    const r = await this.request('GET', SERVICE_ROOT, step, undefined, { authenticate: false });
    // Some services want credentials even here: then the root is read like any resource.
    const ok = r.status === 401 || r.status === 403 ? await this.request('GET', SERVICE_ROOT, step) : r;
    this.expectOk(ok, step);
    this.root = this.checked(ok, SERVICE_ROOT, step, serviceRootSchema);
    return this.root;
  }

  /** A link of the service root (Systems, Chassis, Managers, AccountService, ...). */
  async rootLink(name: 'Systems' | 'Chassis' | 'Managers' | 'AccountService', step: string): Promise<string> {
    const uri = odataId((await this.serviceRoot())[name]);
    if (uri === undefined) throw bmcUnsupportedError(this.where, step, `the Redfish service root has no ${name}`);
    return uri;
  }

  /**
   * GET a resource and check it against its schema (schemas.ts): an answer that is not a JSON
   * object, or whose fields racker uses have the wrong type, is an error naming the BMC, the URL
   * and the field.
   */
  async read<S extends z.ZodType<Json>>(path: string, step: string, schema: S): Promise<Resource<z.infer<S>>> {
    const r = await this.request('GET', path, step);
    this.expectOk(r, step);
    const body = this.checked(r, path, step, schema);
    const header = r.headers.etag;
    const tag = body['@odata.etag'];
    return { path, body, etag: typeof header === 'string' ? header : typeof tag === 'string' ? tag : undefined };
  }

  /**
   * PATCH with If-Match. `from` is the resource as just read (its ETag); without it the resource is
   * read first. A 412 (the ETag went stale, e.g. the BMC changed the resource itself) or 428 is
   * retried once, at once, with a fresh ETag, through the shared retry helper (no delay: the BMC is
   * not busy, the ETag is). Returns the answer, failed or not: callers adapt to some refusals.
   */
  async patch(path: string, step: string, body: Json, from?: Resource<unknown>): Promise<HttpResponse> {
    let etag = from?.etag ?? (await this.read(path, step, anyResourceSchema)).etag;
    try {
      return await withBackoff(async (attempt) => {
        if (attempt > 0) etag = (await this.read(path, step, anyResourceSchema)).etag;
        const r = await this.request('PATCH', path, step, body, { headers: etag === undefined ? {} : { 'If-Match': etag } });
        if (r.status !== 412 && r.status !== 428) return r;
        if (attempt === 0) this.deps.quirks.add(`ETag required (${r.status}${etag === undefined ? ' without If-Match' : ' for a stale one'})`);
        throw new StaleEtag(r);
      }, { minDelayMs: 0, maxDelayMs: 0, jitter: 0, maxRetries: 1, retryable: (e) => e instanceof StaleEtag });
    } catch (e) {
      if (e instanceof StaleEtag) return e.answer;
      throw e;
    }
  }

  /** POST (actions); the answer is returned failed or not. */
  async post(path: string, step: string, body: Json): Promise<HttpResponse> {
    return this.request('POST', path, step, body);
  }

  /** Throw the typed error for a failed answer. */
  expectOk(r: HttpResponse, step: string): void {
    if (r.status >= 200 && r.status < 300) return;
    throw this.failure(r, step);
  }

  private checked<S extends z.ZodType<Json>>(r: HttpResponse, path: string, step: string, schema: S): z.infer<S> {
    return checkedBody(this.where, step, path, r.body, schema);
  }

  failure(r: HttpResponse, step: string): BmcError {
    if (r.status === 401) return bmcAuthError(this.where, step, 'HTTP 401');
    const { message } = refusalOf(r);
    const observed = `HTTP ${r.status}${message === '' ? '' : `: ${message}`}`;
    if (r.status === 403) return bmcPrivilegeError(this.where, step, observed);
    if (r.status === 404 || r.status === 405 || r.status === 501) return bmcUnsupportedError(this.where, step, observed);
    return bmcFailure(this.where, step, observed);
  }

  /** The BMC dropped the session itself (it restarted): the next request logs in again, close() sends no logout. */
  forgetSession(): void {
    this.sessionUri = undefined;
    this.auth = undefined;
  }

  async close(): Promise<void> {
    const uri = this.sessionUri;
    const auth = this.auth;
    this.sessionUri = undefined;
    this.auth = undefined;
    if (uri !== undefined && auth !== undefined) {
      try {
        await this.http.send('DELETE', uri, auth);
      } catch (e) {
        this.deps.log.debug({ err: e }, 'could not delete the Redfish session; the BMC expires it');
      }
    }
    this.http.close();
  }

  /**
   * One request, with credentials unless told otherwise. A 401 to a session token that worked or
   * was just issued means the BMC forgot it: log in once more and repeat; a second 401 is final.
   */
  async request(method: string, path: string, step: string, body?: unknown, o: { authenticate?: boolean; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
    const authenticate = o.authenticate ?? true;
    return this.deps.fanout.run(async () => {
      try {
        const r = await this.sendOnce(method, path, body, authenticate, o.headers);
        if (r.status !== 401 || !authenticate) return r;
        if (this.sessionUri === undefined && this.auth?.['X-Auth-Token'] === undefined) {
          throw bmcAuthError(this.where, step, 'HTTP 401 to basic authentication');
        }
        this.deps.log.debug({ step }, 'the BMC forgot the Redfish session (401); logging in again');
        this.deps.quirks.add('session expired or dropped: logged in again');
        this.auth = undefined;
        this.sessionUri = undefined;
        const again = await this.sendOnce(method, path, body, true, o.headers);
        if (again.status === 401) throw bmcAuthError(this.where, step, 'HTTP 401 again after a fresh login');
        return again;
      } catch (e) {
        throw this.translate(e, step);
      }
    });
  }

  private async sendOnce(method: string, path: string, body: unknown, authenticate: boolean, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const auth = authenticate ? await this.authHeaders() : {};
    const r = await this.http.send(method, path, { ...headers, ...auth }, body);
    if (r.redirects.length > 0) this.deps.quirks.add(`redirects ${r.redirects.join(', ')}`);
    return r;
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth !== undefined) return this.auth;
    const basic = { Authorization: `Basic ${Buffer.from(`${this.target.user}:${this.target.password}`).toString('base64')}` };
    if (!this.options.useSessions) return (this.auth = basic);
    // The root says whether there are sessions (read here without credentials, as the standard
    // allows; a root that wants them is read after logging in at the standard place).
    const root = this.root ?? await this.http.send('GET', SERVICE_ROOT).then((r) => (r.status === 200 ? (this.root = this.checked(r, SERVICE_ROOT, 'read service root', serviceRootSchema)) : undefined));
    if (root !== undefined && root.SessionService == null) {
      this.deps.quirks.add('no SessionService: basic auth');
      return (this.auth = basic);
    }
    const sessions = odataId(root?.Links?.Sessions) ?? STANDARD_SESSIONS;
    const r = await this.http.send('POST', sessions, {}, { UserName: this.target.user, Password: this.target.password });
    const token = r.headers['x-auth-token'];
    if (r.status >= 200 && r.status < 300 && typeof token === 'string') {
      // The session's URI: Location, else the new session's own @odata.id (some BMCs send no Location).
      const location = typeof r.headers.location === 'string' ? new URL(r.headers.location, 'https://bmc').pathname : undefined;
      const session = sessionSchema.safeParse(r.body);
      this.sessionUri = location ?? (session.success ? session.data['@odata.id'] ?? undefined : undefined);
      if (location === undefined) this.deps.quirks.add(this.sessionUri === undefined ? 'session without Location or @odata.id: cannot be deleted' : 'session without Location: deleted by its @odata.id');
      return (this.auth = { 'X-Auth-Token': token });
    }
    if (r.status === 401) throw bmcAuthError(this.where, 'open Redfish session', 'HTTP 401');
    if (r.status === 403) throw bmcPrivilegeError(this.where, 'open Redfish session', 'HTTP 403: the BMC refuses this account a session (locked, or without the Login privilege)');
    this.deps.log.debug({ status: r.status }, 'no Redfish sessions; using basic auth');
    this.deps.quirks.add(`no sessions (HTTP ${r.status}): basic auth`);
    return (this.auth = basic);
  }

  private translate(e: unknown, step: string): Error {
    if (!(e instanceof RedfishTransportError)) return e instanceof Error ? e : new Error(String(e));
    if (e.kind === 'timeout' || e.kind === 'refused') return bmcTimeoutError(this.where, `${step} (${e.message})`, this.options.timeoutMs);
    if (e.kind === 'tls' || e.kind === 'pin') {
      return bmcFailure(this.where, step, e.message,
        `if the BMC's certificate is self-signed or from a private CA, pin it: bmc.nodes."<BMC MAC>".tlsFingerprint from \`openssl s_client -connect ${this.target.address}:${this.target.port} </dev/null | openssl x509 -noout -fingerprint -sha256\``);
    }
    return bmcFailure(this.where, step, e.message);
  }
}
