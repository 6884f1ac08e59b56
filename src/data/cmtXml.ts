/** An attribute value escaped as .NET's XmlWriter escapes it: markup characters, and CR, LF and tab as character references. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\r\n\t]/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\r': '&#xD;',
  '\n': '&#xA;',
  '\t': '&#x9;',
};

/** ` name="value"`, escaped. */
export function xmlAttribute(name: string, value: string): string {
  return ` ${name}="${escapeAttribute(value)}"`;
}
