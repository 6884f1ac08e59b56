import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SERVER_ICON_PNG } from '../../src/server/icons';
import { allTools } from '../../src/tools';
import { ROOT, connectInProcess } from '../helpers';

describe('icons', () => {
  it('the server carries the extension icon (PNG) and an SVG; every tool carries its toolset icon', async () => {
    const session = await connectInProcess(['--sandbox'], {});
    try {
      const icons = session.client.getServerVersion()?.icons ?? [];
      assert.deepEqual(icons.map((icon) => icon.mimeType), ['image/png', 'image/svg+xml']);
      assert.equal(icons[0]!.src, `data:image/png;base64,${readFileSync(join(ROOT, 'media', 'icon.png')).toString('base64')}`);
      const { tools } = await session.client.listTools();
      const byToolset = new Map<string, string>();
      for (const tool of tools) {
        const [icon] = tool.icons ?? [];
        assert.match(icon?.src ?? '', /^data:image\/svg\+xml,%3Csvg xmlns='http:\/\/www\.w3\.org\/2000\/svg'[^"#<>]*%3C\/svg%3E$/, tool.name);
        assert.ok(JSON.stringify(tool.icons).length < 260, `${tool.name}: a tool icon stays small`);
        const toolset = allTools.find((t) => t.name === tool.name)!.toolset;
        assert.equal(byToolset.get(toolset) ?? icon!.src, icon!.src, `${tool.name}: one icon per toolset`);
        byToolset.set(toolset, icon!.src);
      }
      assert.equal(new Set(byToolset.values()).size, byToolset.size, 'each toolset has its own icon');
    } finally {
      await session.close();
    }
  });

  it('the PNG in the source is media/icon.png', () => {
    assert.equal(SERVER_ICON_PNG, readFileSync(join(ROOT, 'media', 'icon.png')).toString('base64'));
  });
});
