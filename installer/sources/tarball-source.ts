/**
 * Releases as files, for air-gapped sites (a local directory: a USB stick, an NFS mirror) or over
 * HTTP(S). The location holds `SHA256SUMS` (one `<sha256>  racker-<v>-linux-x64.tar.gz` line per
 * release: the list of what is available) with its detached OpenPGP signature `SHA256SUMS.sig`
 * and, per release, the payload and its signature `<payload>.sig`. The list is used only when its
 * signature checks out, so the version `racker update` picks comes from signed data; a payload is
 * used only when its sha256, its signature and the VERSION it carries check out; otherwise it is
 * deleted and nothing else happens.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, RackerError, isENOENT, errorMessage } from '../../agent/lib/errors.js';
import type { Exec } from '../../agent/lib/exec.js';
import { payloadFileName } from '../archive.js';
import { sha256File } from '../manifest.js';
import { isVersion } from '../versions.js';
import { verifySignature } from './signature.js';
import { assertPayloadVersion } from './signed-version.js';

export const SUMS_FILE = 'SHA256SUMS';
export const SUMS_SIGNATURE = `${SUMS_FILE}.sig`;

export interface Release {
  version: string;
  file: string;
  sha256: string;
}

/** Parse SHA256SUMS; lines for other files are ignored, malformed lines are errors. */
export function parseSha256Sums(text: string, where: string): Map<string, Release> {
  const out = new Map<string, Release>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trim());
    if (m === null) throw new RackerError(ErrorCodes.verify, `${where}:${i + 1}: not a "<sha256>  <file>" line`, { hint: 'regenerate it with sha256sum' });
    const v = /^racker-(.+)-linux-x64\.tar\.gz$/.exec(m[2] as string)?.[1];
    if (v !== undefined && isVersion(v)) out.set(v, { version: v, file: m[2] as string, sha256: m[1] as string });
  });
  return out;
}

export interface TarballSourceOptions {
  location: string;
  keyring: string;
  /** Runs `tar` to read the VERSION inside a verified payload. */
  exec: Exec;
  fetch?: typeof fetch;
}

export class TarballSource {
  constructor(private readonly o: TarballSourceOptions) {}

  get describe(): string { return this.o.location; }

  private isUrl(): boolean { return /^https?:\/\//.test(this.o.location); }

  private where(name: string): string {
    return this.isUrl() ? new URL(name, this.o.location.endsWith('/') ? this.o.location : `${this.o.location}/`).toString() : join(this.o.location, name);
  }

  /** The releases SHA256SUMS lists, once its signature checks out (RACKER_E_VERIFY otherwise). */
  async releases(): Promise<Map<string, Release>> {
    const where = this.where(SUMS_FILE);
    const dir = await mkdtemp(join(tmpdir(), 'racker-sums-'));
    try {
      const sums = join(dir, SUMS_FILE);
      await this.copyTo(where, sums);
      await this.copyTo(this.where(SUMS_SIGNATURE), `${sums}.sig`);
      await verifySignature({ file: sums, sig: `${sums}.sig`, keyring: this.o.keyring });
      return parseSha256Sums(await readFile(sums, 'utf8'), where);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async versions(): Promise<string[]> {
    return [...(await this.releases()).keys()];
  }

  /** Fetch `version` into `dir`, check sha256 and signature, and return the payload's path. */
  async fetchVerified(version: string, dir: string): Promise<string> {
    const release = (await this.releases()).get(version);
    if (release === undefined) {
      throw new RackerError(ErrorCodes.notFound, `racker ${version} is not in ${this.where(SUMS_FILE)}`, { hint: 'run `racker version` to see what is available' });
    }
    const payload = join(dir, payloadFileName(version));
    const sig = `${payload}.sig`;
    await this.copyTo(this.where(release.file), payload);
    await this.copyTo(this.where(`${release.file}.sig`), sig);
    try {
      const got = await sha256File(payload);
      if (got !== release.sha256) {
        throw new RackerError(ErrorCodes.verify, `${release.file} has sha256 ${got}, ${SUMS_FILE} says ${release.sha256}`,
          { hint: 'the payload was refused and nothing was changed; the download is damaged or the release was altered' });
      }
      await verifySignature({ file: payload, sig, keyring: this.o.keyring });
      await assertPayloadVersion(payload, version, this.where(SUMS_FILE), this.o.exec);
      return payload;
    } catch (e) {
      await rm(payload, { force: true });
      throw e;
    }
  }

  private async read(where: string): Promise<Buffer> {
    if (!this.isUrl()) {
      try {
        return await readFile(where);
      } catch (e) {
        if (isENOENT(e)) throw new RackerError(ErrorCodes.notFound, `${where} does not exist`, { hint: 'check installer.source.location (is the release medium mounted?)' });
        throw e;
      }
    }
    let response: Response;
    try {
      response = await (this.o.fetch ?? fetch)(where, { signal: AbortSignal.timeout(600_000) });
    } catch (e) {
      throw new RackerError(ErrorCodes.notFound, `cannot fetch ${where}: ${errorMessage(e)}`, { hint: 'check the network and installer.source.location' });
    }
    if (!response.ok) throw new RackerError(ErrorCodes.notFound, `cannot fetch ${where}: HTTP ${response.status}`, { hint: 'check installer.source.location' });
    return Buffer.from(await response.arrayBuffer());
  }

  private async copyTo(where: string, dest: string): Promise<void> {
    if (this.isUrl()) await writeFile(dest, await this.read(where));
    else {
      try {
        await copyFile(where, dest);
      } catch (e) {
        if (isENOENT(e)) throw new RackerError(ErrorCodes.notFound, `${where} does not exist`, { hint: 'every release needs its payload and its .sig file' });
        throw e;
      }
    }
  }
}
