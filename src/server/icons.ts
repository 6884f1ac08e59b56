import type { Toolset } from '../tools/toolsets';
import type { Icon } from './sdk';

/** media/icon.png (128 × 128), the extension's icon; a test checks that the two are the same. */
export const SERVER_ICON_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAIAAAACACAYAAADDPmHLAAAC+UlEQVR4nO3UQW7DMAxEUd+mF8wxe6cUKJBuAiONI+kPxT8AtwbFefBxGGOMMcYYs0tuX7f76KHfZE4yo2xRhIcsXQxQ6ILFAIUuUwhA6OLEAIUuSQhg6GJEAIUuQwhQ6OMnDd3F8tAHTxy6k2WhD508dDdTQx+30tBdDQ990IpDdzYs9CErD93dx6EPuMPQHV4Ofbj79zF9RHASuvzdAJRCQBe/EsHq99Ddvgxd+O4AohHQZXcBEImALppCQL6L7vwvdMFdAcQgoI8gAMvHENDvQhHQDxcAiIB+sABgBPRjUxDQb0IA0A8VAIyAfqQAQAD0A9MQ0O9ZioB+mABgBPSjBAACoB+UioB+yzIE9GMEIIBIBPQ7lgCgHyIAGAH9CAGAAOgHpCOg3zAdAb28AAQgAAoAvXgFBPT+UxHQSwtAAAKgANALV0FA7z4NAb2sAAQgAAHkI6D3FoAAxgOgFxUAjIBeshICemcBCEAAAhAAhoDeVwACEACJgN5VAAIQwOiiBBCw6IzC6G8mjAAEIAABNAVQsTABCEAAAhDAMADdEQhAAALojEAAAhCAAATQFsG/AFRDIIDB5QtgzxFAcwTbAvgEAb23AGAE9M6xACoi8C8wsPyKAK4ioHcWgAAyAYhgj7lcvgD2mHYAriCg940FUBWBf4FB5VcFcAUBvW8sgC4I6F1jy+8CYDcEAriAgN41FkBlBB3/AsPLrwzgXQT0rrEAKiPoBGBa+SLIn+nlCyB7lgDogIDeM7r8DgAqIlgKoAMCes/o8jsgoHeML78ygl3+AnT3v6GPMBMBvWMJAEdRBNUB0J0/hT5IJwR016ehD9MBAN3xy9AHGo2A3q9U+Y/QhxoJIAUB3enboQ82EgG9H93l5dCH22HoDj8OfcDKQ3c3LPQhKw7d2fDQB600dFdTQx83eehuloU+dOLQnSwPffCkobtAQx/f4kNCl2HxAaGLsfyQ0CVZfFDo4iw9JHSZFh8UumBLD4qlm6dYtjHGGGPMeX4AC2hIDa+xV3oAAAAASUVORK5CYII=';

/** 24 × 24 line drawings, one per toolset, in one blue that reads on light and dark backgrounds. */
const TOOLSET_PATHS: Record<Toolset, string> = {
  environments: 'M7 18a4 4 0 0 1-.5-8A6 6 0 0 1 18 9a4.5 4.5 0 0 1-.5 9z',
  solutions: 'M3 7l9-4 9 4v10l-9 4-9-4zM3 7l9 4 9-4M12 11v10',
  data: 'M4 6c0-3 16-3 16 0v12c0 3-16 3-16 0zM4 6c0 3 16 3 16 0M4 12c0 3 16 3 16 0',
  security: 'M12 3l8 3v6c0 5-4 8-8 9-4-1-8-4-8-9V6z',
  governance: 'M4 6h16M4 12h16M4 18h16M8 4v4M16 10v4M10 16v4',
  apps: 'M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h6v6h-6z',
  pages: 'M6 3h9l4 4v14H6zM15 3v4h4M9 12h6M9 16h6',
  catalog: 'M4 5h6a2 2 0 0 1 2 2v13a2 2 0 0 0-2-2H4zM20 5h-6a2 2 0 0 0-2 2v13a2 2 0 0 1 2-2h6z',
  diagnostics: 'M3 12h4l3-7 4 14 3-7h4',
};

const BOLT = 'M13 2 4 14h7l-1 8 9-12h-7z';

/** An SVG as a data: URI, escaped only where a URI needs it (base64 would be a third longer). */
function svgUri(path: string): string {
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='#17d' stroke-width='2'><path d='${path}'/></svg>`;
  return `data:image/svg+xml,${svg.replace(/[<>#%"]/g, (c) => encodeURIComponent(c))}`;
}

/** The server's icons: the extension's PNG, and the same bolt as an SVG for any size. */
export const SERVER_ICONS: Icon[] = [
  { src: `data:image/png;base64,${SERVER_ICON_PNG}`, mimeType: 'image/png', sizes: ['128x128'] },
  { src: svgUri(BOLT), mimeType: 'image/svg+xml', sizes: ['any'] },
];

const toolsetIcons = new Map<Toolset, Icon[]>();

/**
 * The icon every tool of a toolset carries. A tool list pays for it once per tool (about 200 bytes), so
 * it is small and says no more than its data: URI does (the type is in it; an SVG fits any size).
 */
export function toolsetIcon(toolset: Toolset): Icon[] {
  let icons = toolsetIcons.get(toolset);
  if (!icons) toolsetIcons.set(toolset, (icons = [{ src: svgUri(TOOLSET_PATHS[toolset]) }]));
  return icons;
}
