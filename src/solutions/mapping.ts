import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { SolutionFileError } from './errors';
import { listFiles } from './folderFiles';
import { XmlSlices } from './xmlSlices';

type Kind = 'FileToFile' | 'FileToPath' | 'Folder';

interface Directive {
  kind: Kind;
  /** As written in the mapping file, for messages. */
  map: string;
  to: string;
  /** Matches a folder-relative path (forward slashes); group 1 is what `**` matched, if anything. */
  pattern: RegExp;
  /** Folder mappings: the folder prefix replaced. */
  prefix?: string;
}

/**
 * SolutionPackager's mapping file (`/map`, `pac solution pack|unpack --map`): directives that make
 * files of the folder come from somewhere else (build output, another source tree). On pack, a file
 * a directive matches is read from the mapped place, which must exist; on unpack, it is not written.
 * The first directive that matches wins. Paths use `\` or `/`, are relative to the solution folder,
 * may use `%VARIABLE%`, `**` (any sub-folders) and, for FileToPath, `*.ext` or `*.*`.
 */
export class SolutionMapping {
  private constructor(
    private readonly directives: Directive[],
    private readonly folder: string,
    readonly file: string,
  ) {}

  static async load(file: string, folder: string): Promise<SolutionMapping> {
    let doc: XmlSlices;
    try {
      doc = XmlSlices.parse(await readFile(file), file);
    } catch (error) {
      if (error instanceof SolutionFileError) throw error;
      throw new SolutionFileError('InvalidMapping', `The mapping file ${file} could not be read: ${(error as Error).message}.`);
    }
    if (!doc.is(doc.root, 'Mapping'))
      throw new SolutionFileError(
        'InvalidMapping',
        `${file} is not a mapping file: its root element is <${doc.name(doc.root)}>, not <Mapping>.`,
      );
    const directives: Directive[] = [];
    for (const e of doc.children(doc.root)) {
      const kind = doc.name(e);
      if (kind !== 'FileToFile' && kind !== 'FileToPath' && kind !== 'Folder') {
        throw new SolutionFileError(
          'InvalidMapping',
          `${file}: <${kind}> is not a mapping directive; use FileToFile, FileToPath or Folder.`,
        );
      }
      const map = doc.attr(e, 'map');
      const to = doc.attr(e, 'to');
      if (!map || !to) throw new SolutionFileError('InvalidMapping', `${file}: <${kind}> needs both map and to attributes.`);
      directives.push(directive(kind, expand(map, file), expand(to, file), file));
    }
    return new SolutionMapping(directives, folder, file);
  }

  /** The directive that matches a folder-relative path, if any. */
  matches(path: string): boolean {
    return this.directives.some((d) => d.pattern.test(path));
  }

  /**
   * Where a folder-relative path is read from: the mapped file when a directive matches (an error when
   * it is not there), otherwise undefined.
   */
  resolve(path: string): { file: string; note?: string } | undefined {
    for (const d of this.directives) {
      const match = d.pattern.exec(path);
      if (!match) continue;
      const found = this.locate(d, path, match[1] ?? '');
      if (!found.length) {
        throw new SolutionFileError(
          'MappedFileMissing',
          `${path} is mapped by <${d.kind} map="${d.map}" to="${d.to}"> in ${this.file}, but no file was found there; nothing was packed.`,
          'Build the mapped files first, or fix the mapping.',
        );
      }
      const note =
        found.length > 1
          ? `${path} is mapped to ${found.length} files (${found.map((f) => relative(this.folder, f)).join(', ')}); ${relative(this.folder, found[0]!)} was used.`
          : undefined;
      return { file: found[0]!, note };
    }
    return undefined;
  }

  /** Files that Folder directives bring in (folder-relative path → mapped file). */
  folderFiles(): Map<string, string> {
    const found = new Map<string, string>();
    for (const d of this.directives) {
      if (d.kind !== 'Folder') continue;
      const base = this.absolute(d.to);
      if (!existsSync(base) || !statSync(base).isDirectory()) continue;
      for (const file of listFiles(base)) found.set(`${d.prefix}${file}`, join(base, ...file.split('/')));
    }
    return found;
  }

  /** Every absolute place this mapping may read from (to check them against the folders allowed). */
  targets(): string[] {
    return this.directives.map((d) => this.absolute(d.to.split('**')[0]!));
  }

  private locate(d: Directive, path: string, captured: string): string[] {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (d.kind === 'Folder') return existing([this.absolute(`${d.to}/${path.slice(d.prefix!.length)}`)]);
    const [base, rest] = splitWildcard(d.to);
    const target = d.kind === 'FileToFile' ? (rest ?? base).split('/').pop()! : name;
    if (rest === undefined) return existing([d.kind === 'FileToFile' ? this.absolute(base) : this.absolute(`${base}/${name}`)]);
    // `**` in `to`: the same sub-folders first, then any sub-folder.
    const root = this.absolute(base);
    const same = existing([join(root, ...`${captured}${target}`.split('/').filter(Boolean))]);
    if (same.length) return same;
    if (!existsSync(root)) return [];
    return listFiles(root)
      .filter((f) => f.split('/').pop()!.toLowerCase() === target.toLowerCase())
      .map((f) => join(root, ...f.split('/')));
  }

  private absolute(path: string): string {
    return isAbsolute(path) || /^[A-Za-z]:/.test(path) ? resolve(path) : resolve(this.folder, ...path.split('/'));
  }
}

function directive(kind: Kind, map: string, to: string, file: string): Directive {
  const mapPath = normalise(map);
  const toPath = normalise(to);
  if (kind === 'Folder') {
    if (mapPath.includes('*') || toPath.includes('*'))
      throw new SolutionFileError('InvalidMapping', `${file}: <Folder map="${map}"> takes no wildcards.`);
    const prefix = `${mapPath.replace(/\/$/, '')}/`;
    return { kind, map, to: toPath, prefix, pattern: new RegExp(`^${escape(prefix)}`, 'i') };
  }
  const name = mapPath.split('/').pop()!;
  if (!name || name === '**') throw new SolutionFileError('InvalidMapping', `${file}: <${kind} map="${map}"> must end with a file name.`);
  if (name.includes('*') && (kind === 'FileToFile' || !/^\*\.(\*|[^*./]+)$/.test(name))) {
    throw new SolutionFileError(
      'InvalidMapping',
      `${file}: <${kind} map="${map}"> uses a file name wildcard SolutionPackager does not support (${kind === 'FileToFile' ? 'none for FileToFile' : 'only *.ext and *.*'}).`,
    );
  }
  const dirs = mapPath.split('/').slice(0, -1);
  const namePattern = name === '*.*' ? '[^/]*' : name.split('*').map(escape).join('[^/]*');
  let pattern: string;
  if (!dirs.length) pattern = `^()(?:.*/)?${namePattern}$`;
  else if (dirs[dirs.length - 1] === '**')
    pattern = `^${escape(
      dirs
        .slice(0, -1)
        .map((d) => `${d}/`)
        .join(''),
    )}((?:[^/]+/)*)${namePattern}$`;
  else if (dirs.includes('**'))
    throw new SolutionFileError('InvalidMapping', `${file}: in <${kind} map="${map}">, ** may only be the last folder.`);
  else pattern = `^()${escape(dirs.map((d) => `${d}/`).join(''))}${namePattern}$`;
  return { kind, map, to: toPath, pattern: new RegExp(pattern, 'i') };
}

/** Splits a path at its `**`: the folder before it and the rest after it (undefined when there is none). */
function splitWildcard(path: string): [string, string | undefined] {
  const at = path.indexOf('**');
  if (at < 0) return [path, undefined];
  return [path.slice(0, at).replace(/\/$/, ''), path.slice(at + 2).replace(/^\//, '')];
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/+/g, '/');
}

function expand(value: string, file: string): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const found = process.env[name];
    if (found === undefined) throw new SolutionFileError('InvalidMapping', `${file} uses %${name}%, which is not set.`);
    return found;
  });
}

function existing(paths: string[]): string[] {
  return paths.filter((path) => existsSync(path) && statSync(path).isFile());
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
