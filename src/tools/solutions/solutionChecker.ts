import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { z } from 'zod';
import { CheckerClient, MAX_UPLOAD_BYTES, RULESETS } from '../../platform/checker';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentArgument, resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

export const solutionChecker = defineTool({
  name: 'pp_solution_checker',
  toolset: 'solutions',
  title: 'Check solution',
  description:
    'Runs the solution checker on a solution zip (1-5 minutes) and writes its SARIF report. Returns the operation, ' +
    'then the issues by severity. Changes nothing.',
  input: z.strictObject({
    zipFile: z.string().min(1).describe('Solution zip (up to 30 MB).'),
    environment: environmentRef.optional().describe('Environment whose checker region to use.'),
    sarifFile: z.string().min(1).optional().describe('SARIF file (default: <zip>.sarif).'),
    ruleSet: z.enum(['solutionChecker', 'appSourceCertification']).default('solutionChecker').describe('Rules to check by.'),
    excludeFiles: z.array(z.string().min(1).max(200)).max(50).default([]).describe('File patterns to skip, such as *jquery*.'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: IDEMPOTENT_CLOUD,
  ui: {
    paths: {
      zipFile: { dialog: 'open', filters: { 'Solution zip': ['zip'] } },
      sarifFile: { dialog: 'save', filters: { 'SARIF report': ['sarif'] } },
    },
    retries: 'solution_checker',
  },
  async handler(args, context) {
    const zipFile = resolveLocalPath('zipFile', args.zipFile, context.settings, 'read-file');
    if (statSync(zipFile).size > MAX_UPLOAD_BYTES)
      throw new ToolError(
        `zipFile: ${args.zipFile} is over the checker's 30 MB upload limit. Nothing was sent.`,
        'Check a smaller solution, or split it.',
      );
    const sarifFile = resolveLocalPath(
      'sarifFile',
      args.sarifFile ?? zipFile.replace(/(\.zip)?$/i, '.sarif'),
      context.settings,
      'write-file',
    );
    const env = await resolveEnvironment(environmentArgument(args.environment, context), context);
    const tenantId = String(env.properties?.tenantId ?? '');
    const checker = new CheckerClient(context.http, context.endpoints);
    const run = { geography: checker.geography(env), correlationId: randomUUID(), tenantId };
    const record = await context.operations.begin({
      kind: 'solution_checker',
      title: `Check ${zipFile.split(/[\\/]/).pop()} (${args.ruleSet === 'solutionChecker' ? 'Solution Checker' : 'AppSource Certification'})`,
      environment: { id: env.name, displayName: env.properties?.displayName ?? env.name },
      details: { correlationId: run.correlationId, tenantId, file: sarifFile },
      start: async () => {
        const sasUri = await checker.upload(run, zipFile);
        const url = await checker.analyze(run, sasUri, RULESETS[args.ruleSet], args.excludeFiles);
        return { kind: 'poll', style: 'checker', url, correlationId: run.correlationId };
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
