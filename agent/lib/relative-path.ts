/** Paths inside a tree (a payload, an archive) that cannot climb out of it. */

/** A relative path with no `.`/`..` segments, no empty segments and no leading slash. */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\0') || path.includes('\\')) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
