import { access } from 'node:fs/promises';

/** Whether a path exists (any type). For checks where the answer decides what to do next. */
export const pathExists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);
