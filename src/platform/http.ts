import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Readable } from 'node:stream';
import { Agent, fetch, request as undiciRequest, type Dispatcher } from 'undici';
import type { TokenProvider } from './tokens';
import type { Logger } from '../log';
import type { Metrics } from '../observability/metrics';
import { PlatformError, correlationIdFrom, decodeErrorBody, hintFor, type ServiceName } from './errors';
import { HostLimiter } from './limiter';
import { backoffDelay, parseRetryAfter, sleep } from './retry';
import { NodeResponseHeaders, type ResponseHeaders } from './responseHeaders';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpRequest {
  service: ServiceName;
  method: HttpMethod;
  url: string;
  /** Token audience; the request is sent without a token when absent. */
  resource?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** A JSON body too large to hold in memory, streamed with its exact length (solution uploads). */
  streamBody?: { chunks: () => AsyncIterable<Uint8Array>; length: number };
  /**
   * A body already serialized, sent as these bytes in one write: a stream of them would be written
   * a socket buffer at a time, each waiting for a turn of the event loop while the caller works.
   */
  bytes?: Buffer;
  /** Reads a successful response's body as a stream (large downloads); its result becomes `body`. */
  consume?: (body: AsyncIterable<Uint8Array>) => Promise<unknown>;
  /**
   * Whether sending the request twice is harmless. Defaults to true for GET, PUT and DELETE and false
   * for POST and PATCH. A request that starts work must leave this false: it is then never repeated
   * after a failure whose outcome is unknown (docs/service-notes.md#errors-limits-and-retries).
   */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Throttling (429) that the client's own attempts and Retry-After limit would give up on is waited
   * out until this time (epoch ms), at least the base delay between tries; those waits use up none
   * of the request's own retries.
   */
  throttleDeadline?: number;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: ResponseHeaders;
  body: T;
  correlationId?: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is returned with the advice instead. */
  maxRetryAfterMs: number;
}

export interface HttpClientOptions {
  tokens?: TokenProvider;
  logger: Logger;
  userAgent: string;
  /** Requests in flight per host. Dataverse allows 52 concurrent requests per user. */
  perHostConcurrency?: number;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Extra trusted CA certificates (PEM), added to Node's roots. Used for the loopback sandbox. */
  extraCaCerts?: string[];
  /**
   * Builds the trust (Node's roots and the extra certificates) anew for every connection, as this
   * client did before: only for the benchmark's baseline (bench/tls-context.ts).
   */
  trustPerConnection?: boolean;
  /**
   * Says why a URL may not be sent a request (with the token of `resource` when given), or undefined
   * when it may. Every request passes it before a token is fetched or a byte is sent.
   */
  hostPolicy?: (url: string, resource: string | undefined) => string | undefined;
  /** Counts every attempt, its status, duration and Dataverse's remaining budget, and every retry. */
  metrics?: Metrics;
  /** Replaceable for tests that check the waits without waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock a request's throttleDeadline is read against (epoch ms); replaceable with `sleep`. */
  now?: () => number;
  random?: () => number;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 20_000, maxRetryAfterMs: 120_000 };
const TRANSIENT_STATUS = new Set([408, 500, 502, 503, 504]);

/**
 * The one way this product talks HTTP. It owns tokens, retries, Retry-After, per-host concurrency,
 * timeouts, cancellation and error decoding, so service clients only describe requests.
 */
export class HttpClient {
  readonly sessionId = randomUUID();
  private readonly dispatcher: Dispatcher;
  private readonly limiter: HostLimiter;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: HttpClientOptions) {
    this.dispatcher = new Agent({ keepAliveTimeout: 30_000, connect: trustOptions(options) });
    this.limiter = new HostLimiter(options.perHostConcurrency ?? 52);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 100_000;
    this.wait = options.sleep ?? sleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Sends a request and returns the decoded body; throws PlatformError for anything but 2xx. */
  async send<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>> {
    const idempotent = request.idempotent ?? (request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE');
    if (request.signal) shareSignal(request.signal);
    const refusal = this.options.hostPolicy?.(request.url, request.resource);
    if (refusal) throw untrustedHost(request, refusal);
    const host = new URL(request.url).host;
    let refreshedToken = false;
    let waitedMs = 0;
    // Waits for throttling past the client's own limits, allowed by the caller's deadline.
    let patientWaits = 0;
    for (let attempt = 1; ; attempt++) {
      const counted = attempt - patientWaits;
      const clientRequestId = randomUUID();
      let response: Answer;
      try {
        response = await this.limiter.run(host, () => this.attempt(request, clientRequestId), request.signal);
      } catch (error) {
        if (request.signal?.aborted) throw canceled(request, clientRequestId);
        // Sign-in failed before the request went out; the identity calls had their own retries.
        if (error instanceof PlatformError) throw error;
        // The body of an upload could not be read from disk: a local problem, not a network one.
        if (isLocalFileError(error)) throw error;
        const failure = transportFailure(request, error, clientRequestId, idempotent);
        if (!idempotent || counted >= this.retry.maxAttempts) throw failure;
        const delay = backoffDelay(counted, this.retry.baseDelayMs, this.retry.maxDelayMs, this.random);
        this.options.logger.debug(`${request.method} ${safeUrl(request.url)} failed (${failure.code}); retry ${attempt} in ${delay} ms`);
        this.options.metrics?.retry(request.service, request.url, delay);
        await this.pause(delay, request);
        continue;
      }

      const correlationId = correlationIdFrom(response.headers, clientRequestId);
      if (response.status >= 200 && response.status < 300) {
        const body = await this.readSuccess(request, response, clientRequestId, idempotent);
        return { status: response.status, headers: response.headers, body: body as T, correlationId };
      }

      const body = await readBody(response).catch(() => undefined);
      if (response.status === 401 && request.resource && this.options.tokens && !refreshedToken) {
        refreshedToken = true; // a 401 means the request was not processed: fetch a fresh token once
        this.options.tokens.invalidate(request.resource);
        continue;
      }
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      // 429 means the service refused the request before doing anything, so even a start may be sent
      // again. Every other failure is repeated only for idempotent requests.
      const retryable = response.status === 429 || (idempotent && TRANSIENT_STATUS.has(response.status));
      const delay = retryAfter ?? backoffDelay(counted, this.retry.baseDelayMs, this.retry.maxDelayMs, this.random);
      const withinPolicy =
        retryable &&
        counted < this.retry.maxAttempts &&
        delay <= this.retry.maxRetryAfterMs &&
        waitedMs + delay <= this.retry.maxRetryAfterMs;
      // A Retry-After of 0 repeated past the client's attempts would otherwise send one request after another.
      const patientDelay = Math.max(delay, this.retry.baseDelayMs);
      const patient =
        !withinPolicy &&
        response.status === 429 &&
        request.throttleDeadline !== undefined &&
        this.now() + patientDelay <= request.throttleDeadline;
      if (withinPolicy || patient) {
        const wait = patient ? patientDelay : delay;
        this.options.logger.debug(`${request.method} ${safeUrl(request.url)} -> ${response.status}; retry ${attempt} in ${wait} ms`);
        if (patient) patientWaits++;
        else waitedMs += delay;
        this.options.metrics?.retry(request.service, request.url, wait);
        await this.pause(wait, request);
        continue;
      }
      throw serviceError(request.service, response.status, body, correlationId, retryAfter, attempt);
    }
  }

  /** A plain request with this client's trust, timeout and cancellation, but no token and no retries (for MSAL). */
  async fetchRaw(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
  ): Promise<Response> {
    const signal = AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs);
    const started = performance.now();
    let response: Response;
    try {
      const { method, headers, body } = init;
      response = await fetch(url, { method, headers, body, signal, dispatcher: this.dispatcher });
    } catch (error) {
      this.options.metrics?.request('identity', url, 0, performance.now() - started);
      throw error;
    }
    this.options.metrics?.request('identity', url, response.status, performance.now() - started);
    return response;
  }

  /**
   * fetchRaw for a request that is safe to repeat (sign-in's token requests): 429, 408, 500 and
   * 502-504 answers and dropped connections are retried as for any idempotent request, after their
   * Retry-After or with backoff. Returns the last answer and the attempts made; throws the last
   * transport error, with `attempts` on it.
   */
  async fetchRetrying(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
  ): Promise<{ response: Response; attempts: number }> {
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchRaw(url, init);
      } catch (error) {
        if (attempt >= this.retry.maxAttempts) throw Object.assign(error as Error, { attempts: attempt });
        const delay = backoffDelay(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs, this.random);
        this.options.logger.debug(
          `${init.method} ${safeUrl(url)} failed (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}); retry ${attempt} in ${delay} ms`,
        );
        this.options.metrics?.retry('identity', url, delay);
        await this.wait(delay);
        continue;
      }
      if (response.status !== 429 && !TRANSIENT_STATUS.has(response.status)) return { response, attempts: attempt };
      const delay =
        parseRetryAfter(response.headers.get('retry-after')) ??
        backoffDelay(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs, this.random);
      if (attempt >= this.retry.maxAttempts || waitedMs + delay > this.retry.maxRetryAfterMs) return { response, attempts: attempt };
      await response.arrayBuffer().catch(() => undefined);
      this.options.logger.debug(`${init.method} ${safeUrl(url)} -> ${response.status}; retry ${attempt} in ${delay} ms`);
      waitedMs += delay;
      this.options.metrics?.retry('identity', url, delay);
      await this.wait(delay);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * One request with undici's request(): it costs a fraction of fetch() per request, and it waits for
   * the socket to drain while it sends a streamed body, where fetch() reads the body ahead into memory.
   * The time limit is undici's: for the answer's headers (a streamed upload restarts it with every
   * chunk sent) and between chunks of the body, so a slow large download is not cut short.
   */
  private async attempt(request: HttpRequest, clientRequestId: string): Promise<Answer> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent,
      'x-ms-client-request-id': clientRequestId,
      'x-ms-client-session-id': this.sessionId,
      ...request.headers,
    };
    if (request.body !== undefined || request.streamBody || request.bytes) headers['content-type'] ??= 'application/json';
    if (request.streamBody) headers['content-length'] = String(request.streamBody.length);
    if (request.resource && this.options.tokens) {
      headers.authorization = `Bearer ${await this.options.tokens.getToken(request.resource, request.signal)}`;
    }
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const ended = this.options.metrics?.tracing?.request(request.service, request.method, request.url, headers);
    const started = performance.now();
    let answer: Dispatcher.ResponseData;
    try {
      answer = await undiciRequest(request.url, {
        method: request.method,
        headers,
        body: bodyOf(request),
        signal: request.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      // A request the caller cancelled is not the service's failure.
      if (!request.signal?.aborted) this.options.metrics?.request(request.service, request.url, 0, performance.now() - started);
      ended?.(0);
      throw error;
    }
    const response: Answer = { status: answer.statusCode, headers: new NodeResponseHeaders(answer.headers), body: answer.body };
    ended?.(response.status);
    const elapsed = performance.now() - started;
    this.options.metrics?.request(request.service, request.url, response.status, elapsed, response.headers);
    this.options.logger.debug(`${request.method} ${safeUrl(request.url)} -> ${response.status} in ${Math.round(elapsed)} ms`);
    return response;
  }

  /** A successful answer's body, decoded or given to `consume`; a failure while it arrives is a transport failure. */
  private async readSuccess(request: HttpRequest, response: Answer, clientRequestId: string, idempotent: boolean): Promise<unknown> {
    try {
      return request.consume ? await request.consume(response.body) : await readBody(response);
    } catch (error) {
      response.body.destroy();
      if (request.signal?.aborted) throw canceled(request, clientRequestId);
      if (error instanceof PlatformError || isLocalFileError(error) || !isTransportError(error)) throw error;
      throw transportFailure(request, error, clientRequestId, idempotent);
    }
  }

  private async pause(ms: number, request: HttpRequest): Promise<void> {
    try {
      await this.wait(ms, request.signal);
    } catch {
      throw canceled(request);
    }
  }
}

/**
 * The last trust built, kept for the next client: parsing Node's root certificates costs about 35 ms
 * of CPU, and a process builds its clients again with the same extra certificates (a new sign-in, a
 * sandbox started again). A secure context is never changed once made, so clients may share it.
 */
let lastTrust: { key: string; context: SecureContext } | undefined;

/**
 * The TLS trust for extra CA certificates, built once and shared by the connections: passing `ca`
 * instead makes Node parse its 140-odd roots again for each new connection, which costs tens of
 * milliseconds of CPU and about 1 MB each.
 */
function trustOptions(options: HttpClientOptions): { ca: string[] } | { secureContext: SecureContext } | undefined {
  const extra = options.extraCaCerts;
  if (!extra?.length) return undefined;
  const ca = [...rootCertificates, ...extra];
  if (options.trustPerConnection) return { ca };
  const key = extra.join('\n');
  if (lastTrust?.key !== key) lastTrust = { key, context: createSecureContext({ ca }) };
  return { secureContext: lastTrust.context };
}

/** A `consume` that keeps a response's bytes (a zip, a file column): for bodies small enough to hold. */
export async function collectBody(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * One tool call's signal goes with all its requests: each one waiting for its turn on the host and
 * each one in flight listens to it (undici's own listener included), far beyond Node's default of
 * 10 before it warns of a leak. The listeners end with their requests.
 */
function shareSignal(signal: AbortSignal): void {
  setMaxListeners(0, signal);
}

/** A response as the client reads it: the body must be read or destroyed, or the connection stays taken. */
interface Answer {
  status: number;
  headers: ResponseHeaders;
  body: Dispatcher.ResponseData['body'];
}

async function readBody(response: Answer): Promise<unknown> {
  if (response.status === 204) {
    await response.body.dump();
    return undefined;
  }
  const text = await response.body.text();
  if (!text) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function serviceError(
  service: ServiceName,
  status: number,
  body: unknown,
  correlationId: string | undefined,
  retryAfterMs: number | undefined,
  attempts: number,
): PlatformError {
  const decoded = decodeErrorBody(body);
  const code = decoded?.code || (status === 409 && !body ? 'Conflict' : '');
  const message = decoded?.message || (typeof body === 'string' && body.length < 300 ? body : '') || defaultMessage(status);
  let hint = hintFor(service, status, code, message);
  if (status === 429 && retryAfterMs !== undefined)
    hint = `The service asks to wait ${Math.ceil(retryAfterMs / 1000)} s before trying again.`;
  if (attempts > 1 && hint) hint += ` (${attempts} attempts were made.)`;
  return new PlatformError({ service, status, code, message, correlationId, hint, retryAfterMs, details: decoded?.details });
}

/** undici's codes for an answer that did not come in time. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** An error of the connection or of undici itself, rather than of the code reading the body. */
function isTransportError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('UND_ERR') || code.startsWith('ECONN') || code === 'EPIPE');
}

function transportFailure(request: HttpRequest, error: unknown, clientRequestId: string, idempotent: boolean): PlatformError {
  const code = (error as { code?: unknown })?.code;
  const timedOut = (error instanceof DOMException && error.name === 'TimeoutError') || TIMEOUT_CODES.has(String(code));
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail =
    cause?.code ?? cause?.message ?? (typeof code === 'string' ? code : undefined) ?? (error as Error)?.message ?? 'unknown error';
  const host = new URL(request.url).host;
  return new PlatformError({
    service: request.service,
    status: 0,
    code: timedOut ? 'Timeout' : 'NetworkError',
    message: timedOut ? `No answer from ${host} within the time limit.` : `The connection to ${host} failed (${detail}).`,
    correlationId: clientRequestId,
    outcomeUnknown: !idempotent,
    hint: idempotent
      ? 'Check the network and that the service URL is right, then try again.'
      : 'The request may have reached the service and started its work. Check the current state before trying again; do not simply repeat it.',
  });
}

function untrustedHost(request: HttpRequest, reason: string): PlatformError {
  return new PlatformError({
    service: request.service,
    status: 0,
    code: 'UntrustedHost',
    message: `A ${request.method} request to ${safeUrl(request.url)} was refused: ${reason}. Nothing was sent to it.`,
    hint: 'Use an environment of this tenant (pp_list_environments) and check the cloud setting (POWERPLATFORM_CLOUD). Links from a service must point at its own hosts.',
  });
}

/** Codes only the file system gives; a file error also names its path. Network errors have neither. */
const FILE_ONLY_CODES = new Set([
  'EISDIR',
  'ENOTDIR',
  'ENOENT',
  'ENAMETOOLONG',
  'ELOOP',
  'EMFILE',
  'ENFILE',
  'EFBIG',
  'ERR_FS_FILE_TOO_LARGE',
]);

function isLocalFileError(error: unknown): boolean {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  return Boolean((code && FILE_ONLY_CODES.has(code)) || path);
}

function canceled(request: HttpRequest, clientRequestId?: string): PlatformError {
  return new PlatformError({
    service: request.service,
    status: 0,
    code: 'Canceled',
    message: `${request.method} ${safeUrl(request.url)} was canceled by the caller.`,
    correlationId: clientRequestId,
  });
}

function defaultMessage(status: number): string {
  return `The service answered HTTP ${status} without details.`;
}

/** The URL without a user name, password or query values that could carry a secret (SAS signatures and the like). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = 'redacted';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()])
      if (/sig|token|secret|key|password|pwd|code|credential/i.test(key)) u.searchParams.set(key, 'redacted');
    return u.toString();
  } catch {
    return '[invalid url]';
  }
}

/** What undici sends for a request: its bytes, its stream, or its JSON. */
function bodyOf(request: HttpRequest): Buffer | Readable | string | undefined {
  if (request.bytes) return request.bytes;
  if (request.streamBody) return Readable.from(request.streamBody.chunks());
  return request.body === undefined ? undefined : JSON.stringify(request.body);
}
