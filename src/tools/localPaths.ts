import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './errors';
import { hostWords } from './hostWords';
import type { ToolSettings } from './types';

/**
 * Resolves a local path given to a tool and checks that it lies inside an allowed folder (the
 * workspace, or the folders the host allows). Links are resolved first, so a link inside cannot point outside.
 */
export function resolveLocalPath(field: string, path: string, settings: ToolSettings): string {
  const allowed = (settings.allowedFolders?.length ? settings.allowedFolders : [process.cwd()]).map((folder) => realOrSelf(resolve(folder)));
  const absolute = isAbsolute(path) ? resolve(path) : resolve(allowed[0]!, path);
  const real = realOfNearestExisting(absolute);
  if (!allowed.some((folder) => real === folder || real.startsWith(folder.endsWith(sep) ? folder : folder + sep))) {
    throw new ToolError(
      `${field}: ${path} is outside the folders this server may use (${allowed.join(', ')}). Nothing was read or written.`,
      `Use a path inside the workspace, or ${hostWords(settings).allowFolder}.`,
    );
  }
  return absolute;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The real path of the deepest part that exists, with the rest appended. */
function realOfNearestExisting(path: string): string {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  return resolve(realOrSelf(existing), relative(existing, path));
}
