import type { Icon } from './sdk';

/** media/icon.png (128 × 128), the extension's icon; a test checks that the two are the same. */
export const SERVER_ICON_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAIAAAACACAYAAADDPmHLAAAC+UlEQVR4nO3UQW7DMAxEUd+mF8wxe6cUKJBuAiONI+kPxT8AtwbFefBxGGOMMcYYs0tuX7f76KHfZE4yo2xRhIcsXQxQ6ILFAIUuUwhA6OLEAIUuSQhg6GJEAIUuQwhQ6OMnDd3F8tAHTxy6k2WhD508dDdTQx+30tBdDQ990IpDdzYs9CErD93dx6EPuMPQHV4Ofbj79zF9RHASuvzdAJRCQBe/EsHq99Ddvgxd+O4AohHQZXcBEImALppCQL6L7vwvdMFdAcQgoI8gAMvHENDvQhHQDxcAiIB+sABgBPRjUxDQb0IA0A8VAIyAfqQAQAD0A9MQ0O9ZioB+mABgBPSjBAACoB+UioB+yzIE9GMEIIBIBPQ7lgCgHyIAGAH9CAGAAOgHpCOg3zAdAb28AAQgAAoAvXgFBPT+UxHQSwtAAAKgANALV0FA7z4NAb2sAAQgAAHkI6D3FoAAxgOgFxUAjIBeshICemcBCEAAAhAAhoDeVwACEACJgN5VAAIQwOiiBBCw6IzC6G8mjAAEIAABNAVQsTABCEAAAhDAMADdEQhAAALojEAAAhCAAATQFsG/AFRDIIDB5QtgzxFAcwTbAvgEAb23AGAE9M6xACoi8C8wsPyKAK4ioHcWgAAyAYhgj7lcvgD2mHYAriCg940FUBWBf4FB5VcFcAUBvW8sgC4I6F1jy+8CYDcEAriAgN41FkBlBB3/AsPLrwzgXQT0rrEAKiPoBGBa+SLIn+nlCyB7lgDogIDeM7r8DgAqIlgKoAMCes/o8jsgoHeML78ygl3+AnT3v6GPMBMBvWMJAEdRBNUB0J0/hT5IJwR016ehD9MBAN3xy9AHGo2A3q9U+Y/QhxoJIAUB3enboQ82EgG9H93l5dCH22HoDj8OfcDKQ3c3LPQhKw7d2fDQB600dFdTQx83eehuloU+dOLQnSwPffCkobtAQx/f4kNCl2HxAaGLsfyQ0CVZfFDo4iw9JHSZFh8UumBLD4qlm6dYtjHGGGPMeX4AC2hIDa+xV3oAAAAASUVORK5CYII=';

export const BOLT = 'M13 2 4 14h7l-1 8 9-12h-7z';

/** The brand blue, readable on light and dark themes. */
const BLUE = '#17d';

/**
 * A one-path SVG on a 24 × 24 grid as a data: URI, escaped only where a URI needs it (base64 would be a
 * third longer): outlined (the server's bolt) or filled (the small tool glyphs, which stay legible at 16 px).
 */
export function svgUri(path: string, style: 'outline' | 'filled' = 'outline'): string {
  const paint = style === 'outline' ? `fill='none' stroke='${BLUE}' stroke-width='2'` : `fill='${BLUE}'`;
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' ${paint}><path d='${path}'/></svg>`;
  return `data:image/svg+xml,${svg.replace(/[<>#%"]/g, (c) => encodeURIComponent(c))}`;
}

/**
 * The server's icons: the extension's PNG, and the same bolt as an SVG for any size. They come once per
 * session (initialize). Tools carry their toolset's glyph only where asked (toolIcons.ts).
 */
export const SERVER_ICONS: Icon[] = [
  { src: `data:image/png;base64,${SERVER_ICON_PNG}`, mimeType: 'image/png', sizes: ['128x128'] },
  { src: svgUri(BOLT), mimeType: 'image/svg+xml', sizes: ['any'] },
];
