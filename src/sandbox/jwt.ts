import { createHash, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function signJwt(payload: Record<string, unknown>, privateKeyPem: string, keyId: string): string {
  const header = { typ: 'JWT', alg: 'RS256', kid: keyId };
  const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign('RSA-SHA256').update(body).sign(privateKeyPem);
  return `${body}.${b64url(signature)}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signedPart: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')),
      payload: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')),
      signedPart: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Checks an RS256 or PS256 signature (MSAL signs client assertions with PS256 when it has a SHA-256 thumbprint). */
export function verifySignature(jwt: DecodedJwt, key: KeyObject | string): boolean {
  const publicKey = typeof key === 'string' ? createPublicKey(key) : key;
  const verifier = createVerify('RSA-SHA256').update(jwt.signedPart);
  if (jwt.header.alg === 'PS256')
    return verifier.verify({ key: publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, jwt.signature);
  if (jwt.header.alg === 'RS256') return verifier.verify(publicKey, jwt.signature);
  return false;
}

export function keyIdFor(publicKeyPem: string): string {
  return createHash('sha256').update(publicKeyPem).digest('base64url').slice(0, 16);
}
