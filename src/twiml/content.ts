import type { Warn } from './attributes.js';
import type { XmlElement } from './xml.js';

/**
 * Readers for what is inside an element (its text and children), shared by the verb parsers.
 * Twilio treats stray content inside a verb as a schema warning (12200) and ignores it.
 */

/**
 * The trimmed text directly inside `el` (a URL for Play/Redirect). Child elements other than
 * `allowed` break the schema: Twilio warns (12200) and ignores them, and so do we.
 */
export function textContent(el: XmlElement, warn: Warn, allowed: readonly string[] = []): string {
  let text = '';
  for (const child of el.children) {
    if (typeof child === 'string') text += child;
    else if (!allowed.includes(child.name)) {
      warn({ code: 12200, message: `<${child.name}> is not allowed inside <${el.name}>; ignored` });
    }
  }
  return text.trim();
}

/** Pause, Hangup and Reject have no content: warn (12200) about any text, then check children. */
export function expectEmpty(el: XmlElement, warn: Warn, allowed: readonly string[] = []): void {
  const text = textContent(el, warn, allowed);
  if (text !== '') warn({ code: 12200, message: `Text inside <${el.name}> is ignored: "${clip(text)}"` });
}

export function isBlank(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

/** A value shortened for a message, so a notification never carries a whole document. */
export function clip(text: string): string {
  const t = text.trim();
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}
