/** Locations tests need, from the compiled test file (dist/test/lib) back to the repository. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const testData = (...parts: string[]): string => join(repoRoot, 'test', 'data', ...parts);
export const racker = join(repoRoot, 'bin', 'racker');
