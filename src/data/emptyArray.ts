const AN_OBJECT = {};

/**
 * An empty array that V8 already keeps as one of any values (`kind` only says what it will hold).
 * An array made with `[]` is one of small integers until its first push: code V8 optimised on
 * arrays that had been pushed to fits no new one, and is thrown away and compiled again (a
 * deoptimisation). Arrays that live as long as an import met that in every import; the arrays made
 * for each chunk of data.xml or each batch, once in a process.
 */
export function emptyArrayOf<T>(kind: 'objects' | 'strings'): T[] {
  const array: unknown[] = [kind === 'objects' ? AN_OBJECT : ''];
  array.pop();
  return array as T[];
}
