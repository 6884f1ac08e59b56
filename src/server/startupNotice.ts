/**
 * What the stdio server says on stderr once it listens. A person who started it at a terminal (npm
 * start) also learns that an MCP client should start it, and how; a client that starts it gets one line.
 */
export function startupNotice(version: string, sandbox: boolean, interactive: boolean, cliPath: string): string[] {
  const ready = `power-agent-mcp ${version} is ready on stdio${sandbox ? ' against the local sandbox' : ''}.`;
  if (!interactive) return [ready];
  const args = JSON.stringify([cliPath, ...(sandbox ? ['--sandbox'] : [])]);
  return [
    ready,
    'It talks MCP over stdin and stdout, so an MCP client should start it. In the client, add a stdio server with',
    `  command "node" and args ${args}`,
    `  for example in VS Code's mcp.json: { "servers": { "power-agent": { "type": "stdio", "command": "node", "args": ${args} } } }`,
    'The README (Use it from an MCP client) has the other clients and the sign-in variables. Ctrl+C stops this server.',
  ];
}
