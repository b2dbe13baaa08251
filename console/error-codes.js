/**
 * `docs/errors.md` as a page, so a notification's code can link to its row: the document's
 * headings and tables rendered as they are, each code row with the id `error-<code>`.
 */
import { h, replace } from './dom.js';

/** @param {HTMLElement} view @param {unknown} _ctx @param {string | undefined} code */
export async function showErrorCodes(view, _ctx, code) {
  const response = await fetch('/console/docs/errors.md', { credentials: 'omit' });
  const text = await response.text();
  const blocks = [];
  /** @type {string[][]} */
  let table = [];
  const flush = () => {
    if (table.length === 0) return;
    const [head, , ...body] = table;
    blocks.push(h('table', { class: 'errors' },
      h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
      h('tbody', {}, body.map((cells) => h('tr', { id: /^\d+$/.test(cells[0]) ? `error-${cells[0]}` : null }, cells.map((c) => h('td', {}, inline(c))))))));
    table = [];
  };
  /** @type {string[]} */
  let paragraph = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push(h('p', {}, inline(paragraph.join(' '))));
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      endParagraph();
      table.push(line.replace(/^\||\|$/g, '').split('|').map((c) => c.trim()));
      continue;
    }
    flush();
    if (line.startsWith('#')) {
      endParagraph();
      blocks.push(h(`h${Math.min(4, line.match(/^#+/)?.[0].length ?? 1) + 1}`, {}, line.replace(/^#+\s*/, '')));
    } else if (line.trim()) paragraph.push(line.trim());
    else endParagraph();
  }
  endParagraph();
  flush();
  replace(view, h('article', { class: 'error-codes' }, blocks));
  const row = code ? document.getElementById(`error-${code}`) : null;
  if (row) {
    row.classList.add('highlight');
    row.scrollIntoView({ block: 'center' });
  }
  return {};
}

/** `code spans` as <code>, the rest as text. @param {string} text */
function inline(text) {
  return text.split(/(`[^`]+`)/).map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? h('code', {}, part.slice(1, -1)) : part));
}
