import { randomUUID } from 'node:crypto';
import { childElements as elements, firstChild as child, readXml as parseXml, textIn as textOf } from './xmlDom';
import { writeZipMembers as zipToBuffer } from './zipFiles';
import { json, jsonBody, type Reply, type SandboxRequest } from './http';
import { InvalidPackageError, readSolutionPackage } from './solutions/package';

export const CHECKER_AUDIENCE = 'https://api.advisor.powerapps.com';
const SOLUTION_CHECKER_RULESET = '0ad12346-e108-40b8-a956-9a8f95ea18c9';
const APPSOURCE_RULESET = '083a2ef5-7e0e-4754-9d88-9455142dc08b';
const MAX_UPLOAD_BYTES = 30 * 1024 * 1024;
/** How long an analysis takes at time scale 1 (the service takes 1-5 minutes; docs/service-notes.md#checker). */
const ANALYSIS_SECONDS = 60;

type Severity = 'Critical' | 'High' | 'Medium' | 'Low' | 'Informational';

/** A few of the checker's JavaScript rules, found by pattern in web resources. */
const RULES: Array<{ id: string; severity: Severity; text: string; pattern: RegExp }> = [
  { id: 'web-avoid-eval', severity: 'High', text: "Don't use the 'eval' function or its functional equivalents.", pattern: /\beval\s*\(/ },
  {
    id: 'web-avoid-crm2011-service-odata',
    severity: 'High',
    text: "Don't target the Microsoft Dynamics CRM 2011 OData 2.0 endpoint.",
    pattern: /XRMServices\/2011\/OrganizationData\.svc/,
  },
  {
    id: 'web-use-async',
    severity: 'Medium',
    text: 'Interact with HTTP and HTTPS resources asynchronously.',
    pattern: /\.open\s*\([^)]*,\s*false\s*\)/,
  },
  { id: 'web-use-client-context', severity: 'Medium', text: 'Use client context: Xrm.Page is deprecated.', pattern: /\bXrm\.Page\b/ },
];

interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  uri: string;
  line: number;
}

interface Run {
  id: string;
  correlationId: string;
  startedAt: number;
  durationMs: number;
  solution: string;
  findings?: Finding[];
  failure?: string;
}

/**
 * The PowerApps Checker API (docs/service-notes.md#checker) under `<sandbox>/advisor`: upload to a blob, analyze with a
 * correlation id used once, status 202 then 200 with an issue summary, and a SARIF report in a zip.
 */
export class CheckerService {
  private readonly blobs = new Map<string, Buffer>();
  private readonly runs = new Map<string, Run>();
  private readonly correlationIds = new Set<string>();

  constructor(
    private readonly baseUrl: string,
    private readonly timeScale: () => number,
  ) {}

  /** Whether a path is the checker's, and whether it needs a token (blobs and results are SAS links). */
  static route(path: string): 'api' | 'sas' | undefined {
    if (/^\/advisor\/api\//i.test(path)) return 'api';
    if (/^\/advisor\/(blobs|results)\//i.test(path)) return 'sas';
    return undefined;
  }

  async handle(request: SandboxRequest): Promise<Reply> {
    const path = request.url.pathname;
    const base = `${this.baseUrl}/advisor`;
    let match: RegExpExecArray | null;
    if (request.method === 'GET' && /^\/advisor\/api\/ruleset$/i.test(path)) {
      return json(200, [
        { id: SOLUTION_CHECKER_RULESET, name: 'Solution Checker' },
        { id: APPSOURCE_RULESET, name: 'AppSource Certification' },
      ]);
    }
    if (request.method === 'POST' && /^\/advisor\/api\/upload$/i.test(path)) {
      const file = multipartFile(request);
      if (!file) return json(400, { error: { code: 'BadRequest', message: 'The request must be multipart/form-data with one file.' } });
      if (file.length > MAX_UPLOAD_BYTES)
        return json(413, {
          error: {
            code: 'RequestEntityTooLarge',
            message: 'Files over 30 MB must be uploaded to your own blob storage and passed as a SAS URI.',
          },
        });
      const id = randomUUID();
      this.blobs.set(id, file);
      return json(200, [`${base}/blobs/${id}.zip?sv=2021-08-06&sr=b&sig=sandbox`]);
    }
    if (request.method === 'POST' && /^\/advisor\/api\/analyze$/i.test(path)) return this.analyze(request, base);
    if (request.method === 'GET' && (match = /^\/advisor\/api\/status\/([0-9a-f-]{36})$/i.exec(path))) {
      const run = this.runs.get(match[1]!.toLowerCase());
      if (!run) return json(404, { error: { code: 'NotFound', message: `No analysis ${match[1]}.` } });
      const location = `${base}/api/status/${run.id}?api-version=1.0`;
      const elapsed = Date.now() - run.startedAt;
      if (elapsed < run.durationMs)
        return json(
          202,
          { status: 'InProgress', progress: Math.floor((elapsed / run.durationMs) * 100), runCorrelationId: run.correlationId },
          { location },
        );
      if (run.failure)
        return json(200, {
          status: 'Failed',
          progress: 100,
          runCorrelationId: run.correlationId,
          resultFileUris: [],
          issueSummary: summary([]),
          error: run.failure,
        });
      return json(200, {
        privacyPolicy: 'https://go.microsoft.com/fwlink/?LinkID=310140',
        progress: 100,
        runCorrelationId: run.correlationId,
        status: 'Finished',
        resultFileUris: [`${base}/results/${run.id}.zip?sv=2021-08-06&sr=b&sig=sandbox`],
        issueSummary: summary(run.findings ?? []),
      });
    }
    if (request.method === 'GET' && (match = /^\/advisor\/results\/([0-9a-f-]{36})\.zip$/i.exec(path))) {
      const run = this.runs.get(match[1]!.toLowerCase());
      if (!run?.findings) return json(404, { error: { code: 'BlobNotFound', message: 'The specified blob does not exist.' } });
      return {
        status: 200,
        headers: { 'content-type': 'application/zip' },
        body: await zipToBuffer([{ name: `${run.solution}.sarif`, data: Buffer.from(JSON.stringify(sarif(run.findings), null, 2)) }]),
      };
    }
    return json(404, { error: { code: 'NotFound', message: `No route for ${request.method} ${path}.` } });
  }

  private async analyze(request: SandboxRequest, base: string): Promise<Reply> {
    const correlationId = String(request.headers['x-ms-correlation-id'] ?? '');
    if (!/^[0-9a-f-]{36}$/i.test(correlationId))
      return json(400, { error: { code: 'BadRequest', message: 'The x-ms-correlation-id header must be a GUID.' } });
    if (!request.headers['x-ms-tenant-id'])
      return json(400, { error: { code: 'BadRequest', message: 'The x-ms-tenant-id header is required.' } });
    if (this.correlationIds.has(correlationId))
      return json(409, { error: { code: 'Conflict', message: `An analysis with correlation id ${correlationId} was already requested.` } });
    const body = jsonBody(request) ?? {};
    const ruleSets = (body.ruleSets ?? []) as Array<{ id?: string }>;
    if (!ruleSets.length || ruleSets.some((r) => r.id !== SOLUTION_CHECKER_RULESET && r.id !== APPSOURCE_RULESET))
      return json(400, { error: { code: 'BadRequest', message: 'ruleSets must name a known ruleset.' } });
    const sasUris = (body.sasUriList ?? []) as string[];
    const blobId = /\/blobs\/([0-9a-f-]{36})\.zip/i.exec(sasUris[0] ?? '')?.[1];
    const file = blobId ? this.blobs.get(blobId) : undefined;
    if (!file) return json(400, { error: { code: 'BadRequest', message: 'The file in sasUriList could not be read.' } });
    this.correlationIds.add(correlationId);
    const run: Run = {
      id: randomUUID(),
      correlationId,
      startedAt: Date.now(),
      durationMs: Math.round(ANALYSIS_SECONDS * 1000 * this.timeScale()),
      solution: 'solution',
    };
    try {
      const pkg = await readSolutionPackage(file);
      run.solution = pkg.uniqueName;
      run.findings = findingsOf(pkg.members, (body.fileExclusions ?? []) as string[]);
    } catch (error) {
      if (!(error instanceof InvalidPackageError)) throw error;
      run.failure = error.message;
    }
    this.runs.set(run.id, run);
    return json(202, undefined, { location: `${base}/api/status/${run.id}?api-version=1.0` });
  }
}

/** The file part of a multipart/form-data body. */
function multipartFile(request: SandboxRequest): Buffer | undefined {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(String(request.headers['content-type'] ?? ''))?.[2];
  if (!boundary) return undefined;
  const raw = request.raw;
  const start = raw.indexOf('\r\n\r\n', raw.indexOf(`--${boundary}`));
  const end = raw.indexOf(`\r\n--${boundary}`, start);
  return start < 0 || end < 0 ? undefined : raw.subarray(start + 4, end);
}

function findingsOf(members: Map<string, Buffer>, exclusions: string[]): Finding[] {
  const names = new Map<string, string>();
  const customizations = members.get('customizations.xml');
  if (customizations) {
    const root = parseXml(customizations, 'customizations.xml').documentElement!;
    for (const resource of elements(child(root, 'WebResources') ?? root))
      names.set(textOf(child(resource, 'FileName')).replace(/^\//, ''), textOf(child(resource, 'Name')));
  }
  const excluded = (name: string) =>
    exclusions.some((pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(name));
  const findings: Finding[] = [];
  for (const [member, bytes] of members) {
    if (!member.startsWith('WebResources/')) continue;
    const uri = names.get(member) ?? member;
    if (!/\.js$/i.test(uri) || excluded(uri)) continue;
    const lines = bytes.toString('utf8').split(/\r?\n/);
    for (const rule of RULES) {
      lines.forEach((line, index) => {
        if (rule.pattern.test(line)) findings.push({ ruleId: rule.id, severity: rule.severity, message: rule.text, uri, line: index + 1 });
      });
    }
  }
  return findings;
}

function summary(findings: Finding[]) {
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return {
    criticalIssueCount: count('Critical'),
    highIssueCount: count('High'),
    mediumIssueCount: count('Medium'),
    lowIssueCount: count('Low'),
    informationalIssueCount: count('Informational'),
  };
}

/** A SARIF 2.1.0 report as the checker writes it: the rule's severity in properties, the level from it. */
function sarif(findings: Finding[]) {
  const level = (s: Severity) => (s === 'Critical' || s === 'High' ? 'error' : s === 'Medium' ? 'warning' : 'note');
  const used = RULES.filter((rule) => findings.some((f) => f.ruleId === rule.id));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'PowerApps Checker',
            informationUri: 'https://learn.microsoft.com/power-platform/alm/checker-api/overview',
            rules: used.map((r) => ({ id: r.id, shortDescription: { text: r.text }, properties: { severity: r.severity } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          level: level(f.severity),
          message: { text: f.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: f.uri }, region: { startLine: f.line } } }],
          properties: { severity: f.severity },
        })),
      },
    ],
  };
}
