import { randomUUID } from 'node:crypto';
import type { Principal } from './identity';
import type { SandboxEnvironment, SandboxTenant } from './state';

export type LifecycleType =
  | 'Create'
  | 'Delete'
  | 'Restore'
  | 'Copy'
  | 'Reset'
  | 'EnableGovernanceConfiguration'
  | 'UpdateGovernanceConfiguration'
  | 'DisableGovernanceConfiguration'
  | 'InstallApplication';
type StageState = 'NotStarted' | 'Running' | 'Succeeded' | 'Failed';

/** Stage durations in seconds at time scale 1, close to what the real service takes (2-10 minutes). */
const STAGE_SECONDS: Record<LifecycleType, [number, number, number, number]> = {
  Create: [5, 20, 180, 30],
  Delete: [5, 10, 60, 10],
  Restore: [10, 30, 360, 60],
  Copy: [10, 30, 420, 60],
  Reset: [10, 30, 240, 30],
  EnableGovernanceConfiguration: [1, 1, 3, 1],
  UpdateGovernanceConfiguration: [1, 1, 3, 1],
  DisableGovernanceConfiguration: [1, 1, 3, 1],
  InstallApplication: [5, 10, 90, 15],
};
/** The `typeDisplayName` the service gives the lifecycle types whose display name is not their id. */
const DISPLAY_NAMES: Partial<Record<LifecycleType, string>> = {
  EnableGovernanceConfiguration: 'Enable Managed Environment',
  UpdateGovernanceConfiguration: 'Update Managed Environment',
  DisableGovernanceConfiguration: 'Disable Managed Environment',
};
const STAGE_NAMES = ['Validate', 'Prepare', 'Run', 'Finalize'] as const;
/** The Retry-After the service sends with a started operation and while it runs. */
const POLL_SECONDS = 10;
/** After a create succeeds, the Dataverse URL shows on the environment this much later (docs/service-notes.md#bap-environments). */
const METADATA_DELAY_SECONDS = 60;

export interface SandboxOperation {
  id: string;
  type: LifecycleType;
  api: 'bap' | 'ppapi' | 'appmanagement';
  environmentId: string;
  startedAt: number;
  /** Scaled stage durations in milliseconds. */
  stageMs: number[];
  requestedBy: { id: string; displayName: string; type: string; tenantId: string };
  failure?: { code: string; message: string };
  /** Applied once, when the operation ends successfully. */
  effect: () => void;
  /** Applied once, when the operation fails. */
  onFailure?: () => void;
  ended: boolean;
}

/**
 * The lifecycle operations of the emulated service: each runs through four timed stages, scaled by
 * `timeScale` so tests take seconds, and changes the tenant when it ends. State is computed from the
 * clock on every request, so nothing runs in the background.
 */
export class LifecycleEmulator {
  readonly operations = new Map<string, SandboxOperation>();
  private readonly pendingReveals: Array<{ at: number; reveal: () => void }> = [];
  private readonly injectedFailures = new Map<LifecycleType, { code: string; message: string }>();

  constructor(
    private readonly tenant: SandboxTenant,
    readonly timeScale: number,
  ) {}

  /** The next operation of this type fails in its Run stage with this error. */
  failNext(type: LifecycleType, error: { code: string; message: string }): void {
    this.injectedFailures.set(type, error);
  }

  start(request: {
    type: LifecycleType;
    api: SandboxOperation['api'];
    environmentId: string;
    principal: Principal;
    effect: () => void;
    onFailure?: () => void;
  }): SandboxOperation {
    const operation: SandboxOperation = {
      id: randomUUID(),
      type: request.type,
      api: request.api,
      environmentId: request.environmentId,
      startedAt: Date.now(),
      stageMs: STAGE_SECONDS[request.type].map((s) => this.scaled(s)),
      requestedBy: requester(request.principal, this.tenant.tenantId),
      failure: this.injectedFailures.get(request.type),
      effect: request.effect,
      onFailure: request.onFailure,
      ended: false,
    };
    this.injectedFailures.delete(request.type);
    this.operations.set(operation.id, operation);
    return operation;
  }

  /** The operation still running on an environment, which makes every other mutation a 409. */
  running(environmentId: string): SandboxOperation | undefined {
    this.tick();
    return [...this.operations.values()].find((op) => !op.ended && op.environmentId.toLowerCase() === environmentId.toLowerCase());
  }

  /** Ends the operations whose time is up and applies their effects. Called on every request. */
  tick(now = Date.now()): void {
    for (const op of this.operations.values()) {
      if (op.ended || now < this.endMs(op)) continue;
      op.ended = true;
      if (op.failure) op.onFailure?.();
      else op.effect();
    }
    for (let i = this.pendingReveals.length - 1; i >= 0; i--) {
      if (now >= this.pendingReveals[i]!.at) {
        this.pendingReveals[i]!.reveal();
        this.pendingReveals.splice(i, 1);
      }
    }
  }

  /** Ends an operation now, as if its time were up: how a test lets it end while no client looks. */
  endNow(op: SandboxOperation): void {
    op.startedAt = Date.now() - op.stageMs.reduce((sum, ms) => sum + ms, 0);
    this.tick();
  }

  /** Runs `reveal` once the metadata delay after now has passed. */
  revealLater(reveal: () => void): void {
    this.pendingReveals.push({ at: Date.now() + this.scaled(METADATA_DELAY_SECONDS), reveal });
  }

  /** Retry-After in seconds, scaled; decimals when scaled below one second. */
  retryAfter(): string {
    const seconds = POLL_SECONDS * this.timeScale;
    return seconds >= 1 ? String(Math.round(seconds)) : String(Math.max(0.05, Math.round(seconds * 100) / 100));
  }

  /** Stage states at this moment. A failing operation fails in its Run stage and never reaches Finalize. */
  stages(op: SandboxOperation, now = Date.now()): Array<{ name: string; state: StageState; first?: number; last?: number }> {
    let begin = op.startedAt;
    let stopped = false;
    return op.stageMs.map((ms, index) => {
      const name = STAGE_NAMES[index]!;
      const end = begin + ms;
      let state: StageState = stopped ? 'NotStarted' : now >= end ? 'Succeeded' : now >= begin ? 'Running' : 'NotStarted';
      if (op.failure && name === 'Run' && now >= end) {
        state = 'Failed';
        stopped = true;
      }
      const stage = {
        name,
        state,
        first: state !== 'NotStarted' ? begin : undefined,
        last: state !== 'NotStarted' ? Math.min(now, end) : undefined,
      };
      begin = end;
      return stage;
    });
  }

  overallState(op: SandboxOperation, now = Date.now()): StageState {
    if (now < op.startedAt + op.stageMs[0]! / 2) return 'NotStarted';
    if (now < this.endMs(op)) return 'Running';
    return op.failure ? 'Failed' : 'Succeeded';
  }

  /** The BAP `LifecycleOperation` document (docs/service-notes.md#long-running-operations). */
  bapDocument(op: SandboxOperation): Record<string, unknown> {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const state = this.overallState(op);
    return {
      id: op.id,
      links: {
        self: { path: `/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/${op.id}` },
        environment: { path: `/providers/Microsoft.BusinessAppPlatform/environments/${op.environmentId}` },
      },
      type: { id: op.type },
      typeDisplayName: DISPLAY_NAMES[op.type] ?? op.type,
      state: { id: state },
      createdDateTime: iso(op.startedAt),
      lastActionDateTime: iso(Math.min(Date.now(), this.endMs(op))),
      requestedBy: op.requestedBy,
      stages: this.stages(op).map((s) => ({
        id: s.name,
        name: s.name,
        state: { id: s.state },
        firstActionDateTime: iso(s.first),
        lastActionDateTime: iso(s.last),
      })),
      ...(state === 'Failed' && op.failure ? { error: op.failure } : {}),
    };
  }

  /** The Power Platform API `OperationExecutionResult` (docs/service-notes.md#long-running-operations). */
  ppapiDocument(op: SandboxOperation, environment?: SandboxEnvironment): Record<string, unknown> {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const state = this.overallState(op);
    const status = state === 'NotStarted' ? 'Queued' : state === 'Running' ? 'InProgress' : state;
    const stageStatus = { NotStarted: 'NotStarted', Running: 'InProgress', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
    return {
      operationId: op.id,
      name: op.type,
      status,
      startTime: iso(op.startedAt),
      endTime: state === 'Succeeded' || state === 'Failed' ? iso(this.endMs(op)) : undefined,
      requestedBy: {
        userId: op.requestedBy.id,
        displayName: op.requestedBy.displayName,
        type: op.requestedBy.type,
        tenantId: op.requestedBy.tenantId,
      },
      stageStatuses: this.stages(op).map((s) => ({
        name: s.name,
        status: stageStatus[s.state],
        startTime: iso(s.first),
        endTime: s.state === 'Succeeded' || s.state === 'Failed' ? iso(s.last) : undefined,
      })),
      ...(state === 'Failed' && op.failure ? { errorDetail: { code: op.failure.code, message: op.failure.message } } : {}),
      updatedEnvironment:
        state === 'Succeeded' && environment
          ? {
              environmentId: op.environmentId,
              displayName: environment.record.properties?.displayName,
              dataverseOrganizationUrl: environment.record.properties?.linkedEnvironmentMetadata?.instanceUrl,
            }
          : undefined,
    };
  }

  /** When the operation ends: after all four stages, or after Run when it fails. */
  private endMs(op: SandboxOperation): number {
    const stages = op.failure ? op.stageMs.slice(0, 3) : op.stageMs;
    return op.startedAt + stages.reduce((a, b) => a + b, 0);
  }

  private scaled(seconds: number): number {
    return Math.round(seconds * 1000 * this.timeScale);
  }
}

function requester(principal: Principal, tenantId: string) {
  return principal.kind === 'app'
    ? { id: principal.app.objectId, displayName: 'ServicePrincipal', type: 'ServicePrincipal', tenantId }
    : { id: principal.user.objectId, displayName: principal.user.displayName, type: 'User', tenantId };
}
