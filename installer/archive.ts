/**
 * The payload archive: a gzip-compressed GNU tar. Building it is deterministic (entries sorted by
 * name, mtime 0, owner and group 0, modes normalised to 0644/0755, no gzip timestamp), so two
 * builds of one commit are identical byte for byte. The argv builders are pure; `exec` runs them.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** `tar` arguments that write `stageDir`'s contents to `tarFile`, reproducibly. */
export function tarCreateArgs(stageDir: string, tarFile: string): string[] {
  return [
    '--create', '--file', tarFile, '--directory', stageDir,
    '--format=gnu', '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner',
    '--mode=u+rwX,go+rX,go-w', '--hard-dereference', '--no-acls', '--no-xattrs', '--no-selinux',
    '.',
  ];
}

/**
 * `tar` arguments that unpack a payload into `destDir`. GNU tar refuses `..` members and strips
 * leading slashes by default; what lands is then checked file by file against the MANIFEST.
 */
export function tarExtractArgs(payload: string, destDir: string): string[] {
  return ['--extract', '--gzip', '--file', payload, '--directory', destDir, '--no-same-owner', '--no-acls', '--no-xattrs', '--no-selinux'];
}

/** `tar` arguments that extract named members of a gzip tarball (used for npm package assets). */
export function tarExtractMembersArgs(tgz: string, destDir: string, members: readonly string[]): string[] {
  return ['--extract', '--gzip', '--file', tgz, '--directory', destDir, '--no-same-owner', '--', ...members];
}

/**
 * gzip `src` into `dest`. Node's zlib writes a header without file name and with mtime 0, which is
 * what `gzip -n` does, so equal input gives equal output.
 */
export async function gzipFile(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src), createGzip({ level: 6 }), createWriteStream(dest, { flags: 'wx', mode: 0o644 }));
}

/** The file name of a payload: the form `racker update` looks for in a release directory. */
export function payloadFileName(version: string): string {
  return `racker-${version}-linux-x64.tar.gz`;
}
