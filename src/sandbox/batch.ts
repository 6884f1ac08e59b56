import { randomUUID } from 'node:crypto';
import { orgData } from './dataModel';
import type { Reply, SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

/** One request of a batch, as read from its application/http part. */
interface Part {
  contentId?: string;
  request: SandboxRequest;
}

type Item = { kind: 'single'; part: Part } | { kind: 'changeset'; parts: Part[] };

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** The boundary of a multipart content type. */
function boundaryOf(contentType: string): string | undefined {
  return /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
}

/** The parts between `--boundary` lines, each as its header block and its body. */
function splitMultipart(body: string, boundary: string): Array<{ headers: Record<string, string>; body: string }> {
  const parts: Array<{ headers: Record<string, string>; body: string }> = [];
  const sections = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*\\r?\\n?`));
  for (const section of sections) {
    if (section === undefined || section === '--' || !section.trim()) continue;
    const split = /\r?\n\r?\n/.exec(section);
    const head = split ? section.slice(0, split.index) : section;
    const rest = split ? section.slice(split.index + split[0].length) : '';
    const headers: Record<string, string> = {};
    for (const line of head.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: rest });
  }
  return parts;
}

/** An application/http part: request line, headers, blank line, body. */
function readHttpPart(text: string, base: string, outer: SandboxRequest): SandboxRequest | undefined {
  const split = /\r?\n\r?\n/.exec(text);
  const head = (split ? text.slice(0, split.index) : text).split(/\r?\n/);
  const body = split ? text.slice(split.index + split[0].length).replace(/\r?\n$/, '') : '';
  const line = /^(GET|POST|PATCH|PUT|DELETE) (\S+) HTTP\/1\.1$/.exec(head[0]?.trim() ?? '');
  if (!line) return undefined;
  const headers: SandboxRequest['headers'] = { authorization: outer.headers.authorization };
  for (const header of head.slice(1)) {
    const colon = header.indexOf(':');
    if (colon > 0) headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const url = /^https?:/i.test(line[2]!) ? new URL(line[2]!) : new URL(line[2]!.replace(/^\//, ''), base);
  return { method: line[1]!, url, headers, body, raw: Buffer.from(body) };
}

function httpResponse(reply: Reply, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push('', `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? ''}`.trimEnd());
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  for (const [name, value] of Object.entries(reply.headers ?? {}))
    if (name.toLowerCase() !== 'content-type') lines.push(`${name}: ${value}`);
  if (body) lines.push('Content-Type: application/json; odata.metadata=minimal');
  lines.push('OData-Version: 4.0', '', body);
  return lines.join('\r\n');
}

/** Takes a copy of the org's data-table rows and links, to put back when a change set fails. */
function snapshot(org: SandboxOrg): () => void {
  const data = orgData(org);
  const rows = [...data.tables.values()].map((t) => [t, new Map(t.rows)] as const);
  const pairs = data.manyToMany.map((r) => [r, new Set(r.pairs)] as const);
  return () => {
    for (const [table, saved] of rows) {
      table.rows.clear();
      for (const [id, row] of saved) table.rows.set(id, row);
    }
    for (const [relationship, saved] of pairs) {
      relationship.pairs.clear();
      for (const pair of saved) relationship.pairs.add(pair);
    }
  };
}

/**
 * POST $batch (docs/service-notes.md#data-configuration-migration): multipart/mixed with requests and change sets. A change set is all or
 * nothing; the batch stops at the first failure unless Prefer: odata.continue-on-error. At most
 * 1000 requests a batch. The whole batch counts as one request for service protection.
 */
export async function handleBatch(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  reply: DataverseReplies,
  dispatch: (inner: SandboxRequest) => Promise<Reply>,
): Promise<Reply | undefined> {
  if (request.method !== 'POST' || segment !== '$batch') return undefined;
  const boundary = boundaryOf(String(request.headers['content-type'] ?? ''));
  if (!boundary) return reply.error(400, '0x80048d19', 'A $batch request needs Content-Type: multipart/mixed with a boundary.');
  const base = `${org.url}/api/data/v9.2/`;
  const items: Item[] = [];
  for (const part of splitMultipart(request.body, boundary)) {
    const inner = boundaryOf(part.headers['content-type'] ?? '');
    if (inner) {
      const parts: Part[] = [];
      for (const sub of splitMultipart(part.body, inner)) {
        const parsed = readHttpPart(sub.body, base, request);
        if (!parsed) return reply.error(400, '0x80048d19', 'A part of the change set is not an HTTP request.');
        if (parsed.method === 'GET') return reply.error(400, '0x80048d19', 'A change set cannot contain a GET request.');
        parts.push({ contentId: sub.headers['content-id'], request: parsed });
      }
      items.push({ kind: 'changeset', parts });
    } else {
      const parsed = readHttpPart(part.body, base, request);
      if (!parsed) return reply.error(400, '0x80048d19', 'A part of the batch is not an HTTP request.');
      items.push({ kind: 'single', part: { contentId: part.headers['content-id'], request: parsed } });
    }
  }
  const count = items.reduce((sum, item) => sum + (item.kind === 'single' ? 1 : item.parts.length), 0);
  if (count > 1000) return reply.error(400, '0x80048d19', `The batch holds ${count} requests; a batch may hold at most 1000.`);
  const continueOnError = /odata\.continue-on-error/i.test(String(request.headers.prefer ?? ''));
  const out = `batchresponse_${randomUUID()}`;
  const sections: string[] = [];
  for (const item of items) {
    if (item.kind === 'single') {
      const answer = await dispatch(item.part.request);
      sections.push(httpResponse(answer, item.part.contentId));
      if (answer.status >= 400 && !continueOnError) break;
      continue;
    }
    const restore = item.parts.length > 1 ? snapshot(org) : () => undefined;
    const answers: Array<{ part: Part; answer: Reply }> = [];
    let failed: { part: Part; answer: Reply } | undefined;
    for (const part of item.parts) {
      const answer = await dispatch(part.request);
      if (answer.status >= 400) {
        failed = { part, answer };
        break;
      }
      answers.push({ part, answer });
    }
    if (failed) {
      restore();
      sections.push(httpResponse(failed.answer, failed.part.contentId));
      if (!continueOnError) break;
      continue;
    }
    const changeset = `changesetresponse_${randomUUID()}`;
    const inner = answers.map(({ part, answer }) => `--${changeset}\r\n${httpResponse(answer, part.contentId)}`).join('\r\n');
    sections.push(`Content-Type: multipart/mixed; boundary=${changeset}\r\n\r\n${inner}\r\n--${changeset}--`);
  }
  const body = `${sections.map((s) => `--${out}\r\n${s}`).join('\r\n')}\r\n--${out}--\r\n`;
  return { status: 200, headers: { 'content-type': `multipart/mixed; boundary=${out}`, 'odata-version': '4.0' }, body };
}
