/**
 * The XML 1.0 well-formedness rules that fast-xml-parser's validator lets through, checked
 * before it runs, so that a document Twilio refuses with 12100 is refused here too (Twilio
 * parses with a conforming XML processor). Returns the first problem found, or null.
 *
 * - Characters: only XML 1.0 §2.2 `Char` may appear anywhere (no U+0000–U+001F other than tab,
 *   LF and CR; no U+FFFE/U+FFFF; no unpaired surrogate).
 * - Character data must not contain `]]>` (§2.4).
 * - A comment must not contain `--` nor end in `--->` (§2.5).
 * - The XML declaration may only come first (§2.8), must be well formed, and must say
 *   `version="1.0"`; a processing instruction may not be named `xml` in any case (§2.6).
 */
export function strictXmlProblem(text: string): string | null {
  const bad = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
  if (bad) return `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML (at offset ${bad.index})`;

  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('<', at);
    const data = text.slice(at, open === -1 ? text.length : open);
    if (data.includes(']]>')) return '"]]>" is not allowed in text (write ]]&gt;)';
    if (open === -1) break;
    const markup = readMarkup(text, open);
    if (typeof markup === 'string') return markup;
    at = markup.end;
  }
  return null;
}

/** Skips one piece of markup starting at `open` (a `<`); returns where it ends, or the problem. */
function readMarkup(text: string, open: number): { end: number } | string {
  if (text.startsWith('<!--', open)) {
    const close = text.indexOf('-->', open + 4);
    if (close === -1) return 'unterminated comment';
    const body = text.slice(open + 4, close);
    if (body.includes('--') || body.endsWith('-')) return '"--" is not allowed inside a comment';
    return { end: close + 3 };
  }
  if (text.startsWith('<![CDATA[', open)) {
    const close = text.indexOf(']]>', open + 9);
    return close === -1 ? 'unterminated CDATA section' : { end: close + 3 };
  }
  if (text.startsWith('<?', open)) {
    const close = text.indexOf('?>', open + 2);
    if (close === -1) return 'unterminated processing instruction';
    const target = /^[^\s?]*/.exec(text.slice(open + 2))![0];
    if (target.toLowerCase() === 'xml') {
      if (open !== 0 || target !== 'xml') return 'the XML declaration is allowed only at the start of the document';
      const problem = declarationProblem(text.slice(open, close + 2));
      if (problem) return problem;
    }
    return { end: close + 2 };
  }
  if (text.startsWith('<!', open)) return { end: skipDoctype(text, open) };
  return { end: skipTag(text, open) };
}

/** XML 1.0 §2.8 `XMLDecl`, with the version this processor supports. */
const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])([^"']*)\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\4)?(\s+standalone\s*=\s*(["'])(yes|no)\6)?\s*\?>$/;

function declarationProblem(declaration: string): string | null {
  const parsed = DECLARATION.exec(declaration);
  if (!parsed) return `malformed XML declaration ${declaration.slice(0, 80)}`;
  if (parsed[2] !== '1.0') return `XML version "${parsed[2]}" is not supported (only 1.0)`;
  return null;
}

/** A start or end tag: ends at the first `>` outside a quoted attribute value. */
function skipTag(text: string, open: number): number {
  let quote: string | null = null;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return text.length;
}

/** `<!DOCTYPE …>`, possibly with an internal subset in brackets. */
function skipDoctype(text: string, open: number): number {
  let depth = 0;
  for (let i = open + 2; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']') depth--;
    else if (text[i] === '>' && depth <= 0) return i + 1;
  }
  return text.length;
}
