import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TwimlError } from './verbs.js';
import { strictXmlProblem } from './xml-strict.js';

/**
 * A minimal, library-independent XML tree: the TwiML parser reads this, never fast-xml-parser's
 * output shape. Text is already entity-decoded; comments, processing instructions and the XML
 * declaration are gone; CDATA is plain text.
 */
export interface XmlElement {
  name: string;
  attrs: ReadonlyMap<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

const TEXT = '#text';
const CDATA = '#cdata';
const ATTRS = ':@';
const ATTR_PREFIX = '@_';
/** fast-xml-parser renames tags such as `toString`; NUL cannot occur in an XML name, so we mark and undo. */
const RENAMED = '\u0000';

// processEntities is off: fast-xml-parser decodes the five XML entities but not numeric references
// (`&#38;`), and decoding those afterwards would double-decode `&amp;#38;`. We decode everything in
// one pass ourselves. Side effect we want: DTD-declared entities are never expanded (no entity bombs).
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_PREFIX,
  parseTagValue: false, // `<Say>1e5</Say>` must stay the string "1e5"
  parseAttributeValue: false,
  trimValues: false, // spaces between SSML children are significant
  processEntities: false,
  cdataPropName: CDATA, // CDATA is literal: keep it apart so it is not entity-decoded
  ignoreDeclaration: true,
  ignorePiTags: true,
  onDangerousProperty: (name) => RENAMED + name,
});

/**
 * Reads a TwiML document into an element tree, or throws TwimlError 12100 (not well-formed XML:
 * Twilio error dictionary, "Document parse failure"). Leading/trailing whitespace and a UTF-8 BOM
 * are tolerated because web frameworks often emit a newline before `<?xml …?>`.
 */
export function readXml(source: string): XmlElement {
  // Whitespace before a root element is legal XML; only before `<?xml` must we drop it. Dropping
  // no more than that keeps the validator's line numbers (also those inside its messages) right.
  const lead = /^\uFEFF?(?:[ \t\r\n]*(?=<\?xml[ \t\r\n?]))?/.exec(source)?.[0] ?? '';
  const text = source.slice(lead.length).trimEnd();
  if (text === '') throw parseFailure('the document is empty');
  const strict = strictXmlProblem(text);
  if (strict) throw parseFailure(strict);

  const checked = XMLValidator.validate(text);
  if (checked !== true) {
    const { msg, line, col } = checked.err;
    // Report positions in the caller's document, not in our trimmed copy.
    const skippedLines = lead.split('\n').length - 1;
    const at = line === 1 ? col + (lead.length - lead.lastIndexOf('\n') - 1) : col;
    throw parseFailure(`${msg} (line ${line + skippedLines}${at ? `, column ${at}` : ''})`);
  }

  let raw: unknown;
  try {
    raw = parser.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // `<constructor>`, `<__proto__>`, `<prototype>` are refused by the library; none is TwiML.
    const reserved = /Invalid name: "([^"]+)"/.exec(message);
    if (reserved) throw new TwimlError(12200, `<${reserved[1]}> is not a TwiML element`);
    throw parseFailure(message);
  }

  const roots = (raw as RawNode[]).map(toNode).filter((n): n is XmlElement => typeof n !== 'string');
  // The validator accepts `<Response/><Response/>`; XML 1.0 §2.1 allows exactly one root.
  if (roots.length !== 1) throw parseFailure(roots.length ? 'more than one root element' : 'no root element');
  return roots[0];
}

type RawNode = Record<string, unknown>;

function toNode(raw: RawNode): XmlNode {
  if (Object.hasOwn(raw, TEXT)) return decodeText(String(raw[TEXT]));
  const key = Object.keys(raw).find((k) => k !== ATTRS);
  if (key === undefined) return '';
  if (key === CDATA) return (raw[CDATA] as RawNode[]).map((n) => String(n[TEXT] ?? '')).join('');
  const attrs = new Map<string, string>();
  const rawAttrs = (raw[ATTRS] ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(rawAttrs)) {
    attrs.set(name.slice(ATTR_PREFIX.length), decodeAttribute(String(value)));
  }
  const name = key.startsWith(RENAMED) ? key.slice(RENAMED.length) : key;
  return { name, attrs, children: (raw[key] as RawNode[]).map(toNode) };
}

function decodeAttribute(value: string): string {
  // The validator lets `<` through in attribute values; XML 1.0 §3.1 (AttValue) forbids it.
  if (value.includes('<')) throw parseFailure(`"<" is not allowed in an attribute value: "${value}"`);
  return decodeText(value);
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML 1.0's five predefined entities and character references (§4.1, §4.6) in one pass. */
function decodeText(value: string): string {
  return value.replace(/&([^;&<\s]*)(;?)/g, (whole, ref: string, semi: string) => {
    if (!semi) throw parseFailure(`unescaped "&" in "${value.slice(0, 60)}" (write &amp;)`);
    if (ref.startsWith('#')) {
      const cp = /^#x[0-9a-fA-F]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? Number(ref.slice(1)) : NaN;
      if (!isXmlChar(cp)) throw parseFailure(`invalid character reference ${whole}`);
      return String.fromCodePoint(cp);
    }
    const named = Object.hasOwn(PREDEFINED, ref) ? PREDEFINED[ref] : undefined;
    // HTML names such as &nbsp; are not XML: a conforming parser (Twilio's) rejects them.
    if (named === undefined) throw parseFailure(`undefined entity ${whole}`);
    return named;
  });
}

/** XML 1.0 §2.2 `Char`. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function parseFailure(detail: string): TwimlError {
  return new TwimlError(12100, `Document parse failure: ${detail}`);
}
