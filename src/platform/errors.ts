import type { ResponseHeaders } from './responseHeaders';
/**
 * One error type for every service call. It carries what a person or a model needs to act:
 * what the service said, its code, the correlation id to quote to support, and what to do next.
 * It never carries request headers, tokens or bodies we sent.
 */
export type ServiceName = 'bap' | 'powerplatform' | 'dataverse' | 'identity' | 'checker';

export interface PlatformErrorFields {
  service: ServiceName;
  /** HTTP status, or 0 when no response arrived (network failure, timeout). */
  status: number;
  /** Service error code: BAP code, Dataverse HRESULT, PPAPI errorDetail.code, or our own for transport failures. */
  code: string;
  message: string;
  correlationId?: string;
  hint?: string;
  /** True when the request may have reached the service and started work (no response was read). */
  outcomeUnknown?: boolean;
  /** How long the service asked to wait before trying again (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** What else the service said: a Dataverse plug-in's trace text, the help link, the sub-code. */
  details?: string[];
}

export class PlatformError extends Error {
  override name = 'PlatformError';
  readonly service: ServiceName;
  readonly status: number;
  readonly code: string;
  readonly correlationId?: string;
  readonly hint?: string;
  readonly outcomeUnknown: boolean;
  readonly retryAfterMs?: number;
  readonly details?: string[];

  constructor(fields: PlatformErrorFields) {
    super(fields.message);
    this.service = fields.service;
    this.status = fields.status;
    this.code = fields.code;
    this.correlationId = fields.correlationId;
    this.hint = fields.hint;
    this.outcomeUnknown = fields.outcomeUnknown ?? false;
    this.retryAfterMs = fields.retryAfterMs;
    this.details = fields.details?.length ? fields.details : undefined;
  }

  /** A short, complete account for a tool result: what happened, the ids, what to do next. */
  describe(): string {
    const where = SERVICE_LABEL[this.service];
    const status = this.status ? ` (HTTP ${this.status}${this.code ? `, ${this.code}` : ''})` : this.code ? ` (${this.code})` : '';
    const lines = [`${where} error${status}: ${this.message}`, ...(this.details ?? [])];
    if (this.correlationId) lines.push(`Correlation id: ${this.correlationId}`);
    if (this.hint) lines.push(`What to do: ${this.hint}`);
    return lines.join('\n');
  }

  /** What the service said as one clause to quote in a sentence: "No capacity (correlation id c-1)", no end stop. */
  said(): string {
    const message = this.message.trim().replace(/\.$/, '');
    return this.correlationId ? `${message} (correlation id ${this.correlationId})` : message;
  }

  toJSON(): PlatformErrorFields {
    return {
      service: this.service,
      status: this.status,
      code: this.code,
      message: this.message,
      correlationId: this.correlationId,
      hint: this.hint,
      outcomeUnknown: this.outcomeUnknown || undefined,
      details: this.details,
    };
  }
}

const SERVICE_LABEL: Record<ServiceName, string> = {
  bap: 'Power Platform admin (BAP)',
  powerplatform: 'Power Platform API',
  dataverse: 'Dataverse',
  identity: 'Sign-in (Entra ID)',
  checker: 'Solution checker',
};

/** Response headers that services use for a support correlation id, most specific first. */
const CORRELATION_HEADERS = ['x-ms-correlation-id', 'x-ms-service-request-id', 'x-ms-request-id', 'request-id', 'x-ms-activity-id'];

export function correlationIdFrom(headers: ResponseHeaders, fallback?: string): string | undefined {
  for (const name of CORRELATION_HEADERS) {
    const value = headers.get(name);
    if (value) return value;
  }
  return fallback;
}

interface DecodedBody {
  code: string;
  message: string;
  details?: string[];
}

/** Trace text beyond this is cut: the start says where the plug-in failed. */
const MAX_TRACE_CHARACTERS = 2000;

/**
 * A Dataverse error code as Dataverse shows it (0x80040216), from the signed or unsigned number of an
 * HRESULT (asyncoperations.errorcode, the SubErrorCode annotation) or a code that is already hex.
 */
export function hexCode(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value.trim())) return value.trim().toLowerCase();
  const number = Number(value);
  if (!Number.isInteger(number) || number < -0x80000000 || number > 0xffffffff) return String(value);
  return `0x${(number >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * What Dataverse adds to an error when asked with Prefer: odata.include-annotations="*" (docs/service-notes.md#errors-limits-and-retries).
 */
function dataverseErrorDetails(error: DataverseError): string[] {
  const details: string[] = [];
  const subCode = hexCode(error['@Microsoft.PowerApps.CDS.ErrorDetails.SubErrorCode']);
  if (subCode && subCode !== hexCode(error.code)) details.push(`Sub-code: ${subCode}`);
  const trace = String(error['@Microsoft.PowerApps.CDS.TraceText'] ?? '').trim();
  if (trace) details.push(`Plug-in trace: ${trace.length > MAX_TRACE_CHARACTERS ? `${trace.slice(0, MAX_TRACE_CHARACTERS)} …` : trace}`);
  const help = error['@Microsoft.PowerApps.CDS.HelpLink'];
  if (typeof help === 'string' && help) details.push(`Help: ${help}`);
  return details;
}

/** One field's entry in a PPAPI validation error's `fieldErrors`. */
interface FieldError {
  errorMessages?: unknown;
  suggestedValue?: string;
}

/** The `error` object of a BAP or Dataverse error body, with the annotations Dataverse adds. */
interface DataverseError {
  code?: string | number;
  message?: string;
  '@Microsoft.PowerApps.CDS.InnerError.Message'?: string;
  '@Microsoft.PowerApps.CDS.ErrorDetails.SubErrorCode'?: string | number;
  '@Microsoft.PowerApps.CDS.TraceText'?: string;
  '@Microsoft.PowerApps.CDS.HelpLink'?: string;
}

/** The top-level fields of an error body: `error` (object or OAuth code), PPAPI appmanagement, RFC 7807 and OAuth. */
interface OtherErrorFields {
  errorCode?: string;
  errorName?: string;
  message?: string;
  title?: string;
  detail?: string;
  type?: string;
  error?: unknown;
  error_description?: string;
}

/**
 * Reads the error shapes of the three API families (docs/service-notes.md#errors-limits-and-retries):
 * `{error:{code,message}}` (BAP, Dataverse), `{errorDetail:{code,fieldErrors}}` (PPAPI validation),
 * `{errorCode,errorName,message}` (PPAPI appmanagement), RFC 7807 problem details, and OAuth errors.
 */
export function decodeErrorBody(body: unknown): DecodedBody | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as OtherErrorFields & { errorDetail?: unknown };
  if (b.error && typeof b.error === 'object') {
    const error = b.error as DataverseError;
    const inner = error['@Microsoft.PowerApps.CDS.InnerError.Message'];
    const message = String(error.message ?? '') || String(inner ?? '');
    return { code: String(error.code ?? ''), message, details: dataverseErrorDetails(error) };
  }
  if (b.errorDetail && typeof b.errorDetail === 'object') {
    const errorDetail = b.errorDetail as { message?: string; code?: string; fieldErrors?: Record<string, FieldError | null> | null };
    const fields = Object.entries(errorDetail.fieldErrors ?? {}).map(([field, detail]) => {
      const messages = Array.isArray(detail?.errorMessages) ? detail.errorMessages.join(' ') : '';
      const suggestion = detail?.suggestedValue ? ` (suggested value: ${detail.suggestedValue})` : '';
      return `${field}: ${messages}${suggestion}`;
    });
    const message = [errorDetail.message, ...fields].filter(Boolean).join('; ');
    return { code: String(errorDetail.code ?? ''), message: message || 'The request was not valid.' };
  }
  if (typeof b.errorCode === 'string' || typeof b.errorName === 'string') {
    return { code: String(b.errorName ?? b.errorCode), message: String(b.message ?? '') };
  }
  if (typeof b.title === 'string' && 'status' in b) {
    return { code: String(b.type ?? ''), message: [b.title, b.detail].filter(Boolean).join(': ') };
  }
  if (typeof b.error === 'string') {
    return { code: b.error, message: String(b.error_description ?? b.error).split('\r\n')[0] ?? '' };
  }
  return undefined;
}

/** What to do next, by service, status and code. Specific codes first, then the status. */
export function hintFor(service: ServiceName, status: number, code: string, message: string): string | undefined {
  switch (code) {
    case 'EnvironmentNotFound':
    case 'ServiceToServiceEnvironmentNotFound':
      return 'Check the environment id, name or URL with pp_list_environments.';
    case 'OperationNotStartable':
      return 'Another lifecycle operation is running on this environment. Wait for it to finish (pp_get_environment shows it), then try again.';
    case 'InsufficientCapacity_StorageDriven':
      return 'The tenant needs more Dataverse database capacity. Free capacity or buy more; retrying will not help.';
    case '0x80072560':
      return 'The signed-in account is not a user of this Dataverse environment. Add it (for a service principal: as an application user with a security role), then try again. A new environment can take up to 10 minutes before it accepts a service principal.';
    case 'InvalidApiVersion':
      return 'The service rejected the api-version. Please report this with the correlation id.';
  }
  if (service === 'bap' && status === 403 && /does not have permission to access the path/i.test(message)) {
    return 'Register the application as a Power Platform management application (an admin runs: pac admin application register --application-id <app id>), or sign in as a Power Platform administrator.';
  }
  if (status === 401)
    return 'The token was refused. Check the credentials and tenant, and that the account or app has access to this service; then sign in again.';
  if (status === 403)
    return 'The account is signed in but lacks the permission for this operation. Use an account with the admin or security role the operation needs.';
  if (status === 404) return 'The resource was not found. Check the id or name.';
  if (status === 409) return 'The resource is in a state that conflicts with this request. Check its current state, then try again.';
  if (status === 429) return 'The service protection limit was reached and retries ran out. Wait a few minutes, then try again.';
  if (status >= 500) return 'The service had a problem. Try again later; if it persists, give the correlation id to Microsoft support.';
  return undefined;
}
