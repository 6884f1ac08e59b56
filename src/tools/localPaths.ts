import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './errors';
import { hostWords } from './hostWords';
import type { ToolSettings } from './types';

/**
 * What a tool does with a local path, so the path is checked before anything is opened:
 * - read-file: an existing regular file (not a folder, pipe, socket or device);
 * - read-folder: an existing folder;
 * - read-any: an existing regular file or folder;
 * - write-file: a file to create or replace (not a folder), under a folder or a path still to make;
 * - write-folder: a folder to create or fill (not a file);
 * - any: only inside the allowed folders (for callers that check the rest themselves).
 */
export type PathUse = 'read-file' | 'read-folder' | 'read-any' | 'write-file' | 'write-folder' | 'any';

/** Linux limits a name to 255 bytes; a file we write also gets a temporary name beside it, a little longer. */
const MAX_NAME_BYTES = 255;
const MAX_WRITTEN_NAME_BYTES = 230;
const MAX_PATH_BYTES = 4000;

/** The folders local files may be in: --allowed-folders, else the working directory; links resolved. */
export function allowedFolders(settings: ToolSettings): string[] {
  return (settings.allowedFolders?.length ? settings.allowedFolders : [process.cwd()]).map((folder) => realOrSelf(resolve(folder)));
}

/**
 * Resolves a local path given to a tool and checks it in one place: it lies inside an allowed folder
 * (the workspace, or the folders the host allows) once every symbolic link on the way is resolved, no link on
 * the way points nowhere, its names fit the file system, and it is the kind of thing `use` needs.
 * Relative paths start at the first allowed folder. Every refusal names the field and what to do.
 */
export function resolveLocalPath(field: string, path: string, settings: ToolSettings, use: PathUse = 'any'): string {
  const allowed = allowedFolders(settings);
  if (path.includes('\0'))
    throw new ToolError(`${field}: the path holds a NUL character, which no file name may. Nothing was read or written.`);
  const absolute = isAbsolute(path) ? resolve(path) : resolve(allowed[0]!, path);
  checkLength(field, path, absolute, use);
  const { real, existing } = realPath(field, path, absolute);
  if (!allowed.some((folder) => isInside(real, folder))) {
    throw new ToolError(
      `${field}: ${path} is outside the folders this server may use (${allowed.join(', ')}). Nothing was read or written.`,
      `Use a path inside the workspace, or ${hostWords(settings).allowFolder}.`,
    );
  }
  checkKind(field, path, real, existing, use);
  return absolute;
}

/** True when `path` is `folder` or lies under it. */
export function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * Where to stage a write to `target` (a folder filled in one go, then moved in): beside it when that is
 * still inside the allowed folders, else inside the target itself (the target is an allowed folder).
 */
export function stagingParent(target: string, settings: ToolSettings): string {
  const parent = realOrSelf(dirname(target));
  return allowedFolders(settings).some((folder) => isInside(parent, folder)) ? dirname(target) : target;
}

function checkLength(field: string, shown: string, absolute: string, use: PathUse): void {
  const names = absolute.split(sep).filter(Boolean);
  const longest = names.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a), '');
  const written = use === 'write-file' || use === 'write-folder';
  const limit = written ? MAX_WRITTEN_NAME_BYTES : MAX_NAME_BYTES;
  const lastTooLong = written && Buffer.byteLength(basename(absolute)) > limit;
  if (Buffer.byteLength(longest) > MAX_NAME_BYTES || lastTooLong) {
    throw new ToolError(
      `${field}: a name in ${cut(shown)} is too long (${Buffer.byteLength(lastTooLong ? basename(absolute) : longest)} bytes; the most is ${limit}). Nothing was read or written.`,
      'Use shorter file and folder names.',
    );
  }
  if (Buffer.byteLength(absolute) > MAX_PATH_BYTES)
    throw new ToolError(
      `${field}: the path ${cut(shown)} is too long (over ${MAX_PATH_BYTES} bytes). Nothing was read or written.`,
      'Use a shorter path.',
    );
}

/**
 * The real path: the deepest part that exists with its links resolved, and the rest appended. A link
 * that points nowhere (or in a circle) is refused: writing through it would create its target, wherever that is.
 */
function realPath(field: string, shown: string, absolute: string): { real: string; existing: string } {
  let existing = absolute;
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fileSystemRefusal(field, shown, error);
      if (dirname(existing) === existing) break;
      existing = dirname(existing);
    }
  }
  let realExisting: string;
  try {
    realExisting = realpathSync(existing);
  } catch {
    throw new ToolError(
      `${field}: ${cut(shown)} goes through a symbolic link that points nowhere or in a circle (${existing}). Nothing was read or written.`,
      'Give a path without that link, or fix the link.',
    );
  }
  const rest = relative(existing, absolute);
  return { real: rest ? resolve(realExisting, rest) : realExisting, existing: realExisting };
}

function checkKind(field: string, shown: string, real: string, existing: string, use: PathUse): void {
  const stats = real === existing ? statOf(field, shown, real) : undefined;
  const kind = stats && describeKind(stats);
  // No tool has any use for a pipe, socket or device, and opening one can block for ever.
  if (use === 'any') {
    if (stats && !stats.isFile() && !stats.isDirectory()) throw notWanted(field, shown, kind!, 'a file or a folder');
    return;
  }
  if (use === 'read-file' || use === 'read-folder' || use === 'read-any') {
    if (!stats)
      throw new ToolError(`${field}: ${cut(shown)} does not exist.`, 'Check the path; a relative path starts at the first allowed folder.');
    if (use === 'read-file' && !stats.isFile()) throw notWanted(field, shown, kind!, 'a file');
    if (use === 'read-folder' && !stats.isDirectory()) throw notWanted(field, shown, kind!, 'a folder');
    if (use === 'read-any' && !stats.isFile() && !stats.isDirectory()) throw notWanted(field, shown, kind!, 'a file or a folder');
    return;
  }
  if (stats && use === 'write-file' && !stats.isFile()) throw notWanted(field, shown, kind!, 'a file to write');
  if (stats && use === 'write-folder' && !stats.isDirectory()) throw notWanted(field, shown, kind!, 'a folder');
  if (!stats) {
    // What does exist on the way must be a folder, or nothing can be made under it.
    const parent = statOf(field, shown, existing);
    if (parent && !parent.isDirectory()) {
      throw new ToolError(
        `${field}: ${cut(shown)} cannot be made, because ${existing} is ${describeKind(parent)}, not a folder. Nothing was written.`,
        'Choose a path under a folder.',
      );
    }
  }
}

function statOf(field: string, shown: string, path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fileSystemRefusal(field, shown, error);
  }
}

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFile()) return 'a file';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  return 'a device';
}

function notWanted(field: string, shown: string, kind: string, wanted: string): ToolError {
  let hint = 'Give the path of a regular file; pipes, sockets and devices are never opened.';
  if (!wanted.startsWith('a file')) hint = 'Give the path of a folder.';
  else if (kind === 'a folder') hint = 'Give the path of a file (one inside that folder, for example).';
  return new ToolError(`${field}: ${cut(shown)} is ${kind}, and ${wanted} is needed here. Nothing was read or written.`, hint);
}

function fileSystemRefusal(field: string, shown: string, error: unknown): ToolError {
  const code = (error as NodeJS.ErrnoException).code ?? 'an error';
  return new ToolError(
    `${field}: ${cut(shown)} cannot be used (${code}). Nothing was read or written.`,
    code === 'EACCES' || code === 'EPERM' ? 'Check the permissions of the folders on the way.' : 'Check the path.',
  );
}

function cut(path: string): string {
  return path.length > 200 ? `${path.slice(0, 120)}…${path.slice(-60)}` : path;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
