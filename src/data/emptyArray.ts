/**
 * An empty array that V8 already keeps as one of objects or of strings, for arrays that live as long
 * as a reader or an import. An array made with `[]` is one of small integers until its first push:
 * code V8 optimized on the array of an earlier import then fits no new one, and is thrown away and
 * compiled again in every import (a deoptimization).
 */
export function emptyArrayOf<T>(kind: 'objects' | 'strings'): T[] {
  const array: unknown[] = [kind === 'objects' ? {} : ''];
  array.pop();
  return array as T[];
}
