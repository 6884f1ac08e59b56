import type { BapEnvironment } from '../../platform/bap';
import { ToolError } from '../errors';

/**
 * Restore and copy overwrite their target, which must be a Sandbox environment with Dataverse (docs/service-notes.md#power-platform-api).
 */
export function assertSandboxTarget(env: BapEnvironment, action: string): void {
  const p = env.properties ?? {};
  const name = p.displayName ?? env.name;
  if (p.environmentSku !== 'Sandbox') {
    throw new ToolError(
      `${action} can only overwrite a Sandbox environment, and ${name} is ${p.environmentSku ?? 'not a sandbox'}. Nothing was changed.`,
      'Choose a Sandbox environment as the target, or change this one to Sandbox in the admin center first.',
    );
  }
  assertDataverse(env);
}

export function assertDataverse(env: BapEnvironment): void {
  if (!env.properties?.linkedEnvironmentMetadata?.instanceUrl) {
    throw new ToolError(`${env.properties?.displayName ?? env.name} has no Dataverse database. Nothing was changed.`);
  }
}

export function displayName(env: BapEnvironment): string {
  return env.properties?.displayName ?? env.name;
}
