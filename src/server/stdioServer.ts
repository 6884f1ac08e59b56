import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from './sdk';
import { createStandaloneServer, type StandaloneOptions, type StandaloneServer } from './standalone';

export interface StdioServerOptions extends StandaloneOptions {
  /** Called when the connection closes other than by close() (the CLI exits so the client can restart it). */
  onUnexpectedClose: () => void;
}

/**
 * The SDK server of the standalone CLI on a stdio connection. Its own bundle (dist/server.js), which the
 * CLI's front loads on the first message it does not answer itself.
 */
export async function connectStdioServer(options: StdioServerOptions, input: Readable, output: Writable): Promise<StandaloneServer> {
  const standalone = createStandaloneServer(options);
  let closing = false;
  const cleanUp = standalone.server.onclose;
  standalone.server.onclose = () => {
    cleanUp?.();
    if (!closing) options.onUnexpectedClose();
  };
  await standalone.server.connect(new StdioServerTransport(input, output));
  return {
    server: standalone.server,
    close() {
      closing = true;
      return standalone.close();
    },
  };
}
