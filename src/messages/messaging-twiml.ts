import type { HttpMethod } from '../domain/http-method.js';
import { readXml, type XmlElement, type XmlNode } from '../twiml/xml.js';
import { TwimlError } from '../twiml/verbs.js';

/** One verb of a messaging TwiML document (messaging.md §5). */
export type MessagingVerb =
  | { verb: 'Message'; to: string | null; from: string | null; body: string; media: string[]; action: string | null; method: HttpMethod }
  | { verb: 'Redirect'; url: string; method: HttpMethod };

/** At most ten `<Media>` per `<Message>` (messaging.md §5). */
const MAX_MEDIA = 10;

/**
 * Reads messaging TwiML (`<Response><Message>…</Message><Redirect>…</Redirect></Response>`) with
 * the strict XML reader voice uses: not well-formed is 12100, another root 12102. An empty body
 * is an empty `<Response/>` (an app that does not reply answers nothing at all). Elements other
 * than `<Message>` and `<Redirect>` are skipped, and so is whatever follows a `<Redirect>` (the
 * document continues at its URL). `action`/`statusCallback` and the redirect URL are left
 * as written: the caller resolves them against the document's URL.
 */
export function parseMessagingTwiml(source: string): MessagingVerb[] {
  if (source.trim() === '') return [];
  const root = readXml(source);
  if (root.name !== 'Response') throw new TwimlError(12102, `The root element must be <Response>, not <${root.name}>`);
  const verbs: MessagingVerb[] = [];
  for (const node of elements(root.children)) {
    if (node.name === 'Message') verbs.push(message(node));
    else if (node.name === 'Redirect') {
      const url = text(node.children).trim();
      if (url === '') continue;
      verbs.push({ verb: 'Redirect', url, method: method(node.attrs.get('method')) });
      break;
    }
  }
  return verbs;
}

function message(node: XmlElement): MessagingVerb {
  const children = elements(node.children);
  const body = children.find((c) => c.name === 'Body');
  const media = children.filter((c) => c.name === 'Media').map((c) => text(c.children).trim()).filter((url) => url !== '').slice(0, MAX_MEDIA);
  const attr = (name: string) => {
    const value = node.attrs.get(name)?.trim();
    return value ? value : null;
  };
  return {
    verb: 'Message',
    to: attr('to'),
    from: attr('from'),
    // The text is the element's own text, or its `<Body>` child when it has one.
    body: (body ? text(body.children) : text(node.children)).trim(),
    media,
    // `statusCallback` is the older name of `action` (messaging.md §5).
    action: attr('action') ?? attr('statusCallback'),
    method: method(node.attrs.get('method')),
  };
}

function method(value: string | undefined): HttpMethod {
  return value?.trim().toUpperCase() === 'GET' ? 'GET' : 'POST';
}

function elements(nodes: XmlNode[]): XmlElement[] {
  return nodes.filter((n): n is XmlElement => typeof n !== 'string');
}

/** The text directly inside an element (child elements are not text). */
function text(nodes: XmlNode[]): string {
  return nodes.filter((n): n is string => typeof n === 'string').join('');
}
