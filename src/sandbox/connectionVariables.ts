import { randomUUID } from 'node:crypto';
import { jsonBody, type Reply, type SandboxRequest } from './http';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

const VALID_VALUE: Record<number, (value: string) => boolean> = {
  100000001: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
  100000002: (v) => v === 'true' || v === 'false',
  100000003: (v) => {
    try {
      JSON.parse(v);
      return true;
    } catch {
      return false;
    }
  },
};

/** Rows of the connection reference and environment variable tables, as the Web API returns them. */
export function connectionVariableRows(set: string, org: SandboxOrg): Array<Record<string, unknown>> | undefined {
  if (set === 'connectionreferences') return org.connectionReferences.map((r) => ({ ...r }));
  if (set === 'environmentvariabledefinitions') return org.environmentVariableDefinitions.map((d) => ({ ...d }));
  if (set === 'environmentvariablevalues') {
    return org.environmentVariableValues.map(({ environmentvariabledefinitionid, ...v }) => ({
      ...v,
      _environmentvariabledefinitionid_value: environmentvariabledefinitionid,
    }));
  }
  return undefined;
}

/**
 * PATCH of a connection reference's connection, and create or update of environment variable values
 * (docs/service-notes.md#connection-references-and-environment-variables).
 */
export function handleConnectionVariables(
  request: SandboxRequest,
  segment: string,
  org: SandboxOrg,
  reply: DataverseReplies,
): Reply | undefined {
  const body = (jsonBody(request) ?? {}) as Record<string, unknown>;
  let match: RegExpExecArray | null;
  if (request.method === 'PATCH' && (match = /^connectionreferences\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const reference = org.connectionReferences.find((r) => r.connectionreferenceid === match![1]!.toLowerCase());
    if (!reference) return reply.error(404, '0x80040217', `connectionreference With Id = ${match[1]} Does Not Exist`);
    const connectionId = String(body.connectionid ?? '');
    const connection = org.connections.find((c) => c.connectionid.toLowerCase() === connectionId.toLowerCase());
    if (!connection)
      return reply.error(
        400,
        '0x80040217',
        `Connection '${connectionId}' was not found in this environment, or is not shared with the calling user.`,
      );
    if (connection.connectorid.toLowerCase() !== reference.connectorid.toLowerCase()) {
      return reply.error(
        400,
        '0x80040203',
        `Connection '${connectionId}' is for ${connection.connectorid.split('/').pop()}, but connection reference '${reference.connectionreferencelogicalname}' needs ${reference.connectorid.split('/').pop()}.`,
      );
    }
    reference.connectionid = connection.connectionid;
    return { status: 204 };
  }
  if (request.method === 'POST' && segment.toLowerCase() === 'environmentvariablevalues') {
    const definitionId = /environmentvariabledefinitions\(([0-9a-f-]{36})\)/i
      .exec(String(body['EnvironmentVariableDefinitionId@odata.bind'] ?? ''))?.[1]
      ?.toLowerCase();
    const definition = org.environmentVariableDefinitions.find((d) => d.environmentvariabledefinitionid === definitionId);
    if (!definition)
      return reply.error(400, '0x80040217', `environmentvariabledefinition With Id = ${definitionId ?? '(none)'} Does Not Exist`);
    if (org.environmentVariableValues.some((v) => v.environmentvariabledefinitionid === definition.environmentvariabledefinitionid)) {
      return reply.error(412, '0x80040237', `A value for environment variable ${definition.schemaname} already exists; update it instead.`);
    }
    const invalid = valueProblem(definition.schemaname, definition.type, body.value);
    if (invalid) return reply.error(400, '0x80040203', invalid);
    const row = {
      environmentvariablevalueid: randomUUID(),
      schemaname: String(body.schemaname ?? definition.schemaname),
      value: String(body.value),
      environmentvariabledefinitionid: definition.environmentvariabledefinitionid,
    };
    org.environmentVariableValues.push(row);
    return {
      status: 204,
      headers: { 'odata-entityid': `${org.url}/api/data/v9.2/environmentvariablevalues(${row.environmentvariablevalueid})` },
    };
  }
  if (request.method === 'PATCH' && (match = /^environmentvariablevalues\(([0-9a-f-]{36})\)$/i.exec(segment))) {
    const row = org.environmentVariableValues.find((v) => v.environmentvariablevalueid === match![1]!.toLowerCase());
    if (!row) return reply.error(404, '0x80040217', `environmentvariablevalue With Id = ${match[1]} Does Not Exist`);
    const definition = org.environmentVariableDefinitions.find(
      (d) => d.environmentvariabledefinitionid === row.environmentvariabledefinitionid,
    )!;
    const invalid = valueProblem(definition.schemaname, definition.type, body.value);
    if (invalid) return reply.error(400, '0x80040203', invalid);
    row.value = String(body.value);
    return { status: 204 };
  }
  return undefined;
}

function valueProblem(schema: string, type: number, value: unknown): string | undefined {
  if (typeof value !== 'string') return `The value of environment variable '${schema}' must be a string.`;
  const valid = VALID_VALUE[type];
  return valid && !valid(value) ? `The value '${value}' is not valid for environment variable '${schema}' of type ${type}.` : undefined;
}
