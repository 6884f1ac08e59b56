import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';

/**
 * MSAL's token cache in one file readable only by its owner (0600, in a 0700 folder), written
 * atomically so a crash never leaves half a cache.
 */
export function ownerOnlyFileCache(file: string): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        return; // no cache yet
      }
      await chmod(file, 0o600); // tighten a file someone loosened
      context.tokenCache.deserialize(text);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (!context.cacheHasChanged) return;
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, context.tokenCache.serialize(), { mode: 0o600 });
      await rename(temp, file);
    },
  };
}
