import { randomUUID } from 'node:crypto';
import type { SandboxOrg } from '../state';

/** The *Async solution messages and how long each takes at time scale 1 (seconds). */
const MESSAGES = {
  ImportSolutionAsync: { name: 'ImportSolution', seconds: 40, install: true },
  StageAndUpgradeAsync: { name: 'StageAndUpgrade', seconds: 60, install: true },
  DeleteAndPromoteAsync: { name: 'DeleteAndPromote', seconds: 30, install: true },
  UninstallSolutionAsync: { name: 'UninstallSolution', seconds: 30, install: true },
  ExportSolutionAsync: { name: 'ExportSolution', seconds: 20, install: false },
} as const;

export type AsyncMessage = keyof typeof MESSAGES;

/** What a job does when its time is up: changes the org, or fails with the service's message. */
export type JobOutcome = { ok: true; apply: () => void | Promise<void> } | { ok: false; message: string };

export interface SandboxJob {
  id: string;
  message: AsyncMessage;
  startedAt: number;
  durationMs: number;
  /** Decided when the job starts; applied when it ends. */
  outcome: JobOutcome;
  ownerId: string;
  correlationId: string;
  /** The import job this async operation runs, for imports. */
  importJobId?: string;
  solutionName: string;
  /** Its time is up and its effect is being applied (an export builds its file): still in progress for readers. */
  finishing: boolean;
  /** Its outcome is decided: only now does the service report it completed. */
  ended: boolean;
  endedOk?: boolean;
  failureMessage?: string;
}

/** The import job record (importjobs), as Dataverse keeps it for every import. */
export interface SandboxImportJob {
  importjobid: string;
  solutionname: string;
  startedon: string;
  completedon: string | null;
  /** The result XML, written when the import ends. */
  data: string | null;
  asyncOperationId: string;
  passed?: boolean;
  errors: string[];
  warnings: string[];
}

/**
 * The org's asynchronous solution jobs. Like the lifecycle emulator, state follows the clock: a job
 * is waiting, then in progress, then completed, and its effect is applied by `tick` on the next request.
 */
export class SolutionJobs {
  readonly jobs = new Map<string, SandboxJob>();
  readonly importJobs = new Map<string, SandboxImportJob>();
  readonly exports = new Map<string, Buffer>();

  constructor(
    private readonly org: SandboxOrg,
    private readonly timeScale: () => number,
  ) {}

  /** The install or removal running now; the service runs one at a time per org. */
  runningInstall(now = Date.now()): SandboxJob | undefined {
    return [...this.jobs.values()].find((job) => MESSAGES[job.message].install && !job.ended && now < job.startedAt + job.durationMs);
  }

  start(request: { message: AsyncMessage; solutionName: string; ownerId: string; outcome: JobOutcome; importJobId?: string }): SandboxJob {
    const job: SandboxJob = {
      id: randomUUID(),
      message: request.message,
      startedAt: Date.now(),
      durationMs: Math.round(MESSAGES[request.message].seconds * 1000 * this.timeScale()),
      outcome: request.outcome,
      ownerId: request.ownerId,
      correlationId: randomUUID(),
      importJobId: request.importJobId,
      solutionName: request.solutionName,
      finishing: false,
      ended: false,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Ends the jobs whose time is up, applying or failing each. */
  async tick(now = Date.now()): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.finishing || now < job.startedAt + job.durationMs) continue;
      job.finishing = true;
      if (job.outcome.ok) {
        try {
          await job.outcome.apply();
          job.endedOk = true;
        } catch (error) {
          job.endedOk = false;
          job.failureMessage = (error as Error).message;
        }
      } else {
        job.endedOk = false;
        job.failureMessage = job.outcome.message;
      }
      job.ended = true;
      const importJob = job.importJobId ? this.importJobs.get(job.importJobId) : undefined;
      if (importJob) {
        importJob.completedon = new Date(job.startedAt + job.durationMs).toISOString();
        importJob.passed = job.endedOk;
        if (!job.endedOk && job.failureMessage && !importJob.errors.length) importJob.errors.push(job.failureMessage);
      }
    }
  }

  /** The asyncoperations row (docs/service-notes.md#long-running-operations). */
  asyncOperationRow(job: SandboxJob, now = Date.now()): Record<string, unknown> {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const waiting = now < job.startedAt + job.durationMs * 0.1;
    const completed = job.ended;
    return {
      asyncoperationid: job.id,
      name: MESSAGES[job.message].name,
      messagename: job.message,
      operationtype: 54,
      statecode: completed ? 3 : waiting ? 0 : 2,
      statuscode: completed ? (job.endedOk ? 30 : 31) : waiting ? 0 : 20,
      createdon: iso(job.startedAt),
      startedon: waiting ? null : iso(job.startedAt + job.durationMs * 0.1),
      completedon: completed ? iso(job.startedAt + job.durationMs) : null,
      modifiedon: iso(Math.min(now, job.startedAt + job.durationMs)),
      message: completed && !job.endedOk ? (job.failureMessage ?? null) : null,
      // The service's friendly message is a short sentence; the detail is in `message`.
      friendlymessage: completed && !job.endedOk ? `${MESSAGES[job.message].name} failed.` : null,
      errorcode: completed && !job.endedOk ? -2147188475 : null,
      correlationid: job.correlationId,
      dependencytoken: `SolutionOperation_{${this.org.organizationId}}`,
      _ownerid_value: job.ownerId,
      retrycount: 0,
      depth: 1,
      subtype: 1,
    };
  }

  /** The importjobs row; `progress` follows the clock, `data` appears when the import ends. */
  importJobRow(importJob: SandboxImportJob, now = Date.now()): Record<string, unknown> {
    const job = this.jobs.get(importJob.asyncOperationId);
    const progress = job ? (job.ended ? 100 : Math.min(99, Math.floor(((now - job.startedAt) / Math.max(1, job.durationMs)) * 100))) : 100;
    return {
      importjobid: importJob.importjobid,
      solutionname: importJob.solutionname,
      progress,
      startedon: importJob.startedon,
      completedon: importJob.completedon,
      createdon: importJob.startedon,
      data: importJob.completedon ? importJob.data : null,
    };
  }
}
