const AN_OBJECT = {};

/**
 * An empty array that V8 already keeps as one of objects or of strings. An array made with `[]` is
 * one of small integers until its first push: code V8 optimized on arrays that had been pushed to
 * then fits no new one, and is thrown away and compiled again (a deoptimization), in every import
 * for arrays that live as long as an import, once a process for the arrays of each chunk or batch.
 */
export function emptyArrayOf<T>(kind: 'objects' | 'strings'): T[] {
  const array: unknown[] = [kind === 'objects' ? AN_OBJECT : ''];
  array.pop();
  return array as T[];
}
