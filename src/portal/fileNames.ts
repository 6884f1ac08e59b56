/**
 * Names of files and folders as pac makes them from a record's name: characters a file name cannot
 * hold (and spaces) become `-`, everything else (brackets, %, non-Latin letters) stays; folders
 * are the same in lower case.
 */
export function fileStem(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name may not hold
  return name.replace(/[\s/\\":*?<>|\x00-\x1f]/g, '-');
}

export function folderName(name: string): string {
  return fileStem(name).toLowerCase();
}

/**
 * Hands out paths, giving a record that would take a path already taken a suffix from its own id
 * before the extension (footer.png → footer_8ed3048d.png). pac gives every record of a clash a
 * suffix (`shared` marks those paths); its suffix could not be derived from the downloads, ours
 * is the id's first eight digits.
 */
export class PathClaims {
  private readonly owners = new Map<string, string>();

  constructor(private readonly shared = new Set<string>()) {}

  /** Paths (lower case) that more than one record would take: all of them get a suffix. */
  static clashes(paths: string[]): Set<string> {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const path of paths.map((p) => p.toLowerCase())) (seen.has(path) ? twice : seen).add(path);
    return twice;
  }

  /** `path` is a stem (web-pages/home, page-templates/Home) or, with `extension`, a file name whose extension stays last. */
  claim(path: string, owner: string, id: string, extension = false): string {
    const key = path.toLowerCase();
    const holder = this.owners.get(key);
    if (!this.shared.has(key) && (holder === undefined || holder === owner)) {
      this.owners.set(key, owner);
      return path;
    }
    const dot = extension ? path.lastIndexOf('.') : -1;
    const suffixed =
      dot > path.lastIndexOf('/') + 1 ? `${path.slice(0, dot)}_${id.slice(0, 8)}${path.slice(dot)}` : `${path}_${id.slice(0, 8)}`;
    return this.claim(suffixed, owner, id, extension);
  }
}
