/** `boot:` the matchbox-compatible HTTP boot service. */
import { z } from 'zod';

const absolute = z.string().regex(/^\//, 'must be an absolute path');

export const bootSection = z.strictObject({
  /** Run the boot service (off only for tests and for sites that serve boot data another way). */
  enabled: z.boolean().default(true),
  /** Address to listen on; default the management node's internal address. */
  listenAddress: z.string().optional(),
  port: z.number().int().min(1).max(65535).default(8080),
  /** Serve a node's /ignition only to the address its reservation gives it (off for proxy setups). */
  restrictIgnitionToNode: z.boolean().default(true),
  /** matchbox data directory (groups/, profiles/, ignition/, generic/); default <paths.stateDir>/matchbox. */
  dataDir: absolute.optional(),
  /** Folder served at /assets/; default <dataDir>/assets; "" turns /assets/ off (matchbox's -assets-path ""). */
  assetsDir: z.union([absolute, z.literal('')]).optional(),
  /** Largest request header block in bytes; bigger requests get 431. */
  maxHeaderSize: z.number().int().min(1024).max(65536).default(8192),
  /** One log line per request. */
  accessLog: z.boolean().default(true),
  /**
   * Extra processes that answer boot requests on the same socket as the agent, so the boot
   * service uses more than one core (bench/README.md); 0 answers from the agent's process alone.
   */
  workers: z.number().int().min(0).max(16).default(1),
  /*
   * What hostile clients may make the boot service hold (docs/boot-service.md, "Hostile
   * clients"). A rack's nodes hold one or two connections each while they boot; with the
   * defaults 1,000 clients that never read grew the agent and its worker by about 40 MiB
   * (bench/README.md).
   */
  /** Open connections at most; when full, the address holding the most gives up its oldest. */
  maxConnections: z.number().int().min(1).max(65536).default(128),
  /** Open connections one client address may hold; a new one closes its oldest. */
  maxConnectionsPerClient: z.number().int().min(1).max(65536).default(16),
  /** Bytes of answers that may wait on one connection; a request beyond that closes it (a client that sends but never reads). */
  maxBufferedBytes: z.number().int().min(16384).max(64 * 1024 * 1024).default(128 * 1024),
  /** A connection on which no byte is read or written for this long is closed (a client that stopped reading a download). */
  idleTimeoutSeconds: z.number().int().min(1).max(3600).default(30),
  /** Reload the boot data this long after the last change to it. */
  reloadDebounceMs: z.number().int().min(0).max(60000).default(200),
});
