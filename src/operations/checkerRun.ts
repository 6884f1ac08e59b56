import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PlatformError } from '../platform/errors';
import { collectBody } from '../platform/http';
import type { Services } from '../services';
import { ZipReader } from '../solutions/zipReader';
import type { JobEnding } from './dataverseJob';
import type { OperationRecord } from './record';

export interface CheckerIssue {
  rule: string;
  severity: string;
  message: string;
  file: string | null;
  line: number | null;
}

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Informational'] as const;

/**
 * The step after an analysis finishes: download the result zip (a SAS link, sent without a token),
 * write its SARIF report to the file asked for, and sum the issues up by severity.
 */
export async function finishCheckerRun(
  record: OperationRecord,
  status: Record<string, unknown>,
  services: Services,
  signal?: AbortSignal,
): Promise<JobEnding> {
  const summary = (status.issueSummary ?? {}) as Record<string, number>;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, Number(summary[`${s.toLowerCase()}IssueCount`] ?? 0)]));
  const uri = (status.resultFileUris as string[] | undefined)?.[0];
  const base = { status: status.status, bySeverity, total: Object.values(bySeverity).reduce((a, b) => a + b, 0) };
  if (!uri) return { result: { ...base, file: null, issues: [] } };
  let report: Buffer | undefined;
  try {
    report = await downloadReport(uri, services, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    // The analysis is done and its counts are known: the run ends, without the file, saying why.
    const why =
      error instanceof PlatformError ? `${error.message}${error.status ? ` (HTTP ${error.status})` : ''}` : (error as Error).message;
    return {
      result: {
        ...base,
        file: null,
        issues: [],
        reportError: `The analysis finished, but its report could not be downloaded: ${why} The counts above are the service's; run the check again for the SARIF file.`,
      },
    };
  }
  if (!report)
    return {
      error: { code: 'NoReport', message: 'The checker finished, but its result holds no SARIF report.', hint: 'Run the check again.' },
    };
  const file = String(record.details?.file);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.partial-${process.pid}`, report);
    await rename(`${file}.partial-${process.pid}`, file);
  } catch (error) {
    return {
      error: {
        code: 'FileWriteFailed',
        message: `The check finished, but ${file} could not be written: ${(error as Error).message}`,
        hint: 'Choose another path and run the check again.',
      },
    };
  }
  const issues = issuesOf(report);
  return { result: { ...base, file, bytes: report.length, issues: issues.slice(0, ISSUES_LISTED), issuesInReport: issues.length } };
}

/**
 * Issues a result lists, worst first: it is kept with the operation and read by models, while a
 * large solution can have thousands (the SARIF file has them all).
 */
const ISSUES_LISTED = 100;

/** The SARIF member of the result zip (a SAS link, sent without a token); undefined when the zip has none. */
async function downloadReport(uri: string, services: Services, signal?: AbortSignal): Promise<Buffer | undefined> {
  const response = await services.http.send<Buffer>({ service: 'checker', method: 'GET', url: uri, signal, consume: collectBody });
  const zip = await ZipReader.fromBuffer(response.body, 'the checker result');
  try {
    const name = zip.names().find((n) => n.toLowerCase().endsWith('.sarif') || n.toLowerCase().endsWith('.json'));
    return name ? await zip.read(name) : undefined;
  } finally {
    zip.close();
  }
}

/** The parts of a SARIF log the checker writes that we read; any of them may be missing. */
interface SarifText {
  text?: string;
}
interface SarifRule {
  id?: string;
  properties?: { severity?: string } | null;
  shortDescription?: SarifText | null;
}
interface SarifResult {
  ruleId?: string;
  level?: string;
  message?: SarifText | null;
  properties?: { severity?: string } | null;
  locations?: ({
    physicalLocation?: { artifactLocation?: { uri?: string } | null; region?: { startLine?: number } | null } | null;
  } | null)[];
}
interface SarifLog {
  runs?: ({ tool?: { driver?: { rules?: SarifRule[] } | null } | null; results?: (SarifResult | null)[] } | null)[];
}

/** The results of a SARIF report, worst first. */
export function issuesOf(report: Buffer): CheckerIssue[] {
  let sarif: SarifLog | null;
  try {
    sarif = JSON.parse(report.toString('utf8').replace(/^\uFEFF/, '')) as SarifLog | null;
  } catch {
    return [];
  }
  const issues: CheckerIssue[] = [];
  for (const run of sarif?.runs ?? []) {
    const rules = new Map<string | undefined, SarifRule>((run?.tool?.driver?.rules ?? []).map((r) => [r.id, r]));
    for (const result of run?.results ?? []) {
      const location = result?.locations?.[0]?.physicalLocation;
      issues.push({
        rule: String(result?.ruleId ?? ''),
        severity: String(result?.properties?.severity ?? rules.get(result?.ruleId)?.properties?.severity ?? result?.level ?? 'Unknown'),
        message: String(result?.message?.text ?? rules.get(result?.ruleId)?.shortDescription?.text ?? ''),
        file: location?.artifactLocation?.uri ?? null,
        line: location?.region?.startLine ?? null,
      });
    }
  }
  const rank = (s: string) => {
    const index = SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);
    return index < 0 ? SEVERITIES.length : index;
  };
  return issues.sort((a, b) => rank(a.severity) - rank(b.severity));
}
