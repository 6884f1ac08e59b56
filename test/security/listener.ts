import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP listener on loopback that must receive nothing: it records every connection (plain HTTP and
 * TLS alike, since it never answers) and closes it at once, so a caller that did connect fails fast.
 */
export interface Listener {
  port: number;
  /** One line per connection: the first bytes it sent, as far as they arrived. */
  hits: string[];
  close(): Promise<void>;
}

export async function startListener(): Promise<Listener> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const index = hits.push('(connected)') - 1;
    // Keep what the caller sent first (a request line and headers, or a TLS hello), then hang up.
    socket.once('data', (chunk) => {
      hits[index] = chunk
        .subarray(0, 300)
        .toString('latin1')
        .replace(/[^\x20-\x7e]+/g, '.');
      socket.destroy();
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 200).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * URLs that must never get a request: the listener over http and https, a link-local address of the
 * kind cloud metadata services use, and foreign hosts. (The well-known metadata address itself is used
 * only where no request can go out, so a regression cannot reach this machine's own metadata service.)
 */
export function hostileUrls(port: number): string[] {
  return [
    `http://127.0.0.1:${port}/orgs/contoso-dev`,
    `https://127.0.0.1:${port}`,
    `https://user:s3cr3t-pw@127.0.0.1:${port}/`,
    `http://localhost:${port}/api/data/v9.2`,
    'http://169.254.0.1/metadata/instance',
    'https://169.254.0.1',
    'https://evil.example.com',
    'https://contoso.crm.dynamics.com.evil.example.com',
  ];
}
