/**
 * One job's join credentials (bootstrap token, certificate key), and how long the cluster keeps
 * them.
 *
 * A node fetches its Ignition, which carries them, once; kubeadm on it uses them minutes or hours
 * later. Two things can make the cluster forget them in between: the job waits on an
 * `--on-failure ask` question for as long as the operator takes and then retries the node, or the
 * agent restarts and resumes the job. So:
 *  - the credentials are kept with the job (0600, in the cluster's folder) and a resumed job uses the
 *    ones its nodes may already hold, rather than fresh ones kubeadm never heard of;
 *  - when nodes join a running cluster, the token and the uploaded control-plane keys are registered
 *    again, under the same credentials, whenever they would expire before provisioning could end
 *    (every phase deadline from now): when the job starts or resumes, and before each power-on of a
 *    joining node (a retry after an answer, an escalation).
 */
import { z } from 'zod';
import { ErrorCodes } from '../../agent/lib/errors.js';
import { writeFileAtomic } from '../../agent/lib/atomic-file.js';
import { readJsonDocument } from '../../agent/lib/json-document.js';
import type { BootControl, Clock, NodeRef } from '../ports.js';
import type { KubeApi } from './cluster.js';
import type { JoinCredentials } from './pki.js';

/** The credentials of job `job`, with when the cluster forgets what was registered (ms since the epoch; absent: not registered by racker). */
export interface KeptJoinCredentials extends JoinCredentials {
  job: string;
  tokenExpiresAt?: number;
  certsExpireAt?: number;
}

const keptSchema = z.object({
  job: z.string().min(1),
  token: z.string().regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/),
  certificateKey: z.string().regex(/^[0-9a-f]{64}$/),
  tokenExpiresAt: z.number().int().optional(),
  certsExpireAt: z.number().int().optional(),
}).strict();

export interface JoinCredentialsStore {
  /** The kept credentials, if any (of whichever job last ran). */
  load(): Promise<KeptJoinCredentials | undefined>;
  save(k: KeptJoinCredentials): Promise<void>;
}

/** The credentials in one file (0600; its folder is the cluster's, 0700). */
export function fileJoinCredentialsStore(file: string): JoinCredentialsStore {
  return {
    async load() {
      return readJsonDocument(file, keptSchema, { code: ErrorCodes.cluster, secret: true,
        hint: `remove ${file}: a new bootstrap makes fresh credentials (a job being resumed then gives its nodes new ones)` });
    },
    save: (k) => writeFileAtomic(file, `${JSON.stringify(k, null, 2)}\n`, { mode: 0o600, mkdirs: true }),
  };
}

/** The job's own kept credentials when it runs again (resumed: job ids are never reused), else fresh ones (pure but for `fresh`). */
export function credentialsForJob(job: string, kept: KeptJoinCredentials | undefined, fresh: () => JoinCredentials): KeptJoinCredentials {
  if (kept?.job === job) return kept;
  return { job, ...fresh() };
}

/** How long kubeadm keeps uploaded certificates (its DefaultCertTokenDuration): the least racker asks for. */
export const CERTS_MIN_MS = 2 * 3600_000;
/** A join token lives this much longer than provisioning may take (as `kubeadm token create`'s default day). */
const TOKEN_SPARE_MS = 86_400_000;

export interface JoinLeaseOptions {
  api: KubeApi;
  store: JoinCredentialsStore;
  clock: Clock;
  /** Every phase deadline added up: the longest a node may take from its power-on to joining. */
  provisioningMs: number;
  /** The shared control-plane keys, when a controller joins (undefined: workers only, nothing to upload). */
  controlPlaneFiles: readonly { name: string; content: string }[] | undefined;
}

/**
 * Keeps a job's credentials registered in the running cluster for as long as a node may still use
 * them. `ensure` calls are serialised (nodes power on in parallel) and register only what would
 * expire before `now + provisioningMs`.
 */
export class JoinCredentialsLease {
  private queue: Promise<void> = Promise.resolve();

  constructor(private kept: KeptJoinCredentials, private readonly o: JoinLeaseOptions) {}

  get credentials(): KeptJoinCredentials {
    return this.kept;
  }

  ensure(): Promise<void> {
    const run = this.queue.then(() => this.renew());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async renew(): Promise<void> {
    const now = this.o.clock.now();
    const need = now + this.o.provisioningMs;
    let k = this.kept;
    if (k.tokenExpiresAt === undefined || k.tokenExpiresAt < need) {
      const expires = need + TOKEN_SPARE_MS;
      await this.o.api.createBootstrapToken(k.token, new Date(expires));
      k = { ...k, tokenExpiresAt: expires };
    }
    if (this.o.controlPlaneFiles !== undefined && (k.certsExpireAt === undefined || k.certsExpireAt < need)) {
      const expires = now + Math.max(this.o.provisioningMs, CERTS_MIN_MS);
      await this.o.api.uploadControlPlaneCerts(k.certificateKey, this.o.controlPlaneFiles, new Date(expires));
      k = { ...k, certsExpireAt: expires };
    }
    if (k !== this.kept) {
      this.kept = k;
      await this.o.store.save(k);
    }
  }
}

/** `control` that runs `before` ahead of every power-on and power cycle (the moments a node starts towards joining). */
export function beforePowerOn(control: BootControl, before: (node: NodeRef) => Promise<void>): BootControl {
  return {
    setBootDevice: (node, device, options) => control.setBootDevice(node, device, options),
    readBootDevice: (node) => control.readBootDevice(node),
    powerStatus: (node) => control.powerStatus(node),
    powerOff: (node) => control.powerOff(node),
    powerOn: async (node) => { await before(node); await control.powerOn(node); },
    powerCycle: async (node) => { await before(node); await control.powerCycle(node); },
    ...(control.serverFacts === undefined ? {} : { serverFacts: control.serverFacts.bind(control) }),
  };
}
