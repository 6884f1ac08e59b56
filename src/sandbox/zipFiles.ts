import JSZip from 'jszip';

/**
 * Zips as the sandbox's services read and write them, with JSZip: a library the product does not
 * use, so the product's zip reader and writer are checked by another implementation.
 */
export async function readZipMembers(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await JSZip.loadAsync(bytes);
  const members = new Map<string, Buffer>();
  for (const entry of Object.values(zip.files)) if (!entry.dir) members.set(entry.name, await entry.async('nodebuffer'));
  return members;
}

export function writeZipMembers(members: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const zip = new JSZip();
  for (const { name, data } of members) zip.file(name, data);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
