/** Lists in a tool's text, cut short: a model reads every line, while the result holds the rest. */

/** The first `max` items in one line, and how many more: "a, b, and 12 more". */
export function firstOf(items: string[], max: number, options: { separator?: string; more?: string } = {}): string {
  const separator = options.separator ?? ', ';
  const shown = items.slice(0, max).join(separator);
  return items.length > max ? `${shown}${separator}and ${items.length - max} more${options.more ?? ''}` : shown;
}

/** The first `max` lines, then the line `more` writes for the number left, if any are. */
export function firstLines(lines: string[], max: number, more: (left: number) => string): string[] {
  return lines.length > max ? [...lines.slice(0, max), more(lines.length - max)] : lines;
}
