import type { XmlSlices } from './xmlSlices';
export interface LocalizeOptions { useLcid?: boolean }
export function localizedResources(_m: XmlSlices, _c: XmlSlices, _o: LocalizeOptions & { sourceFile: string; packageType: string }): Map<string, string> {
  throw new Error('TODO localize');
}
export function mergeResources(manifest: string, customizations: string, _texts: Map<string, string>, _o: LocalizeOptions): { manifest: string; customizations: string; used: string[]; warnings: string[] } {
  throw new Error('TODO localize');
}
