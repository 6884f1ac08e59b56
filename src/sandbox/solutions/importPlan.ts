import { escapeText as escapeXml } from '../xmlDom';
import type { SandboxOrg, SandboxSolution } from '../state';
import type { SolutionPackage } from './package';

/**
 * ComponentParameters entries of ImportSolutionAsync (docs/service-notes.md#connection-references-and-environment-variables), as the
 * service receives them.
 */
export interface ComponentParameter {
  '@odata.type'?: string;
  connectionreferencelogicalname?: string;
  connectorid?: string;
  connectionid?: string;
  schemaname?: string;
  value?: string;
}

export interface ComponentResult {
  /** Element name in the import job's data: entity, workflow, connectionreference, environmentvariablevalue. */
  kind: string;
  id: string;
  name: string;
  error?: { code: string; text: string };
}

export interface ImportPlan {
  /** Why the whole import fails before components are processed (manifest, versions, dependencies). */
  manifestError?: { code: string; text: string };
  components: ComponentResult[];
  warnings: string[];
}

const ENV_VAR_TYPES: Record<number, { name: string; valid: (value: string) => boolean }> = {
  100000001: { name: 'a number', valid: (v) => v.trim() !== '' && Number.isFinite(Number(v)) },
  100000002: { name: 'yes or no (true or false)', valid: (v) => v === 'true' || v === 'false' },
  100000003: {
    name: 'JSON',
    valid: (v) => {
      try {
        JSON.parse(v);
        return true;
      } catch {
        return false;
      }
    },
  },
};

/**
 * Decides, the way the service would, whether an import goes through: package type and version
 * against what is installed, missing dependencies, then each component, including the connection
 * references and environment variable values passed as ComponentParameters. Any failure fails the
 * whole import and changes nothing, as a real import rolls back.
 */
export function planImport(
  org: SandboxOrg,
  pkg: SolutionPackage,
  options: { holding: boolean; parameters: ComponentParameter[] },
): ImportPlan {
  const installed = org.solutions.find((s) => s.uniquename.toLowerCase() === pkg.uniqueName.toLowerCase());
  const warnings: string[] = [];
  const manifestError = checkManifest(org, pkg, installed, options.holding);
  if (manifestError) return { manifestError, components: [], warnings };

  const components: ComponentResult[] = [
    ...pkg.entities.map((name) => ({ kind: 'entity', id: name, name })),
    ...pkg.workflows.map((w) => ({ kind: 'workflow', id: `{${w.id}}`, name: w.name })),
  ];
  const parameters = options.parameters ?? [];
  for (const reference of pkg.connectionReferences) {
    const parameter = parameters.find((p) => p.connectionreferencelogicalname?.toLowerCase() === reference.logicalName.toLowerCase());
    const result: ComponentResult = {
      kind: 'connectionreference',
      id: reference.logicalName,
      name: reference.displayName || reference.logicalName,
    };
    if (parameter?.connectionid) {
      const connection = org.connections.find((c) => c.connectionid.toLowerCase() === parameter.connectionid!.toLowerCase());
      if (!connection) {
        result.error = {
          code: '0x80040217',
          text: `Connection '${parameter.connectionid}' for connection reference '${reference.logicalName}' was not found in this environment, or is not shared with the importing user.`,
        };
      } else if (connection.connectorid.toLowerCase() !== reference.connectorId.toLowerCase()) {
        result.error = {
          code: '0x80040203',
          text: `Connection '${parameter.connectionid}' is a ${connection.connectorid.split('/').pop()} connection, but connection reference '${reference.logicalName}' needs ${reference.connectorId.split('/').pop()}.`,
        };
      }
    }
    components.push(result);
  }
  for (const parameter of parameters.filter((p) => p['@odata.type']?.endsWith('environmentvariablevalue'))) {
    const schema = parameter.schemaname ?? '';
    const definition = pkg.environmentVariables.find((v) => v.schemaName.toLowerCase() === schema.toLowerCase());
    if (!definition) {
      warnings.push(`Environment variable '${schema}' is not defined in solution ${pkg.uniqueName}; its value was not imported.`);
      continue;
    }
    const type = ENV_VAR_TYPES[definition.type];
    const result: ComponentResult = { kind: 'environmentvariablevalue', id: schema, name: schema };
    if (type && !type.valid(String(parameter.value ?? '')))
      result.error = { code: '0x80040203', text: `The value of environment variable '${schema}' must be ${type.name}.` };
    components.push(result);
  }
  for (const parameter of parameters.filter((p) => p.connectionreferencelogicalname)) {
    if (!pkg.connectionReferences.some((r) => r.logicalName.toLowerCase() === parameter.connectionreferencelogicalname!.toLowerCase())) {
      warnings.push(
        `Connection reference '${parameter.connectionreferencelogicalname}' is not in solution ${pkg.uniqueName}; its connection was not set.`,
      );
    }
  }
  return { components, warnings };
}

function checkManifest(
  org: SandboxOrg,
  pkg: SolutionPackage,
  installed: SandboxSolution | undefined,
  holding: boolean,
): { code: string; text: string } | undefined {
  if (holding) {
    if (!pkg.managed)
      return {
        code: '0x8004F036',
        text: `Solution ${pkg.uniqueName} is unmanaged; only a managed solution can be imported as a holding solution for an upgrade.`,
      };
    if (!installed || !installed.ismanaged)
      return {
        code: '0x8004F036',
        text: `Solution ${pkg.uniqueName} cannot be imported as a holding solution, because it is not installed as a managed solution in this environment. Import it without upgrade instead.`,
      };
    if (org.solutions.some((s) => s.uniquename.toLowerCase() === `${pkg.uniqueName}_upgrade`.toLowerCase())) {
      return {
        code: '0x8004F036',
        text: `An upgrade of ${pkg.uniqueName} is already pending (${pkg.uniqueName}_Upgrade). Apply it or delete it before importing another.`,
      };
    }
  }
  if (installed?.ismanaged && !pkg.managed) {
    return {
      code: '0x80048033',
      text: `The solution is already installed on this system as a managed solution and the package to be imported is trying to install it as an unmanaged solution. You cannot import an unmanaged solution on top of a managed solution (${pkg.uniqueName}).`,
    };
  }
  if (installed && !installed.ismanaged && pkg.managed) {
    return {
      code: '0x80048033',
      text: `The solution is already installed on this system as an unmanaged solution and the package to be imported is trying to install it as a managed solution. You cannot import a managed solution on top of an unmanaged solution (${pkg.uniqueName}).`,
    };
  }
  if (installed?.ismanaged && pkg.managed && compareVersions(pkg.version, installed.version) < 0) {
    return {
      code: '0x80048034',
      text: `Solution ${pkg.uniqueName} version ${pkg.version} cannot be imported, because version ${installed.version}, which is higher, is already installed. Downgrades are not supported.`,
    };
  }
  const missing = pkg.requires.filter((r) => !org.solutions.some((s) => s.uniquename.toLowerCase() === r.solution.toLowerCase()));
  if (missing.length) {
    return {
      code: '0x80048040',
      text: `Solution manifest import: FAILURE: The following solution cannot be imported: ${pkg.uniqueName}. Some dependencies are missing. The missing dependencies are: ${missing.map((m) => m.detail).join('; ')}.`,
    };
  }
  return undefined;
}

/** The import job's result XML (importjobs.data), one element per component with its result. */
export function importJobData(
  pkg: SolutionPackage | undefined,
  plan: ImportPlan | undefined,
  started: string,
  stopped: string,
  failure?: string,
): string {
  const result = (error?: { code: string; text: string }) =>
    `<result result="${error ? 'failure' : 'success'}" errorcode="${error?.code ?? '0'}" errortext="${escapeXml(error?.text ?? '')}" datetime="${stopped}" />`;
  const manifestError = plan?.manifestError ?? (failure ? { code: '0x80048033', text: failure } : undefined);
  const groups = new Map<string, ComponentResult[]>();
  for (const component of plan?.components ?? []) groups.set(component.kind, [...(groups.get(component.kind) ?? []), component]);
  const sections = [...groups].map(
    ([kind, items]) =>
      `<${kind}s>${items.map((c) => `<${kind} id="${escapeXml(c.id)}" LocalizedName="${escapeXml(c.name)}" OriginalName="${escapeXml(c.name)}" processed="true">${result(c.error)}</${kind}>`).join('')}</${kind}s>`,
  );
  return (
    `<importexportxml start="${started}" stop="${stopped}" progress="100" processed="true">` +
    `<solutionManifests><solutionManifest languagecode="1033" id="${escapeXml(pkg?.uniqueName ?? '')}" LocalizedName="${escapeXml(pkg?.friendlyName ?? '')}" processed="true">` +
    `<UniqueName>${escapeXml(pkg?.uniqueName ?? '')}</UniqueName><Version>${escapeXml(pkg?.version ?? '')}</Version>${result(manifestError)}</solutionManifest></solutionManifests>` +
    sections.join('') +
    `</importexportxml>`
  );
}

/** Four-part versions compared part by part, as Dataverse compares solution versions. */
function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference) return Math.sign(difference);
  }
  return 0;
}
