import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResumeState } from '../../src/data/importProgress';
import type { DataverseClient } from '../../src/platform/dataverse';
import type { FaultRule } from '../../src/sandbox/faults';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server';
import type { SandboxOrg } from '../../src/sandbox/state';
import type { Services } from '../../src/services';
import { allTools } from '../../src/tools';
import { invokeTool } from '../../src/tools/invoke';
import { invokeOptions, sandboxServices } from '../helpers';

export interface DataHarness {
  sandbox: Sandbox;
  services: Services;
  /** A folder the tools may read and write. */
  work: string;
  org(name?: string): SandboxOrg;
  url(name?: string): string;
  dv(name?: string): DataverseClient;
  call(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult>;
  /** The progress a partial import keeps under the id its result gives as `resume`. */
  kept(resume: string): Promise<ResumeState>;
}

/**
 * Lets the first `after` requests to a path through as they are, then answers the next one `delayMs`
 * late: as it is, or with the fault given (a throttling, for example).
 */
export function answerLate(sandbox: Sandbox, path: string, after: number, delayMs: number, fault: Partial<FaultRule> = {}): void {
  sandbox.faults.add({ kind: 'slow', path, times: after, delayMs: 0 });
  sandbox.faults.add({ kind: 'slow', path, times: 1, delayMs, ...fault });
}

/** Creates the N:N relationship of contacts with themselves the tests link mentors by, as a person would (metadata API). */
export async function createMentorRelationship(dv: DataverseClient): Promise<string> {
  await dv.action('RelationshipDefinitions', {
    '@odata.type': 'Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata',
    SchemaName: MENTOR,
    IntersectEntityName: MENTOR,
    Entity1LogicalName: 'contact',
    Entity2LogicalName: 'contact',
  });
  return MENTOR;
}

const MENTOR = 'contoso_contact_mentor';

/** The structured result of a tool call. */
export function structured(result: CallToolResult): any {
  return result.structuredContent as any;
}

/**
 * An in-process sandbox and the tools called through invokeTool against it (no CLI process), with
 * a work folder allowed for files. The environment defaults to "Contoso (default)", which has no Power Pages tables.
 */
export async function withData<T>(
  body: (h: DataHarness) => Promise<T>,
  options: SandboxOptions = {},
  more: { http?: Parameters<typeof sandboxServices>[2]; folders?: string[] } = {},
): Promise<T> {
  const sandbox = await startSandbox(options);
  const services = sandboxServices(sandbox, {}, more.http ?? {});
  const work = mkdtempSync(join(tmpdir(), 'power-agent-data-'));
  const invoke = invokeOptions(services, { allowedFolders: [work, ...(more.folders ?? [])] });
  const org = (name = 'Contoso (default)') =>
    [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === name)!.org!;
  const harness: DataHarness = {
    sandbox,
    services,
    work,
    org,
    url: (name) => org(name).url,
    dv: (name) => services.dataverse(org(name).url),
    call: (tool, args, signal) =>
      invokeTool(
        allTools.find((t) => t.name === tool)!,
        { environment: org().url, ...args },
        { signal: signal ?? new AbortController().signal },
        invoke,
      ),
    kept: async (resume) => (await invoke.resumes.load(resume)) ?? assert.fail(`no progress kept as ${resume}`),
  };
  try {
    return await body(harness);
  } finally {
    invoke.operations.close();
    await services.close();
    await sandbox.close();
    rmSync(work, { recursive: true, force: true });
  }
}
