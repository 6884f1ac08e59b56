import { readdirSync, statSync, type Stats } from 'node:fs';
import { extname } from 'node:path';
import { ToolError } from '../tools/errors';
import type { HostWords } from '../tools/hostWords';
import { resolveLocalPath } from '../tools/localPaths';
import type { LocalPathUi } from '../tools/types';

/** What a picked path means for the call: refused with a reason, fine, or fine once the person agrees to replace what is there. */
export type PathVerdict = { problem: string } | { ok: true; replaces?: 'file' | 'folder' };

/**
 * Checks a path right after it was picked, with the rule the tool applies (inside an allowed folder)
 * and what its dialog promises (an existing zip to read, an empty folder to write), so a refusal
 * comes before the next step rather than after all of them.
 */
export function checkPickedPath(label: string, path: string, ui: LocalPathUi, allowedFolders: string[], words: HostWords): PathVerdict {
  try {
    resolveLocalPath(label, path, { allowedFolders, words });
  } catch (error) {
    if (error instanceof ToolError) return { problem: error.describe() };
    throw error;
  }
  const stats = statOrUndefined(path);
  const extensions = Object.values(ui.filters ?? {}).flat();
  const wrongType = extensions.length > 0 && !extensions.includes(extname(path).slice(1).toLowerCase());
  switch (ui.dialog) {
    case 'open':
      if (!stats?.isFile()) return { problem: `${label}: ${path} is not an existing file.` };
      if (wrongType) return { problem: `${label}: ${path} is not a ${extensions.map((e) => `.${e}`).join(' or ')} file.` };
      return { ok: true };
    case 'save':
      if (stats?.isDirectory()) return { problem: `${label}: ${path} is a folder; choose a file name.` };
      if (wrongType) return { problem: `${label}: ${path} should end in ${extensions.map((e) => `.${e}`).join(' or ')}.` };
      return stats ? { ok: true, replaces: 'file' } : { ok: true };
    case 'folder':
      return stats?.isDirectory() ? { ok: true } : { problem: `${label}: ${path} is not an existing folder.` };
    case 'outputFolder':
      if (stats && !stats.isDirectory()) return { problem: `${label}: ${path} is a file; choose a folder.` };
      return stats && readdirSync(path).length > 0 ? { ok: true, replaces: 'folder' } : { ok: true };
    case 'fileOrFolder':
      if (!stats) return { problem: `${label}: ${path} does not exist.` };
      if (stats.isFile() && wrongType)
        return { problem: `${label}: ${path} is neither a folder nor a ${extensions.map((e) => `.${e}`).join(' or ')} file.` };
      return { ok: true };
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
