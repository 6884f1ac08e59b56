import type { ResultPage } from './resultPage';

/**
 * The result page as HTML for a webview: no scripts (the page links to commands instead), styles
 * from the VS Code theme, every text escaped.
 */
export function resultHtml(page: ResultPage, options: { nonce: string; jsonCommand?: string }): string {
  const parts: string[] = [];
  parts.push(`<h1><span class="badge ${page.ok ? 'ok' : 'failed'}">${page.ok ? 'Done' : 'Failed'}</span> ${escape(page.headline)}</h1>`);
  if (page.error) {
    const e = page.error;
    parts.push('<section class="error">');
    parts.push(`<p class="message">${lines(e.message)}</p>`);
    const ids = [e.code && ['Code', e.code], e.correlationId && ['Correlation id', e.correlationId]].filter(Boolean) as Array<
      [string, string]
    >;
    if (ids.length) parts.push(facts(ids));
    if (e.hint) parts.push(`<p class="hint"><strong>What to do:</strong> ${escape(e.hint)}</p>`);
    parts.push('</section>');
  }
  if (page.lines.length) parts.push(`<p>${page.lines.map(escape).join('<br>')}</p>`);
  if (page.facts.length) parts.push(facts(page.facts));
  for (const section of page.sections) parts.push(`<h2>${escape(section.heading)}</h2>`, facts(section.facts));
  for (const t of page.tables) {
    parts.push(`<h2>${escape(t.heading)}</h2>`);
    if (!t.rows.length) {
      parts.push('<p class="muted">None.</p>');
      continue;
    }
    const head = t.columns.map((c) => `<th>${escape(c)}</th>`).join('');
    const body = t.rows.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('');
    parts.push(`<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`);
  }
  if (page.notes.length) parts.push('<h2>Notes</h2>', `<ul>${page.notes.map((n) => `<li>${escape(n)}</li>`).join('')}</ul>`);
  if (options.jsonCommand && page.json !== undefined)
    parts.push(`<p class="json"><a href="${escape(options.jsonCommand)}">Show the full result as JSON</a></p>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${options.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escape(page.title)}</title>
<style nonce="${options.nonce}">${STYLE}</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>`;
}

function facts(rows: Array<[string, string]>): string {
  return `<table class="facts"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escape(k)}</th><td>${lines(v)}</td></tr>`).join('')}</tbody></table>`;
}

function lines(text: string): string {
  return text.split('\n').map(escape).join('<br>');
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 20px 20px; }
h1 { font-size: 1.4em; font-weight: 600; margin: 16px 0; }
h2 { font-size: 1.1em; font-weight: 600; margin: 20px 0 8px; }
.badge { font-size: 0.7em; padding: 2px 8px; border-radius: 10px; vertical-align: middle; }
.badge.ok { background: var(--vscode-testing-iconPassed); color: var(--vscode-editor-background); }
.badge.failed { background: var(--vscode-testing-iconFailed); color: var(--vscode-editor-background); }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 12px 4px 0; vertical-align: top; border-bottom: 1px solid var(--vscode-widget-border, rgba(128,128,128,0.2)); }
thead th { font-weight: 600; }
table.facts th { font-weight: normal; color: var(--vscode-descriptionForeground); white-space: nowrap; }
.error { border-left: 3px solid var(--vscode-testing-iconFailed); padding: 4px 12px; margin: 8px 0 16px; background: var(--vscode-textBlockQuote-background); }
.error .message { white-space: normal; }
.muted { color: var(--vscode-descriptionForeground); }
a { color: var(--vscode-textLink-foreground); }
`;
