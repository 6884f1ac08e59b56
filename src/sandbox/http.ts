import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SandboxRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body's bytes, for binary uploads. */
  raw: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({ status, body, headers });

/** The request body as JSON, or undefined when it is empty or not JSON. */
export function jsonBody(request: SandboxRequest): any {
  try {
    return request.body ? JSON.parse(request.body) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `Prefer: odata.include-annotations` asks for this annotation (all of them, or it by name). */
export function annotationAsked(request: SandboxRequest, name: string): boolean {
  const asked = /odata\.include-annotations="([^"]*)"/i.exec(String(request.headers.prefer ?? ''))?.[1];
  return asked !== undefined && asked.split(',').some((a) => a.trim() === '*' || a.trim() === name);
}

/** One page of rows as Prefer's odata.maxpagesize asks (5,000 at most), and the next link if there are more. */
export function pageOf<T>(request: SandboxRequest, rows: T[], base: string): { value: T[]; '@odata.nextLink'?: string } {
  const size = Math.min(5000, Number(/odata\.maxpagesize=(\d+)/.exec(String(request.headers.prefer ?? ''))?.[1] ?? 5000));
  const skip = Number(request.url.searchParams.get('$skiptoken') ?? 0);
  const value = rows.slice(skip, skip + size);
  if (skip + size >= rows.length) return { value };
  const params = new URLSearchParams(request.url.searchParams);
  params.set('$skiptoken', String(skip + size));
  return { value, '@odata.nextLink': `${base}?${params.toString()}` };
}

export function form(request: SandboxRequest): URLSearchParams {
  return new URLSearchParams(request.body);
}

export async function readRequest(req: IncomingMessage, base: string, limitBytes = 256 * 1024 * 1024): Promise<SandboxRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  return { method: req.method ?? 'GET', url: new URL(req.url ?? '/', base), headers: req.headers, body: raw.toString('utf8'), raw };
}

export function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'x-ms-service-request-id': randomUUID(), ...reply.headers };
  let payload: string | Buffer | undefined;
  if (Buffer.isBuffer(reply.body)) {
    payload = reply.body;
    headers['content-type'] ??= 'application/octet-stream';
  } else if (reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export function bearerToken(request: SandboxRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : undefined;
}
