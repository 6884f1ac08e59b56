import { lstatSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { SolutionFileError } from './errors';

/**
 * Joins a relative path (from a zip entry or from solution XML, so untrusted) under `root`, refusing
 * anything that would land outside it: absolute paths, `..`, and existing symbolic links on the way
 * (not looked for under a folder this process just made, which holds none).
 */
/** True for a relative path that stays inside its folder: not absolute, no `.` or `..` parts, no empty name. */
export function isSafeRelative(path: string): boolean {
  const parts = path.split(/[\\/]/);
  return !isAbsolute(path) && !/^[A-Za-z]:/.test(path) && parts.every((part) => part !== '' && part !== '.' && part !== '..');
}

export function safeJoin(root: string, relativePath: string, options: { freshRoot?: boolean } = {}): string {
  const parts = relativePath.split(/[\\/]/).filter(Boolean);
  if (isAbsolute(relativePath) || /^[A-Za-z]:/.test(relativePath) || parts.some((p) => p === '..' || p === '.') || !parts.length) {
    throw new SolutionFileError('UnsafePath', `"${relativePath}" would be written outside the target folder; nothing was written.`);
  }
  // Under a folder this process just made, the parts checked above are all there is to check.
  if (options.freshRoot) return `${root}${sep}${parts.join(sep)}`;
  const target = join(root, ...parts);
  const inside = relative(root, target);
  if (inside.startsWith('..') || isAbsolute(inside))
    throw new SolutionFileError('UnsafePath', `"${relativePath}" would be written outside the target folder; nothing was written.`);
  let current = root;
  for (const part of parts) {
    current = `${current}${sep}${part}`;
    try {
      if (lstatSync(current).isSymbolicLink())
        throw new SolutionFileError(
          'UnsafePath',
          `"${relativePath}" goes through a symbolic link (${current}); nothing was written there.`,
        );
    } catch (error) {
      if (error instanceof SolutionFileError) throw error;
      break; // does not exist yet: nothing further down can be a link
    }
  }
  return target;
}
