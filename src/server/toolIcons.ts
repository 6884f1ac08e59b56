import type { Toolset } from '../toolsets';
import { svgUri } from './icons';
import type { Icon } from './sdk';

/**
 * One filled glyph per toolset on a 24 × 24 grid, so a host that shows tool icons (VS Code's tool
 * picker) groups the tools at a glance. A model never sees icons, but every byte of tools/list travels
 * on every list, so a glyph is one short path and the same for every tool of its toolset.
 */
const GLYPHS: Record<Toolset, string> = {
  // a cloud
  environments: 'M7 19a5 5 0 0 1-1-9.9A7 7 0 0 1 19 9a5 5 0 0 1 0 10z',
  // a package
  solutions: 'M12 2l9 5v10l-9 5-9-5V7z',
  // a table's rows
  data: 'M3 4h18v4H3zM3 10h18v4H3zM3 16h18v4H3z',
  // a shield
  security: 'M12 2 4 5v6c0 5 3 9 8 11 5-2 8-6 8-11V5z',
  // a flag
  governance: 'M5 2h2v20H5zM8 3h11l-3 4 3 4H8z',
  // four tiles
  apps: 'M3 3h8v8H3zM13 3h8v8h-8zM3 13h8v8H3zM13 13h8v8h-8z',
  // a page with a folded corner
  pages: 'M5 2h9l5 5v15H5z',
  // a shop's awning
  catalog: 'M3 3h18l1 6H2zM4 11h16v10H4z',
  // a magnifying glass
  diagnostics: 'M10 3a7 7 0 1 0 4.2 12.6l5.4 5.4 1.4-1.4-5.4-5.4A7 7 0 0 0 10 3z',
};

/** The icon list a tool of this toolset carries (one SVG, which fits any size). */
export function toolIcons(toolset: Toolset): Icon[] {
  return [{ src: svgUri(GLYPHS[toolset], 'filled'), mimeType: 'image/svg+xml' }];
}
