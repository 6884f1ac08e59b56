import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function files(folder: string, ending: RegExp): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : files(path, ending);
    return ending.test(entry.name) ? [path] : [];
  });
}

describe('links to the service notes', () => {
  it('every docs/service-notes.md#section that src, the docs and the README name is a heading of the notes', () => {
    const notes = readFileSync(join(ROOT, 'docs', 'service-notes.md'), 'utf8');
    const anchors = new Set([...notes.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
    const sources = [
      ...files(join(ROOT, 'src'), /\.ts$/),
      ...files(join(ROOT, 'docs'), /\.md$/),
      join(ROOT, 'README.md'),
      join(ROOT, 'CONTRIBUTING.md'),
    ];
    const broken: string[] = [];
    let links = 0;
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      const own = file.endsWith('service-notes.md') ? [...text.matchAll(/\]\(#([\w-]+)\)/g)] : [];
      for (const match of [...text.matchAll(/service-notes\.md#([\w-]+)/g), ...own]) {
        links++;
        if (!anchors.has(match[1]!)) broken.push(`${relative(ROOT, file)}: #${match[1]}`);
      }
      // "and #section" after a first link names a second section of the same notes.
      for (const match of text.matchAll(/service-notes\.md#[\w-]+ and #([\w-]+)/g)) {
        links++;
        if (!anchors.has(match[1]!)) broken.push(`${relative(ROOT, file)}: #${match[1]}`);
      }
    }
    assert.ok(links > 50, `only ${links} links found`);
    assert.deepEqual(broken, [], `links to sections the notes do not have:\n${broken.join('\n')}`);
  });
});
