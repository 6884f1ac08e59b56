import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SERVER_ICON_PNG } from '../../src/server/icons';
import { ROOT, connectInProcess } from '../helpers';

describe('icons', () => {
  it('the server carries the extension icon (PNG) and an SVG; tools carry none, as tools/list is paid for every turn', async () => {
    const session = await connectInProcess(['--sandbox'], {});
    try {
      const icons = session.client.getServerVersion()?.icons ?? [];
      assert.deepEqual(
        icons.map((icon) => icon.mimeType),
        ['image/png', 'image/svg+xml'],
      );
      assert.equal(icons[0]!.src, `data:image/png;base64,${readFileSync(join(ROOT, 'media', 'icon.png')).toString('base64')}`);
      assert.match(icons[1]!.src, /^data:image\/svg\+xml,%3Csvg xmlns='http:\/\/www\.w3\.org\/2000\/svg'[^"#<>]*%3C\/svg%3E$/);
      const { tools } = await session.client.listTools();
      assert.deepEqual(
        tools.filter((tool) => tool.icons).map((tool) => tool.name),
        [],
      );
    } finally {
      await session.close();
    }
  });

  it('the PNG in the source is media/icon.png', () => {
    assert.equal(SERVER_ICON_PNG, readFileSync(join(ROOT, 'media', 'icon.png')).toString('base64'));
  });
});
