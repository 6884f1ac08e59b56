import { randomUUID } from 'node:crypto';
import { readXml as parseXml } from '../xmlDom';
import { matchesFilter } from '../simpleFilter';
import { jsonBody, type Reply, type SandboxRequest } from '../http';
import { setSolutions, solution as newSolution, type SandboxOrg, type SandboxSolution, type SandboxSystemUser } from '../state';
import { importJobData, planImport, type ComponentParameter } from './importPlan';
import { SolutionJobs, type AsyncMessage, type JobOutcome } from './jobs';
import { InvalidPackageError, buildExport, readSolutionPackage, type SolutionPackage } from './package';
import { stageSolution } from './stage';

/** Replies of the Dataverse Web API, shared with the rest of the emulated org. */
export interface DataverseReplies {
  ok(body: Record<string, unknown>): Reply;
  error(status: number, code: string, message: string, annotations?: Record<string, string>): Reply;
}

const PROTECTED = new Set(['default', 'system', 'active', 'basic']);
const BUSY_MESSAGE = (kind: string) =>
  `Cannot start another [${kind}] because there is a previous [Import] running at this moment. Use Solution History for more details. -- The solution installation or removal failed due to the installation or removal of another solution at the same time. Please try again later.`;

/**
 * The Dataverse solution messages with the service's semantics (docs/service-notes.md#solutions-in-dataverse): export and import through
 * asynchronous jobs, holding solutions and upgrades, uninstall with dependency checks, versions,
 * components and publishing. One import or uninstall runs at a time per org.
 */
export class SolutionService {
  private readonly jobsByOrg = new WeakMap<SandboxOrg, SolutionJobs>();

  constructor(private readonly timeScale: () => number) {}

  jobs(org: SandboxOrg): SolutionJobs {
    let jobs = this.jobsByOrg.get(org);
    if (!jobs) this.jobsByOrg.set(org, (jobs = new SolutionJobs(org, this.timeScale)));
    return jobs;
  }

  /** Answers the solution routes, or undefined for any other path. */
  async handle(
    request: SandboxRequest,
    segment: string,
    org: SandboxOrg,
    caller: SandboxSystemUser,
    reply: DataverseReplies,
  ): Promise<Reply | undefined> {
    const jobs = this.jobs(org);
    await jobs.tick();
    const method = request.method;
    const body = jsonBody(request) ?? {};
    const api = `${org.url}/api/data/v9.2`;
    const action = (name: string) => method === 'POST' && segment.toLowerCase() === name.toLowerCase();

    let match: RegExpExecArray | null;
    if (method === 'GET' && (match = /^asyncoperations\(([0-9a-f-]{36})\)$/i.exec(segment))) {
      const job = jobs.jobs.get(match[1]!.toLowerCase());
      if (!job) return reply.error(404, '0x80040217', `asyncoperation With Id = ${match[1]} Does Not Exist`);
      return reply.ok({
        '@odata.context': `${api}/$metadata#asyncoperations/$entity`,
        ...selected(jobs.asyncOperationRow(job), request.url.searchParams.get('$select')),
      });
    }
    // The job tables as collections, as a client sees them when it looks for a job whose answer it lost.
    if (method === 'GET' && /^(asyncoperations|importjobs)$/i.test(segment)) {
      const rows =
        segment.toLowerCase() === 'asyncoperations'
          ? [...jobs.jobs.values()].map((job) => jobs.asyncOperationRow(job))
          : [...jobs.importJobs.values()].map((job) => jobs.importJobRow(job));
      const filter = request.url.searchParams.get('$filter');
      const descending = /\bdesc$/i.test(request.url.searchParams.get('$orderby') ?? '');
      const value = rows
        .filter((row) => !filter || matchesFilter(row, filter))
        .sort((a, b) => String(a.createdon).localeCompare(String(b.createdon)) * (descending ? -1 : 1))
        .map((row) =>
          selected(
            row,
            request.url.searchParams.get('$select'),
            segment.toLowerCase() === 'asyncoperations' ? 'asyncoperationid' : 'importjobid',
          ),
        );
      return reply.ok({ '@odata.context': `${api}/$metadata#${segment.toLowerCase()}`, value });
    }
    if (method === 'GET' && (match = /^importjobs\(([0-9a-f-]{36})\)$/i.exec(segment))) {
      const importJob = jobs.importJobs.get(match[1]!.toLowerCase());
      if (!importJob) return reply.error(404, '0x80040217', `importjob With Id = ${match[1]} Does Not Exist`);
      return reply.ok({ '@odata.context': `${api}/$metadata#importjobs/$entity`, ...jobs.importJobRow(importJob) });
    }
    if (method === 'GET' && (match = /^RetrieveSolutionImportResult\(ImportJobId=([0-9a-f-]{36})\)$/i.exec(segment))) {
      const importJob = jobs.importJobs.get(match[1]!.toLowerCase());
      if (!importJob) return reply.error(404, '0x80040217', `importjob With Id = ${match[1]} Does Not Exist`);
      if (!importJob.completedon) return reply.error(400, '0x80048541', `The import job ${importJob.importjobid} has not completed yet.`);
      return reply.ok({
        '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.RetrieveSolutionImportResultResponse`,
        SolutionOperationResult: {
          Type: 'Import',
          Status: importJob.passed ? 'Passed' : 'Failed',
          ErrorMessages: importJob.errors,
          WarningMessages: importJob.warnings,
          FormattedResults: '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" />',
          ActionLink: { Label: null, Target: null },
        },
      });
    }
    if (method === 'GET' && (match = /^EntityDefinitions\(LogicalName='([^']+)'\)$/i.exec(segment))) {
      const entity = org.entities.find((e) => e.logicalname === match![1]!.toLowerCase());
      if (!entity) return reply.error(404, '0x80060888', `Could not find an entity with LogicalName = '${match[1]}'.`);
      return reply.ok({
        '@odata.context': `${api}/$metadata#EntityDefinitions(MetadataId,LogicalName)/$entity`,
        MetadataId: entity.metadataid,
        LogicalName: entity.logicalname,
      });
    }
    if ((method === 'PATCH' || method === 'DELETE') && (match = /^solutions\(([0-9a-f-]{36})\)$/i.exec(segment))) {
      const target = org.solutions.find((s) => s.solutionid === match![1]!.toLowerCase());
      if (!target) return reply.error(404, '0x80040217', `solution With Id = ${match[1]} Does Not Exist`);
      return method === 'PATCH' ? this.update(org, target, body, reply) : this.remove(org, target, reply);
    }

    if (action('ExportSolutionAsync')) return this.exportAsync(org, caller, body, reply, api);
    if (action('DownloadSolutionExportData')) {
      const bytes = jobs.exports.get(String(body.ExportJobId ?? '').toLowerCase());
      if (!bytes)
        return reply.error(
          404,
          '0x80040217',
          `No completed export job with id ${body.ExportJobId} was found. Export jobs are kept for 48 hours.`,
        );
      return reply.ok({
        '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.DownloadSolutionExportDataResponse`,
        ExportSolutionFile: bytes.toString('base64'),
      });
    }
    if (action('StageSolution')) return this.stage(org, body, reply, api);
    if (action('ImportSolutionAsync') || action('StageAndUpgradeAsync'))
      return this.importAsync(org, caller, body, segment.toLowerCase() === 'stageandupgradeasync', reply, api);
    if (action('DeleteAndPromote') || action('DeleteAndPromoteAsync'))
      return this.promote(org, caller, body, segment.toLowerCase().endsWith('async'), reply, api);
    if (action('UninstallSolutionAsync')) return this.uninstallAsync(org, caller, body, reply, api);
    if (action('AddSolutionComponent')) return this.addComponent(org, body, reply, api);
    if (action('PublishAllXml') || action('PublishXml'))
      return this.publish(org, segment.toLowerCase() === 'publishxml' ? body : undefined, reply);
    return undefined;
  }

  private find(org: SandboxOrg, uniqueName: unknown): SandboxSolution | undefined {
    return org.solutions.find((s) => s.uniquename.toLowerCase() === String(uniqueName ?? '').toLowerCase());
  }

  private startJob(
    org: SandboxOrg,
    caller: SandboxSystemUser,
    message: AsyncMessage,
    solutionName: string,
    outcome: JobOutcome,
    importJobId?: string,
  ) {
    const jobs = this.jobs(org);
    const running = message === 'ExportSolutionAsync' ? undefined : jobs.runningInstall();
    const kind = message === 'UninstallSolutionAsync' ? 'Uninstall' : 'Import';
    return jobs.start({
      message,
      solutionName,
      ownerId: caller.systemuserid,
      importJobId,
      outcome: running ? { ok: false, message: BUSY_MESSAGE(kind) } : outcome,
    });
  }

  private exportAsync(org: SandboxOrg, caller: SandboxSystemUser, body: any, reply: DataverseReplies, api: string): Reply {
    if (typeof body.SolutionName !== 'string' || typeof body.Managed !== 'boolean')
      return reply.error(400, '0x80040203', 'SolutionName (string) and Managed (boolean) are required.');
    const target = this.find(org, body.SolutionName);
    if (!target || ['system', 'active'].includes(target.uniquename.toLowerCase()))
      return reply.error(404, '0x8004F012', `The solution ${body.SolutionName} was not found in this organization.`);
    if (target.ismanaged) return reply.error(400, '0x80048034', `Managed solutions cannot be exported. ${target.uniquename} is managed.`);
    const exportJobId = randomUUID();
    const snapshot = structuredClone(target);
    const jobs = this.jobs(org);
    const job = this.startJob(org, caller, 'ExportSolutionAsync', target.uniquename, {
      ok: true,
      apply: async () => {
        jobs.exports.set(exportJobId, await buildExport(snapshot, body.Managed, org.version));
      },
    });
    return reply.ok({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.ExportSolutionAsyncResponse`,
      AsyncOperationId: job.id,
      ExportJobId: exportJobId,
    });
  }

  /** StageSolution: validates an uploaded zip against the org and reports, installing nothing. */
  private async stage(org: SandboxOrg, body: any, reply: DataverseReplies, api: string): Promise<Reply> {
    if (typeof body.CustomizationFile !== 'string' || !body.CustomizationFile)
      return reply.error(400, '0x80040203', 'CustomizationFile is required: the solution zip, base64-encoded.');
    const results = await stageSolution(org, Buffer.from(body.CustomizationFile, 'base64'));
    if ('invalid' in results) return reply.error(400, '0x80040203', results.invalid as string);
    return reply.ok({ '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.StageSolutionResponse`, StageSolutionResults: results });
  }

  private async importAsync(
    org: SandboxOrg,
    caller: SandboxSystemUser,
    body: any,
    upgrade: boolean,
    reply: DataverseReplies,
    api: string,
  ): Promise<Reply> {
    if (typeof body.OverwriteUnmanagedCustomizations !== 'boolean' || typeof body.PublishWorkflows !== 'boolean') {
      return reply.error(400, '0x80040203', 'OverwriteUnmanagedCustomizations and PublishWorkflows are required booleans.');
    }
    if (typeof body.CustomizationFile !== 'string' || !body.CustomizationFile)
      return reply.error(400, '0x80040203', 'CustomizationFile is required: the solution zip, base64-encoded.');
    const bytes = Buffer.from(body.CustomizationFile, 'base64');
    const importJobId = randomUUID();
    const started = new Date().toISOString();
    const jobs = this.jobs(org);
    let pkg: SolutionPackage | undefined;
    let outcome: JobOutcome;
    let plan: ReturnType<typeof planImport> | undefined;
    try {
      pkg = await readSolutionPackage(bytes);
      const installed = this.find(org, pkg.uniqueName);
      const holding = Boolean(body.HoldingSolution) || (upgrade && Boolean(installed?.ismanaged) && pkg.managed);
      plan = planImport(org, pkg, { holding, parameters: (body.ComponentParameters ?? []) as ComponentParameter[] });
      const failure = plan.manifestError ?? plan.components.find((c) => c.error)?.error;
      outcome = failure
        ? { ok: false, message: plan.manifestError ? failure.text : `The import of solution ${pkg.uniqueName} failed: ${failure.text}` }
        : {
            ok: true,
            apply: () =>
              this.install(org, pkg!, bytes, {
                holding,
                promote: upgrade && holding,
                parameters: (body.ComponentParameters ?? []) as ComponentParameter[],
              }),
          };
    } catch (error) {
      if (!(error instanceof InvalidPackageError)) throw error;
      outcome = { ok: false, message: error.message };
    }
    const job = this.startJob(
      org,
      caller,
      upgrade ? 'StageAndUpgradeAsync' : 'ImportSolutionAsync',
      pkg?.uniqueName ?? 'unknown',
      outcome,
      importJobId,
    );
    // A busy org replaces the planned outcome: nothing of the package was processed.
    const busy = job.outcome !== outcome;
    const failure = job.outcome.ok ? undefined : job.outcome.message;
    jobs.importJobs.set(importJobId, {
      importjobid: importJobId,
      solutionname: pkg?.uniqueName ?? '',
      startedon: started,
      completedon: null,
      data: importJobData(
        pkg,
        busy ? undefined : plan,
        started,
        new Date(job.startedAt + job.durationMs).toISOString(),
        busy || !plan ? failure : undefined,
      ),
      asyncOperationId: job.id,
      errors: failure ? [failure] : [],
      warnings: busy ? [] : (plan?.warnings ?? []),
    });
    return reply.ok({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.${upgrade ? 'StageAndUpgrade' : 'ImportSolution'}AsyncResponse`,
      ImportJobKey: importJobId,
      AsyncOperationId: job.id,
    });
  }

  /** Records an imported solution: new, updated in place, or as its `_Upgrade` holding solution. */
  private install(
    org: SandboxOrg,
    pkg: SolutionPackage,
    bytes: Buffer,
    options: { holding: boolean; promote: boolean; parameters: ComponentParameter[] },
  ): void {
    recordDeploymentComponents(org, pkg, options.parameters);
    const name = options.holding ? `${pkg.uniqueName}_Upgrade` : pkg.uniqueName;
    const now = new Date().toISOString();
    const existing = this.find(org, name);
    const record: SandboxSolution = existing
      ? structuredClone(existing)
      : { ...newSolution(name, pkg.version, pkg.managed), createdon: now };
    const publisher = org.solutions.find((s) => s.publisher.uniquename.toLowerCase() === pkg.publisher.uniquename.toLowerCase())?.publisher;
    Object.assign(record, {
      version: pkg.version,
      ismanaged: pkg.managed,
      friendlyname: pkg.friendlyName,
      installedon: now,
      modifiedon: now,
      publisher: publisher ?? { publisherid: randomUUID(), ...pkg.publisher },
      components: pkg.rootComponents,
      requires: pkg.requires.map((r) => r.solution),
      package: new Uint8Array(bytes),
    });
    for (const entity of pkg.entities)
      if (!org.entities.some((e) => e.logicalname === entity)) org.entities.push({ logicalname: entity, metadataid: randomUUID() });
    let solutions = [...org.solutions.filter((s) => s !== existing), record];
    if (options.promote) solutions = promoted(solutions, pkg.uniqueName);
    setSolutions(org, solutions);
  }

  private promote(org: SandboxOrg, caller: SandboxSystemUser, body: any, async: boolean, reply: DataverseReplies, api: string): Reply {
    const base = this.find(org, body.UniqueName);
    const holding = this.find(org, `${body.UniqueName}_Upgrade`);
    if (!base || !holding) {
      return reply.error(
        400,
        '0x8004F036',
        `There is no upgrade of ${body.UniqueName} to apply: ${body.UniqueName}_Upgrade is not installed. Import the new version with holding solution first.`,
      );
    }
    const apply = () => setSolutions(org, promoted(org.solutions, base.uniquename));
    if (!async) {
      if (this.jobs(org).runningInstall()) return reply.error(400, '0x80071151', BUSY_MESSAGE('DeleteAndPromote'));
      apply();
      return reply.ok({
        '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.DeleteAndPromoteResponse`,
        SolutionId: this.find(org, base.uniquename)!.solutionid,
      });
    }
    const job = this.startJob(org, caller, 'DeleteAndPromoteAsync', base.uniquename, { ok: true, apply });
    return reply.ok({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.DeleteAndPromoteAsyncResponse`,
      AsyncOperationId: job.id,
    });
  }

  private uninstallAsync(org: SandboxOrg, caller: SandboxSystemUser, body: any, reply: DataverseReplies, api: string): Reply {
    const target = this.find(org, body.SolutionUniqueName);
    if (!target) return reply.error(404, '0x8004F012', `The solution ${body.SolutionUniqueName} was not found in this organization.`);
    if (PROTECTED.has(target.uniquename.toLowerCase()))
      return reply.error(400, '0x8004F01F', `The ${target.uniquename} solution is a system solution and cannot be deleted.`);
    const blocker = dependents(org, target);
    const outcome: JobOutcome = blocker.length
      ? { ok: false, message: dependencyMessage(target, blocker) }
      : {
          ok: true,
          apply: () =>
            setSolutions(
              org,
              org.solutions.filter((s) => s.solutionid !== target.solutionid),
            ),
        };
    const job = this.startJob(org, caller, 'UninstallSolutionAsync', target.uniquename, outcome);
    return reply.ok({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.UninstallSolutionAsyncResponse`,
      AsyncOperationId: job.id,
    });
  }

  private remove(org: SandboxOrg, target: SandboxSolution, reply: DataverseReplies): Reply {
    if (PROTECTED.has(target.uniquename.toLowerCase()))
      return reply.error(400, '0x8004F01F', `The ${target.uniquename} solution is a system solution and cannot be deleted.`);
    if (this.jobs(org).runningInstall()) return reply.error(400, '0x80071151', BUSY_MESSAGE('Uninstall'));
    const blocker = dependents(org, target);
    if (blocker.length) return reply.error(400, '0x8004F01F', dependencyMessage(target, blocker));
    setSolutions(
      org,
      org.solutions.filter((s) => s.solutionid !== target.solutionid),
    );
    return { status: 204 };
  }

  private update(org: SandboxOrg, target: SandboxSolution, body: any, reply: DataverseReplies): Reply {
    const allowed = new Set(['version', 'friendlyname', 'description']);
    const unknown = Object.keys(body).find((key) => !allowed.has(key));
    if (unknown)
      return reply.error(
        400,
        '0x80060888',
        `The property '${unknown}' does not exist on type 'Microsoft.Dynamics.CRM.solution' or cannot be updated.`,
      );
    if (target.ismanaged)
      return reply.error(400, '0x8004F011', `${target.uniquename} is a managed solution; its properties cannot be changed.`);
    if (body.version !== undefined && !/^\d+\.\d+(\.\d+){0,2}$/.test(String(body.version))) {
      return reply.error(
        400,
        '0x80048540',
        `'${body.version}' is not a valid version. Use major.minor[.build[.revision]] with numbers, such as 1.2.0.0.`,
      );
    }
    const updated = { ...structuredClone(target), ...body, modifiedon: new Date().toISOString() };
    setSolutions(
      org,
      org.solutions.map((s) => (s.solutionid === target.solutionid ? updated : s)),
    );
    return { status: 204 };
  }

  private addComponent(org: SandboxOrg, body: any, reply: DataverseReplies, api: string): Reply {
    const target = this.find(org, body.SolutionUniqueName);
    if (!target) return reply.error(404, '0x8004F012', `The solution ${body.SolutionUniqueName} was not found in this organization.`);
    if (target.ismanaged)
      return reply.error(400, '0x8004F011', `Components cannot be added to ${target.uniquename}, because it is a managed solution.`);
    const type = Number(body.ComponentType);
    const id = String(body.ComponentId ?? '').toLowerCase();
    if (!Number.isInteger(type) || !/^[0-9a-f-]{36}$/.test(id))
      return reply.error(400, '0x80040203', 'ComponentId (a GUID) and ComponentType (a number) are required.');
    const exists =
      (type === 1 && org.entities.some((e) => e.metadataid === id)) ||
      org.solutions.some((s) => s.components.some((c) => c.componenttype === type && c.objectid === id));
    if (!exists) return reply.error(404, '0x80040217', `No component of type ${type} with id ${id} exists in this organization.`);
    const componentId = randomUUID();
    if (!target.components.some((c) => c.componenttype === type && c.objectid === id)) {
      const schemaname = type === 1 ? org.entities.find((e) => e.metadataid === id)?.logicalname : undefined;
      const updated = {
        ...structuredClone(target),
        components: [
          ...target.components,
          { componenttype: type, objectid: id, schemaname, rootcomponentbehavior: body.DoNotIncludeSubcomponents ? 1 : 0 },
        ],
        modifiedon: new Date().toISOString(),
      };
      setSolutions(
        org,
        org.solutions.map((s) => (s.solutionid === target.solutionid ? updated : s)),
      );
    }
    return reply.ok({ '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.AddSolutionComponentResponse`, id: componentId });
  }

  private publish(org: SandboxOrg, body: any, reply: DataverseReplies): Reply {
    let parameterXml: string | null = null;
    if (body) {
      parameterXml = typeof body.ParameterXml === 'string' ? body.ParameterXml : '';
      try {
        const root = parseXml(parameterXml!, 'ParameterXml').documentElement!;
        if (root.nodeName !== 'importexportxml') throw new Error('the root element must be importexportxml');
        for (const entity of Array.from(root.getElementsByTagName('entity'))) {
          const name = (entity.textContent ?? '').trim().toLowerCase();
          if (!org.entities.some((e) => e.logicalname === name))
            return reply.error(404, '0x80040217', `Could not find an entity with LogicalName = '${name}' to publish.`);
        }
      } catch (error) {
        return reply.error(400, '0x80040203', `ParameterXml is not valid: ${(error as Error).message}`);
      }
    }
    org.publishes.push({ at: new Date().toISOString(), parameterXml });
    return { status: 204 };
  }
}

/**
 * Connection references and environment variables of an imported solution become rows, with the values its ComponentParameters give
 * (docs/service-notes.md#connection-references-and-environment-variables).
 */
function recordDeploymentComponents(org: SandboxOrg, pkg: SolutionPackage, parameters: ComponentParameter[]): void {
  for (const reference of pkg.connectionReferences) {
    const given = parameters.find(
      (p) => p.connectionreferencelogicalname?.toLowerCase() === reference.logicalName.toLowerCase(),
    )?.connectionid;
    const row = org.connectionReferences.find(
      (r) => r.connectionreferencelogicalname.toLowerCase() === reference.logicalName.toLowerCase(),
    );
    if (row) row.connectionid = given ?? row.connectionid;
    else
      org.connectionReferences.push({
        connectionreferenceid: randomUUID(),
        connectionreferencelogicalname: reference.logicalName,
        connectionreferencedisplayname: reference.displayName,
        connectorid: reference.connectorId,
        connectionid: given ?? null,
      });
  }
  for (const variable of pkg.environmentVariables) {
    let definition = org.environmentVariableDefinitions.find((d) => d.schemaname.toLowerCase() === variable.schemaName.toLowerCase());
    if (!definition) {
      definition = {
        environmentvariabledefinitionid: randomUUID(),
        schemaname: variable.schemaName,
        displayname: variable.displayName,
        type: variable.type,
        defaultvalue: variable.defaultValue,
      };
      org.environmentVariableDefinitions.push(definition);
    }
    const value = parameters.find(
      (p) => p['@odata.type']?.endsWith('environmentvariablevalue') && p.schemaname?.toLowerCase() === variable.schemaName.toLowerCase(),
    )?.value;
    if (value === undefined) continue;
    const existing = org.environmentVariableValues.find(
      (v) => v.environmentvariabledefinitionid === definition.environmentvariabledefinitionid,
    );
    if (existing) existing.value = value;
    else
      org.environmentVariableValues.push({
        environmentvariablevalueid: randomUUID(),
        schemaname: variable.schemaName,
        value,
        environmentvariabledefinitionid: definition.environmentvariabledefinitionid,
      });
  }
}

/** The base solution replaced by its `_Upgrade` holding solution, which takes the base's name. */
function promoted(solutions: SandboxSolution[], baseName: string): SandboxSolution[] {
  const holding = solutions.find((s) => s.uniquename.toLowerCase() === `${baseName}_upgrade`.toLowerCase());
  if (!holding) return solutions;
  const base = solutions.find((s) => s.uniquename.toLowerCase() === baseName.toLowerCase());
  const now = new Date().toISOString();
  const promotedSolution = { ...structuredClone(holding), uniquename: base?.uniquename ?? baseName, modifiedon: now, installedon: now };
  return [...solutions.filter((s) => s !== holding && s !== base), promotedSolution];
}

function dependents(org: SandboxOrg, target: SandboxSolution): SandboxSolution[] {
  return org.solutions.filter((s) => s !== target && s.requires.some((r) => r.toLowerCase() === target.uniquename.toLowerCase()));
}

function dependencyMessage(target: SandboxSolution, blockers: SandboxSolution[]): string {
  return `The solution ${target.uniquename} cannot be deleted because other solutions depend on its components: ${blockers.map((b) => `${b.uniquename} (${b.version})`).join(', ')}. Delete those solutions first.`;
}

/** Only the columns $select names (and the key), as the service returns them; every column without $select. */
function selected(row: Record<string, unknown>, select: string | null, key = 'asyncoperationid'): Record<string, unknown> {
  if (!select) return row;
  const columns = new Set(select.split(',').map((c) => c.trim().toLowerCase()));
  return Object.fromEntries(Object.entries(row).filter(([column]) => columns.has(column) || column === key));
}

/** The solutions row the Web API returns, with the publisher expanded when asked. */
export function solutionRow(solution: SandboxSolution, organizationId: string): Record<string, unknown> {
  return {
    solutionid: solution.solutionid,
    uniquename: solution.uniquename,
    friendlyname: solution.friendlyname,
    version: solution.version,
    ismanaged: solution.ismanaged,
    isvisible: solution.isvisible,
    description: solution.description,
    createdon: solution.createdon,
    installedon: solution.installedon,
    modifiedon: solution.modifiedon,
    solutionpackageversion: '9.2',
    _publisherid_value: solution.publisher.publisherid,
    _organizationid_value: organizationId,
    _parentsolutionid_value: null,
    publisherid: { ...solution.publisher, '@odata.etag': 'W/"1000001"' },
  };
}
