import type { generate as Generate } from 'selfsigned';

/** A fresh self-signed certificate for 127.0.0.1 and localhost; its key also signs the sandbox's tokens. */
export async function generateCertificate(): Promise<{ certificatePem: string; privateKeyPem: string }> {
  // Loaded here, not at the top: a server signed in to a real tenant never needs selfsigned and its
  // X.509 library, which cost the runtime's load time (README, First tool call).
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'Power Agent MCP sandbox' }], {
    keySize: 2048,
    algorithm: 'sha256',
    days: 7,
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  } as Parameters<typeof Generate>[1]);
  return { certificatePem: pems.cert, privateKeyPem: pems.private };
}
