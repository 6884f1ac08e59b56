import { randomUUID } from 'node:crypto';

export interface BatchOperation {
  method: 'PATCH' | 'POST' | 'DELETE';
  /** Relative to the API root (`accounts(id)`). */
  path: string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

export interface BatchAnswer {
  status: number;
  body: string;
}

/**
 * A $batch body (OData multipart/mixed) with each operation in a change set of its own, so a refused
 * operation rolls back only itself. `apiRoot` is the absolute API URL the request lines use.
 */
export function buildBatch(operations: BatchOperation[], apiRoot: string): { boundary: string; body: string } {
  const boundary = `batch_${randomUUID()}`;
  const parts = operations.map((op, index) => {
    const changeset = `changeset_${randomUUID()}`;
    const headers = { 'Content-Type': 'application/json', ...op.headers };
    const lines = [
      `--${boundary}`,
      `Content-Type: multipart/mixed; boundary=${changeset}`,
      '',
      `--${changeset}`,
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      `Content-ID: ${index + 1}`,
      '',
      `${op.method} ${apiRoot}/${op.path} HTTP/1.1`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      '',
      op.body === undefined ? '' : JSON.stringify(op.body),
      `--${changeset}--`,
    ];
    return lines.join('\r\n');
  });
  return { boundary, body: `${parts.join('\r\n')}\r\n--${boundary}--\r\n` };
}

/**
 * The answers of a $batch, in order: one per change set (its one response, or the error that
 * rolled it back). A batch that stopped at a failure has fewer answers than operations.
 */
export function readBatchAnswers(text: string, contentType: string | null): BatchAnswer[] {
  const boundary = /boundary="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? /^--(\S+)/m.exec(text)?.[1];
  if (!boundary) return [];
  const answers: BatchAnswer[] = [];
  for (const part of splitParts(text, boundary)) {
    const nested = /^content-type:\s*multipart\/mixed;\s*boundary="?([^";\s]+)"?/im.exec(headerBlock(part));
    if (nested) {
      // A change set that succeeded: its responses (here, one).
      const inner = splitParts(bodyOf(part), nested[1]!)
        .map(httpAnswer)
        .filter((a): a is BatchAnswer => a !== undefined);
      if (inner.length) answers.push(inner.find((a) => a.status >= 400) ?? inner[inner.length - 1]!);
    } else {
      const answer = httpAnswer(part);
      if (answer) answers.push(answer);
    }
  }
  return answers;
}

function splitParts(text: string, boundary: string): string[] {
  const marker = `--${boundary}`;
  const parts: string[] = [];
  let at = text.indexOf(marker);
  while (at >= 0) {
    const start = at + marker.length;
    if (text.startsWith('--', start)) break;
    const next = text.indexOf(marker, start);
    parts.push(
      text
        .slice(start, next < 0 ? undefined : next)
        .replace(/^[ \t]*\r?\n/, '')
        .replace(/\r?\n$/, ''),
    );
    at = next;
  }
  return parts;
}

function headerBlock(part: string): string {
  const end = /\r?\n\r?\n/.exec(part);
  return end ? part.slice(0, end.index) : part;
}

function bodyOf(part: string): string {
  const end = /\r?\n\r?\n/.exec(part);
  return end ? part.slice(end.index + end[0].length) : '';
}

/** An application/http part: the status line's code and the body after the response headers. */
function httpAnswer(part: string): BatchAnswer | undefined {
  const response = bodyOf(part);
  const status = /^HTTP\/1\.1 (\d{3})/.exec(response.trimStart());
  if (!status) return undefined;
  return { status: Number(status[1]), body: bodyOf(response.trimStart()).trim() };
}

/** The message of an error answer's JSON body, or the body as it is. */
export function answerMessage(answer: BatchAnswer): string {
  try {
    const error = (JSON.parse(answer.body) as { error?: { message?: string } }).error;
    if (error?.message) return error.message;
  } catch {
    // not JSON: the text is the message
  }
  return answer.body || `HTTP ${answer.status}`;
}
