export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  const v = value?.toLowerCase();
  return v && v in ORDER ? (v as LogLevel) : fallback;
}

/**
 * Masks what must never reach a log even by mistake: bearer tokens, JWTs, a user name and password in
 * a URL (https://user:password@host), secrets in query strings or form bodies, and SAS signatures.
 */
export function redact(text: string): string {
  return text
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]')
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi, '$1[redacted]@')
    .replace(
      /(\b(?:client_secret|client_assertion|secret|password|passwd|pwd|sig|signature|access_token|refresh_token|id_token|token|code|api[-_]?key|key)=)[^&\s"']+/gi,
      '$1[redacted]',
    );
}

/** Writes to a sink (stderr by default: stdout belongs to the MCP protocol in stdio mode). */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const emit = (at: LogLevel) => (message: string) => {
    if (ORDER[at] <= ORDER[level]) write(`[power-agent-mcp] ${at}: ${redact(message)}`);
  };
  return { error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug') };
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
