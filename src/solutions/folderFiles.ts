import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SolutionFileError } from './errors';

/** Every file under `root` as a relative path with forward slashes. Symbolic links are refused: they could pull in files from elsewhere. */
export function listFiles(root: string, options: { skipDotFolders?: boolean } = {}): string[] {
  const found: string[] = [];
  // Synchronous: one directory read after another is faster than a thread-pool round trip each.
  function walk(dir: string, prefix: string): void {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const relative = `${prefix}${entry.name}`;
      if (entry.isSymbolicLink())
        throw new SolutionFileError(
          'UnsafePath',
          `${relative} in ${root} is a symbolic link; links are not followed, so nothing was done.`,
          'Replace the link with the file itself.',
        );
      if (entry.isDirectory()) {
        if (options.skipDotFolders && entry.name.startsWith('.')) continue;
        walk(join(dir, entry.name), `${relative}/`);
      } else if (entry.isFile()) {
        found.push(relative);
      }
    }
  }
  walk(root, '');
  return found.sort();
}
