import type * as vscode from 'vscode';
import { parseLogLevel, redact, type LogLevel, type Logger } from '../log';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The product's Logger on a VS Code LogOutputChannel, filtered by the powerAgent.logLevel setting. */
export function channelLogger(channel: vscode.LogOutputChannel, level: () => string): Logger {
  const enabled = (wanted: LogLevel) => ORDER[wanted] <= ORDER[parseLogLevel(level())];
  return {
    error: (m) => enabled('error') && channel.error(redact(m)),
    warn: (m) => enabled('warn') && channel.warn(redact(m)),
    info: (m) => enabled('info') && channel.info(redact(m)),
    debug: (m) => enabled('debug') && channel.debug(redact(m)),
  };
}
