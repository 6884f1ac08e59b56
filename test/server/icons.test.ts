import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { parseCliArgs } from '../../src/config';
import { SERVER_ICON_PNG } from '../../src/server/icons';
import { TOOLSETS } from '../../src/toolsets';
import { ROOT, connectInProcess, manifestOfAllTools } from '../helpers';

/** The SVG inside a `data:image/svg+xml,` URI, parsed by a real XML parser (a malformed one throws). */
function svgOf(src: string): Element {
  const prefix = 'data:image/svg+xml,';
  assert.ok(src.startsWith(prefix), src.slice(0, 40));
  const text = src.slice(prefix.length);
  // `#` would start a fragment and end the image; `<`, `>` and `"` break URI parsers and HTML attributes.
  assert.doesNotMatch(text, /[<>#"]/, 'characters that end or break a URI are escaped');
  const document = new DOMParser({ onError: (level, message) => assert.fail(`${level}: ${message}`) }).parseFromString(
    decodeURIComponent(text),
    'image/svg+xml',
  );
  const svg = document.documentElement!;
  assert.equal(svg.namespaceURI, 'http://www.w3.org/2000/svg');
  assert.equal(svg.getAttribute('viewBox'), '0 0 24 24');
  return svg;
}

const manifest = manifestOfAllTools();

describe('icons', () => {
  it('the server carries the extension icon (PNG) and an SVG; by default tools carry none', async () => {
    const session = await connectInProcess(['--sandbox'], {});
    try {
      const icons = session.client.getServerVersion()?.icons ?? [];
      assert.deepEqual(
        icons.map((icon) => icon.mimeType),
        ['image/png', 'image/svg+xml'],
      );
      assert.equal(icons[0]!.src, `data:image/png;base64,${readFileSync(join(ROOT, 'media', 'icon.png')).toString('base64')}`);
      assert.equal(svgOf(icons[1]!.src).getElementsByTagName('path').length, 1);
      const { tools } = await session.client.listTools();
      assert.deepEqual(
        tools.filter((tool) => tool.icons).map((tool) => tool.name),
        [],
      );
    } finally {
      await session.close();
    }
  });

  it('with --tool-icons every tool carries its toolset glyph: one well-formed SVG per toolset, each different', async () => {
    const session = await connectInProcess(['--sandbox', '--tool-icons'], {});
    try {
      const { tools } = await session.client.listTools();
      const glyphs = new Map<string, Set<string>>();
      for (const tool of tools) {
        assert.equal(tool.icons?.length, 1, tool.name);
        const [icon] = tool.icons;
        assert.equal(icon!.mimeType, 'image/svg+xml', tool.name);
        const path = svgOf(icon!.src).getElementsByTagName('path')[0]!.getAttribute('d')!;
        assert.match(path, /^M[\d .,a-zA-Z-]+$/, tool.name);
        const toolset = manifest.find((entry) => entry.name === tool.name)!.toolset;
        glyphs.set(toolset, (glyphs.get(toolset) ?? new Set()).add(path));
      }
      assert.deepEqual([...glyphs.keys()].sort(), [...TOOLSETS].sort());
      for (const [toolset, paths] of glyphs) assert.equal(paths.size, 1, `${toolset}: one glyph for all its tools`);
      assert.equal(new Set([...glyphs.values()].map((paths) => [...paths][0])).size, TOOLSETS.length);
    } finally {
      await session.close();
    }
  });

  it('POWERAGENT_TOOL_ICONS=1 turns them on as --tool-icons does', () => {
    assert.equal(parseCliArgs([], {}).toolIcons, false);
    assert.equal(parseCliArgs([], { POWERAGENT_TOOL_ICONS: '1' }).toolIcons, true);
    assert.equal(parseCliArgs(['--tool-icons'], {}).toolIcons, true);
  });

  it('the PNG in the source is media/icon.png', () => {
    assert.equal(SERVER_ICON_PNG, readFileSync(join(ROOT, 'media', 'icon.png')).toString('base64'));
  });
});
