/**
 * Zip member names of a solution are Open Packaging part names, so characters that a URI path may not
 * hold are percent-encoded in the zip (`{` is `%7B`) and decoded in the unpacked folder, as
 * SolutionPackager does (app actions named `…{!EntityLogicalName}…` are the common case).
 */
export function folderPathOfMember(member: string): string {
  if (!member.includes('%')) return member;
  return member.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escaped) => {
    try {
      const decoded = decodeURIComponent(escaped);
      // Separators stay encoded: a name never turns into a path here.
      return /[/\\]/.test(decoded) ? escaped : decoded;
    } catch {
      return escaped;
    }
  });
}

/** The member name for a folder path: ASCII characters outside a URI path segment, and `%`, percent-encoded. */
export function memberOfFolderPath(path: string): string {
  return path.replace(
    /[^A-Za-z0-9\-._~!$&'()*+,;=:@/\u0080-\uFFFF]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
