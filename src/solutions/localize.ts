import type { XmlSlices } from './xmlSlices';
export interface LocalizeOptions { useLcid?: boolean }
export function localizedResources(_m: XmlSlices, _c: XmlSlices, _o: LocalizeOptions & { sourceFile: string; packageType: string }): Map<string, Buffer> {
  throw new Error('TODO localize');
}
export function mergeResources(manifest: Buffer, customizations: Buffer, _texts: Map<string, Buffer>, _o: LocalizeOptions): { manifest: Buffer; customizations: Buffer; used: string[]; warnings: string[] } {
  throw new Error('TODO localize');
}
