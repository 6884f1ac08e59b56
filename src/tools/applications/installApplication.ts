import { z } from 'zod';
import { powerPlatformPollUrl } from '../../platform/powerPlatform';
import { parseRetryAfter } from '../../platform/retry';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { assertDataverse, displayName } from '../lifecycle/targets';
import { resolveEnvironment } from '../resolveEnvironment';
import { environmentRef } from '../schemas';
import { ADDITIVE_CLOUD, defineTool } from '../types';

export const installApplication = defineTool({
  name: 'pp_install_application',
  toolset: 'apps',
  title: 'Install application',
  description:
    'Installs an application package (Dynamics 365 and Microsoft apps) into an environment, once; without application, ' +
    'lists the packages. Returns the operation.',
  input: z.strictObject({
    environment: environmentRef,
    application: z.string().trim().min(1).max(200).optional().describe('Package name, e.g. MicrosoftFormsPro; left out: list them.'),
    payloadValue: z.string().max(10_000).optional().describe('Install parameters the package asks for.'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput.partial().extend({
    packages: z.array(z.object({ uniqueName: z.string(), name: z.string(), version: z.string().nullable(), state: z.string() })).optional(),
  }),
  annotations: ADDITIVE_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, ask: ['application'], retries: 'install_application' },
  async handler(args, context) {
    const env = await resolveEnvironment(args.environment, context);
    assertDataverse(env);
    const name = displayName(env);
    const packages = await context.powerPlatform.listApplicationPackages(env.name, context.signal);
    const listed = packages.map((p) => ({
      uniqueName: p.uniqueName,
      name: p.localizedName ?? p.applicationName ?? p.uniqueName,
      version: p.version ?? null,
      state: p.state ?? 'None',
    }));
    if (!args.application) {
      return {
        result: { packages: listed },
        summary: `${listed.length} application package(s) for ${name}:\n${listed.map((p) => `- ${p.uniqueName} (${p.name}) ${p.version ?? ''}: ${p.state}`).join('\n')}`,
      };
    }
    const wanted = args.application.toLowerCase();
    const pkg =
      packages.find((p) => p.uniqueName.toLowerCase() === wanted) ??
      packages.find((p) => [p.localizedName, p.applicationName].some((n) => n?.toLowerCase() === wanted));
    if (!pkg) {
      throw new ToolError(
        `application: no package "${args.application}" is available for ${name}. Nothing was installed.`,
        `Available: ${listed.map((p) => `${p.uniqueName} (${p.name})`).join(', ') || 'none'}.`,
      );
    }
    if (pkg.state === 'Installed') {
      return {
        result: { packages: listed },
        summary: `${pkg.uniqueName} (${pkg.localizedName ?? pkg.uniqueName}) is already installed in ${name}; nothing was done.`,
      };
    }
    const record = await context.operations.begin({
      kind: 'install_application',
      title: `Install ${pkg.localizedName ?? pkg.uniqueName} in ${name}`,
      environment: { id: env.name, displayName: name },
      details: { application: pkg.uniqueName },
      start: async () => {
        const response = await context.powerPlatform.installApplicationPackage(env.name, pkg.uniqueName, args.payloadValue);
        const url = powerPlatformPollUrl(response.headers);
        if (response.status === 202 && url)
          return {
            kind: 'poll',
            style: 'ppapi-app-operation',
            url,
            correlationId: response.correlationId,
            retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
          };
        return {
          kind: 'done',
          correlationId: response.correlationId,
          result: { environmentId: env.name, application: pkg.uniqueName, state: response.body?.state ?? 'Installed' },
        };
      },
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
