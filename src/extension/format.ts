/** How values show to people in views, pickers and result pages. No VS Code types, so it is tested without VS Code. */

/** Power Platform regions as the admin center names them, in the order the region picker lists them. */
export const REGIONS: Record<string, string> = {
  unitedstates: 'United States',
  europe: 'Europe',
  unitedkingdom: 'United Kingdom',
  asia: 'Asia',
  australia: 'Australia',
  canada: 'Canada',
  india: 'India',
  japan: 'Japan',
  france: 'France',
  germany: 'Germany',
  switzerland: 'Switzerland',
  norway: 'Norway',
  sweden: 'Sweden',
  italy: 'Italy',
  poland: 'Poland',
  spain: 'Spain',
  korea: 'Korea',
  singapore: 'Singapore',
  southafrica: 'South Africa',
  southamerica: 'South America',
  uae: 'United Arab Emirates',
  israel: 'Israel',
  unitedstatesfirstrelease: 'United States (first release)',
  usgov: 'US Government (GCC)',
  usgovhigh: 'US Government (GCC High)',
  usdod: 'US Department of Defense',
  china: 'China',
};

export function regionName(region: string | null | undefined): string {
  if (!region) return 'unknown region';
  return REGIONS[region.toLowerCase()] ?? region.charAt(0).toUpperCase() + region.slice(1);
}

/** "24 Nov 2026, 10:00" in the person's time zone; the text as given when it is not a date. */
export function formatTime(iso: string | null | undefined, options: { locale?: string; timeZone?: string } = {}): string {
  if (!iso) return '';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(options.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: options.timeZone }).format(time);
}

/** Every ISO 8601 date and time in a text (operation titles, summaries) in the person's form. */
export function readableTimes(text: string, options: { locale?: string; timeZone?: string } = {}): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (iso) => formatTime(iso, options));
}

/** "displayName" → "Display name", "zipFile" → "Zip file", "pointInTime" → "Point in time". */
export function fieldLabel(field: string): string {
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(' ')
    .map((word, index) => (index === 0 ? word : /^[A-Z]{2,}$/.test(word) ? word : word.toLowerCase()));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A toast's text from a tool's summary: its first line, with the list that line introduces
 * ("Failed components:") folded in, and for a failure what to do. Never cut inside the headline.
 */
export function toastText(summary: string, failed: boolean, limit = 400): string {
  const lines = summary
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (!lines.length) return failed ? 'Failed.' : 'Done.';
  let text = lines[0]!;
  if (text.endsWith(':')) {
    const items = lines
      .slice(1)
      .filter((line) => line.startsWith('- '))
      .map((line) => line.slice(2));
    const shown = items.slice(0, 3).join('; ');
    if (shown) text = `${text} ${shown}${items.length > 3 ? `; and ${items.length - 3} more` : ''}.`;
  }
  const hint = failed ? lines.find((line) => line.startsWith('What to do:')) : undefined;
  if (hint && hint !== text) text = `${withStop(text)} ${hint}`;
  return text.length > limit ? `${text.slice(0, limit - 1).trimEnd()}…` : text;
}

function withStop(text: string): string {
  return /[.!?…:]$/.test(text) ? text : `${text}.`;
}

/**
 * Tool names in a text meant for a person become the palette commands that run them:
 * "pp_list_environments shows them" → "\"Power Agent MCP: List environments\" shows them".
 */
export function toolNamesAsCommands(text: string, titles: ReadonlyMap<string, string>, category: string): string {
  return text.replace(/\bpp_[a-z_]+\b/g, (name) => {
    const title = titles.get(name);
    return title ? `"${category}: ${title}"` : name;
  });
}

/** A value as text: a scalar as itself, anything else as JSON, never "[object Object]". */
export function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    default:
      return JSON.stringify(value) ?? String(value);
  }
}

/** How long the server has run: minutes under an hour, then hours with one decimal. */
export function uptimeText(seconds: number): string {
  return seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
}
