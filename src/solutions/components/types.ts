import type { Piece } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';

/** What a component kind needs while unpacking. */
export interface SplitContext {
  /** Writes one component file. `twin` files get a `_managed` variant in a Both unpack. */
  write(path: string, content: Piece, options?: { twin?: boolean }): void;
  /** The zip member `zipName` is this component's payload and goes to `folderPath`. */
  claim(zipName: string, folderPath: string): void;
}

/** What a component kind needs while packing. */
export interface JoinContext {
  /** Folder files under a prefix (relative, forward slashes), sorted; `_managed` twins included. */
  list(prefix: string): string[];
  exists(path: string): boolean;
  /** Reads and parses a file, and marks it used. For a twin, the variant for the package type is read. */
  read(path: string, options?: { twin?: boolean }): XmlSlices | undefined;
  /** Reads a text file (BOM removed), and marks it used. */
  readText(path: string): string | undefined;
  /** Adds a folder file as the zip member `zipName`. */
  payload(zipName: string, folderPath: string): void;
  warn(message: string): void;
}

/** One top-level container of customizations.xml that SolutionPackager splits into files. */
export interface ComponentKind {
  container: string;
  /** Whether a folder file belongs to this kind's layout (so an unused one is reported, not packed as is). */
  owns(path: string): boolean;
  /** Writes the container's components as files; the container becomes `<Name />` in Other/Customizations.xml. */
  split(doc: XmlSlices, container: El, context: SplitContext): void;
  /** The container's children rebuilt from the folder, each written for `indent` spaces; none when the folder has none. */
  join(context: JoinContext, indent: number): Piece[];
}

/** Characters that cannot be in a file name on Windows, or that would make a path. */
export function fileNameOf(name: string): string {
  return name.replace(/[\\/:*?"<>|]/g, '_');
}

export function under(prefix: string): (path: string) => boolean {
  return (path) => path.startsWith(prefix);
}

/** The last part of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
