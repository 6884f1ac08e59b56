import { fileURLToPath } from 'node:url';
import { RootsListChangedNotificationSchema, type Server } from './sdk';

/** How long a tool call waits for the client's first answer to roots/list before going on without it. */
const FIRST_ROOTS_TIMEOUT_MS = 5_000;

export interface RootsFollower {
  /** Resolves once the client's roots are known (or it has none, or did not answer in time). */
  ready(): Promise<void>;
  /** Reads the roots now; called when the client is initialized. */
  start(): void;
}

/**
 * Follows the folders the client offers as roots (MCP roots): asks for them once the client is
 * initialized and again on notifications/roots/list_changed, and hands the local folders to `apply`
 * (undefined when the client offers none). Clients without the roots capability are never asked.
 */
export function followRoots(
  server: Server,
  apply: (folders: string[] | undefined) => void,
  warn: (message: string) => void,
): RootsFollower {
  let first: Promise<void> | undefined;
  let latest = 0;

  const load = async () => {
    const asked = ++latest;
    try {
      const { roots } = await server.listRoots(undefined, { timeout: 30_000 });
      if (asked !== latest) return; // an older answer that arrived after a newer one
      const folders = roots.filter((root) => root.uri.startsWith('file:')).map((root) => fileURLToPath(root.uri));
      apply(folders.length ? folders : undefined);
    } catch (error) {
      warn(`could not read the client's roots: ${(error as Error).message}`);
    }
  };

  server.setNotificationHandler(RootsListChangedNotificationSchema, () => void load());

  return {
    start() {
      if (server.getClientCapabilities()?.roots) first = load();
    },
    async ready() {
      if (!first) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([first, new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_ROOTS_TIMEOUT_MS).unref()))]);
      clearTimeout(timer);
    },
  };
}
