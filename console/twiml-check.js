/**
 * Checks a TwiML document in the page before it is sent (twiml-voice.md): well-formed XML
 * (the browser's own parser), a `<Response>` root, and only verbs TwiML defines. Returns the
 * problems in words; an empty list means the document may be sent.
 */

/**
 * The TwiML voice verbs (twiml-voice.md §3), as the server's parser knows them: the ones it runs
 * and the ones it refuses when reached (src/twiml/parse-twiml.ts). `<Prompt>`, `<Stream>` and
 * the rest are nouns inside a verb, not verbs of `<Response>`.
 */
const VERBS = new Set([
  'Say', 'Play', 'Pause', 'Gather', 'Redirect', 'Hangup', 'Reject', 'Dial', 'Record',
  'Enqueue', 'Leave', 'Connect', 'Start', 'Stop', 'Pay', 'Refer', 'Sms', 'Echo',
]);

/** @param {string} text @returns {string[]} */
export function checkTwiml(text) {
  if (text.trim() === '') return ['The document is empty.'];
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const error = doc.getElementsByTagName('parsererror')[0];
  if (error) {
    // Chromium: "This page contains the following errors: error on line 1 at column 9: …"
    const detail = (error.querySelector('div')?.textContent ?? error.textContent ?? '').trim();
    return [`Not well-formed XML: ${detail}`];
  }
  const root = doc.documentElement;
  if (root.nodeName !== 'Response') return [`The root element must be <Response>, not <${root.nodeName}>.`];
  const problems = [];
  for (const child of root.children) {
    if (!VERBS.has(child.nodeName)) problems.push(`<${child.nodeName}> is not a TwiML verb.`);
  }
  for (const node of root.childNodes) {
    if (node.nodeType === Node.TEXT_NODE && node.textContent?.trim()) problems.push(`Text directly inside <Response>: "${node.textContent.trim().slice(0, 40)}".`);
  }
  return problems;
}
