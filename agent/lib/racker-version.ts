/** This racker's version, from its package.json (the payload's VERSION is the same string). */
import { readFile } from 'node:fs/promises';

let cached: Promise<string> | undefined;

export function rackerVersion(): Promise<string> {
  cached ??= readFile(new URL('../../../package.json', import.meta.url), 'utf8').then((text) => {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    if (typeof version !== 'string') throw new Error('racker\'s own package.json has no version');
    return version;
  });
  return cached;
}
