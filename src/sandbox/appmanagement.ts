import { json, jsonBody, type Reply, type SandboxRequest } from './http';
import type { PowerPlatformContext } from './ppapi';
import { APPLICATION_PACKAGES, type ApplicationPackageSeed } from './seed/applicationPackages';

const PACKAGES = /^\/appmanagement\/environments\/([^/]+)\/applicationPackages$/i;
const INSTALL = /^\/appmanagement\/environments\/([^/]+)\/applicationPackages\/([^/]+)\/install$/i;
const OPERATION = /^\/appmanagement\/environments\/([^/]+)\/operations\/([^/]+)$/i;

/**
 * Application packages of an environment and their installs (docs/service-notes.md#power-platform-api and #long-running-operations): the
 * seeded catalogue, with each environment's states.
 */
export function handleAppManagement(request: SandboxRequest, context: PowerPlatformContext): Reply | undefined {
  const path = request.url.pathname;
  if (!/^\/appmanagement\//i.test(path)) return undefined;
  context.lifecycle.tick();
  const match = PACKAGES.exec(path) ?? INSTALL.exec(path) ?? OPERATION.exec(path);
  if (!match) return error(404, 'NotFound', `No route for ${request.method} ${path}.`);
  const environment = context.tenant.environments.get(match[1]!.toLowerCase());
  if (!environment) return error(404, 'EnvironmentNotFound', `The environment '${match[1]}' was not found.`);
  const states = environment.applicationStates;
  const listed = (): ApplicationPackageSeed[] => APPLICATION_PACKAGES.map((p) => ({ ...p, state: states[p.uniqueName] ?? 'None' }));

  if (request.method === 'GET' && PACKAGES.test(path)) return json(200, { value: listed() });
  const install = INSTALL.exec(path);
  if (request.method === 'POST' && install) {
    const pkg = listed().find((p) => p.uniqueName.toLowerCase() === decodeURIComponent(install[2]!).toLowerCase());
    if (!pkg)
      return error(404, 'ApplicationPackageNotFound', `The application package '${install[2]}' is not available for this environment.`);
    if (!environment.org)
      return error(400, 'EnvironmentWithoutDataverse', 'Application packages install into Dataverse; this environment has none.');
    if (pkg.state === 'Installed') return json(200, pkg);
    if (context.lifecycle.running(environment.record.name))
      return error(409, 'OperationInProgress', 'Another operation is running on this environment. Try again when it ends.');
    if (request.body && jsonBody(request) === undefined) return error(400, 'InvalidRequestContent', 'The request body is not valid JSON.');
    states[pkg.uniqueName] = 'Installing';
    const operation = context.lifecycle.start({
      type: 'InstallApplication',
      api: 'appmanagement',
      environmentId: environment.record.name,
      principal: context.principal,
      effect: () => void (states[pkg.uniqueName] = 'Installed'),
      onFailure: () => void (states[pkg.uniqueName] = 'InstallFailed'),
    });
    return json(202, undefined, {
      'operation-location': `${context.baseUrl}/appmanagement/environments/${environment.record.name}/operations/${operation.id}?api-version=1`,
      'retry-after': context.lifecycle.retryAfter(),
    });
  }
  const status = OPERATION.exec(path);
  if (request.method === 'GET' && status) {
    const operation = context.lifecycle.operations.get(status[2]!.toLowerCase());
    if (!operation || operation.api !== 'appmanagement' || operation.environmentId !== environment.record.name)
      return error(404, 'OperationNotFound', `The operation '${status[2]}' was not found.`);
    const state = context.lifecycle.overallState(operation);
    const iso = (ms: number) => new Date(ms).toISOString();
    return json(
      200,
      {
        operationId: operation.id,
        createdDateTime: iso(operation.startedAt),
        lastActionDateTime: iso(Date.now()),
        status: state,
        statusMessage: state === 'Failed' ? (operation.failure?.message ?? '') : '',
        ...(state === 'Failed' && operation.failure
          ? {
              error: {
                errorName: operation.failure.code,
                errorCode: 0,
                message: operation.failure.message,
                type: 'Error',
                statusCode: 400,
                source: 'Package',
              },
            }
          : {}),
      },
      operation.ended ? {} : { 'retry-after': context.lifecycle.retryAfter() },
    );
  }
  return error(405, 'MethodNotAllowed', `${request.method} is not allowed on ${path}.`);
}

/** appmanagement's ErrorDetails shape (docs/service-notes.md#errors-limits-and-retries). */
function error(status: number, errorName: string, message: string): Reply {
  return json(status, {
    error: { errorName, errorCode: status, message, type: 'Error', statusCode: status, source: 'AppManagement', code: errorName },
  });
}
