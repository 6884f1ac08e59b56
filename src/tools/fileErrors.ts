import { isAbsolute, resolve, sep } from 'node:path';
import { allowedFolders } from './localPaths';
import type { ToolSettings } from './types';

/**
 * Errors of the file system are about the paths a caller gave (a folder where a file belongs, a name
 * too long, a full disk), not bugs. Each code gets what it means and what to do; the message names the
 * argument whose path it is.
 */
const FILE_PROBLEMS: Record<string, { what: string; todo: string }> = {
  ENOENT: { what: 'does not exist', todo: 'Check the path; a relative path starts at the first allowed folder.' },
  EISDIR: { what: 'is a folder where a file is needed', todo: 'Give the path of a file.' },
  ENOTDIR: { what: 'goes through a file where a folder is needed', todo: 'Give a path whose every part but the last is a folder.' },
  ENAMETOOLONG: { what: 'has a name too long for the file system', todo: 'Use shorter file and folder names.' },
  EEXIST: { what: 'is in the way: something already exists there', todo: 'Remove it, or choose another path.' },
  ENOTEMPTY: { what: 'is a folder that is not empty', todo: 'Empty it, or choose another folder.' },
  EACCES: { what: 'may not be read or written by this server (permission denied)', todo: 'Check its permissions, or choose another path.' },
  EPERM: { what: 'may not be changed by this server (operation not permitted)', todo: 'Check its permissions, or choose another path.' },
  EROFS: { what: 'is on a read-only file system', todo: 'Choose a path on a writable disk.' },
  ENOSPC: { what: 'could not be written: the disk is full', todo: 'Free disk space, then try again.' },
  EDQUOT: { what: 'could not be written: the disk quota is used up', todo: 'Free disk space, then try again.' },
  ELOOP: { what: 'goes through too many symbolic links (or a circle of them)', todo: 'Give a path without those links.' },
  EMFILE: { what: 'could not be opened: too many files are open', todo: 'Try again in a moment.' },
  ENFILE: { what: 'could not be opened: too many files are open', todo: 'Try again in a moment.' },
  EBUSY: { what: 'is in use by another program', todo: 'Close the program using it, then try again.' },
  ETXTBSY: { what: 'is in use by another program', todo: 'Close the program using it, then try again.' },
  EXDEV: { what: 'cannot be moved to another file system', todo: 'Choose a path on the same disk.' },
  EFBIG: { what: 'is too large for the file system', todo: 'Choose a path on another disk.' },
  ERR_FS_FILE_TOO_LARGE: { what: 'is too large to read at once (over 2 GiB)', todo: 'Use a smaller file.' },
  ERR_STRING_TOO_LONG: { what: 'is too large to read as text', todo: 'Use a smaller file.' },
};

/** The field whose path an error is about, found among the call's string arguments; the longest match wins. */
export function fieldForPath(
  path: string | undefined,
  text: string,
  args: unknown,
  settings: ToolSettings,
): { field: string; value: string } | undefined {
  if (!args || typeof args !== 'object') return undefined;
  const base = allowedFolders(settings)[0]!;
  let best: { field: string; value: string; length: number } | undefined;
  for (const [field, value] of Object.entries(args as Record<string, unknown>)) {
    if (typeof value !== 'string' || !value.trim() || /^[a-z]+:\/\//i.test(value)) continue;
    const absolute = isAbsolute(value) ? resolve(value) : resolve(base, value);
    const matches = path ? path === absolute || path.startsWith(absolute + sep) : text.includes(absolute) || text.includes(value);
    if (matches && (!best || absolute.length > best.length)) best = { field, value, length: absolute.length };
  }
  return best && { field: best.field, value: best.value };
}

/** A clear account of a file system error, or undefined when `error` is not one. */
export function describeFileError(error: unknown, args: unknown, settings: ToolSettings): string | undefined {
  const { code, path, dest, syscall } = (error ?? {}) as NodeJS.ErrnoException & { dest?: string };
  const problem = code ? FILE_PROBLEMS[code] : undefined;
  if (!problem) return undefined;
  const message = (error as Error).message ?? '';
  const owner = fieldForPath(path, message, args, settings) ?? fieldForPath(dest, message, args, settings);
  const which = path && (!owner || resolve(path) !== resolve(allowedFolders(settings)[0]!, owner.value)) ? path : owner?.value;
  const subject = which ? `${which} ${problem.what}` : `A local file ${problem.what}`;
  const operation = syscall ? ` (${code} on ${syscall})` : ` (${code})`;
  return `${owner ? `${owner.field}: ` : ''}${subject}${operation}.\nWhat to do: ${problem.todo}`;
}
