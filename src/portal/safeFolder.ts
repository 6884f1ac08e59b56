// The folder keeps an async contract (callers await every method and get a refusal as a rejection) while its checks use sync fs calls.
/* eslint-disable @typescript-eslint/require-await */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** A file or folder the site folder must not be read or written through, named by its path. */
export class UnsafePathError extends Error {}

// Never follow a link at the last step, and never wait on a FIFO: opening one fails or returns at once.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * A site folder, read and written so that nothing leaves it: a symbolic link is followed only to a
 * regular file inside the folder, only regular files are opened, and a FIFO, socket or device is
 * refused rather than waited on. The calls are synchronous: a site has thousands of small files,
 * and a hop through the thread pool for each step cost more than the work.
 */
export class SafeFolder {
  private constructor(
    readonly root: string,
    private readonly realRoot: string,
  ) {}

  static async at(root: string): Promise<SafeFolder> {
    let real = root;
    try {
      real = realpathSync(root);
    } catch {
      // not there yet: it is made when the first file is written
    }
    return new SafeFolder(root, real);
  }

  /** Every regular file under the folder (paths relative to it, with /), refusing links out and special files. */
  async files(): Promise<string[]> {
    const out: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        const name = this.relative(path);
        if (entry.isSymbolicLink()) {
          this.linkTarget(path, name);
          out.push(name);
        } else if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) out.push(name);
        else
          throw new UnsafePathError(
            `${name} is not a regular file (a FIFO, socket or device); only files and folders can be part of a site folder.`,
          );
      }
    };
    walk(this.root);
    return out.sort();
  }

  /** The bytes of a regular file of the folder. */
  async read(name: string): Promise<Buffer> {
    let path = this.pathOf(name);
    if (lstatSync(path).isSymbolicLink()) path = this.linkTarget(path, name);
    else this.checkParents(path, name);
    const fd = this.open(path, READ_FLAGS, name, 'read');
    try {
      if (!fstatSync(fd).isFile()) throw new UnsafePathError(`${name} is not a regular file; it was not read.`);
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes a file, creating folders as needed, never through a link and never into anything but a regular file. */
  async write(name: string, data: Buffer): Promise<void> {
    const path = this.pathOf(name);
    this.makeFolders(dirname(path), name);
    const fd = this.open(path, WRITE_FLAGS, name, 'written');
    try {
      if (!fstatSync(fd).isFile()) throw new UnsafePathError(`${name} is not a regular file in the folder; nothing was written to it.`);
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
  }

  /** Refuses, before anything is written, a folder holding a link that points out of it or a special file. */
  async checkBeforeWriting(): Promise<void> {
    if (!exists(this.root)) return;
    await this.files();
  }

  private open(path: string, flags: number, name: string, what: 'read' | 'written'): number {
    try {
      return openSync(path, flags, 0o644);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new UnsafePathError(`${name} is a symbolic link; nothing was ${what} through it.`);
      if (code === 'ENXIO' || code === 'EISDIR')
        throw new UnsafePathError(`${name} is not a regular file; it was not ${what === 'read' ? 'read' : 'written to'}.`);
      throw error;
    }
  }

  private pathOf(name: string): string {
    const path = join(this.root, ...name.split('/'));
    if (relative(this.root, path).split(sep)[0] === '..') throw new UnsafePathError(`${name} is outside the folder.`);
    return path;
  }

  private relative(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot.endsWith(sep) ? this.realRoot : this.realRoot + sep);
  }

  /** A link's target, if it is a regular file inside the folder. */
  private linkTarget(path: string, name: string): string {
    let target: string | undefined;
    try {
      target = realpathSync(path);
    } catch {
      target = undefined;
    }
    if (!target || !this.inside(target))
      throw new UnsafePathError(`${name} is a symbolic link to a place outside the folder; it was not followed.`);
    if (!lstatSync(target).isFile())
      throw new UnsafePathError(`${name} is a symbolic link to something other than a file; it was not followed.`);
    return target;
  }

  private checkParents(path: string, name: string): void {
    if (!this.inside(realpathSync(dirname(path))))
      throw new UnsafePathError(`${name} is reached through a symbolic link to a place outside the folder; it was not read.`);
  }

  private makeFolders(folder: string, name: string): void {
    const parts = relative(this.root, folder).split(sep).filter(Boolean);
    let current = this.root;
    mkdirSync(current, { recursive: true });
    for (const part of parts) {
      current = join(current, part);
      const stat = exists(current) ? lstatSync(current) : undefined;
      if (!stat) mkdirSync(current);
      else if (stat.isSymbolicLink() || !stat.isDirectory()) {
        const kind = stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder';
        throw new UnsafePathError(`${name}: ${this.relative(current)} is ${kind}; nothing was written through it.`);
      }
    }
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
