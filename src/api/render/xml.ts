/**
 * Twilio's XML form of a resource (xml-and-errors.md §2): `<TwilioResponse>` root, PascalCase
 * elements named after the snake_case JSON keys, nulls as empty elements, nested objects
 * nested, and URIs without their `.json` suffix.
 */
export function pascalCase(snake: string): string {
  return snake.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Drops the `.json` suffix from a path, keeping any query string (rule 6). */
export function xmlUri(uri: string): string {
  return uri.replace(/\.json(?=\?|$)/, '');
}

function elements(value: Record<string, unknown>): string {
  let out = '';
  for (const [key, field] of Object.entries(value)) {
    const name = pascalCase(key);
    if (field === null || field === undefined || field === '') out += `<${name}/>`;
    else if (typeof field === 'object' && !Array.isArray(field)) out += `<${name}>${elements(field as Record<string, unknown>)}</${name}>`;
    else {
      // Every URI of the 2010 API is a relative path: in XML it loses its `.json` (rule 6).
      const text = String(field);
      out += `<${name}>${escapeXml(text.startsWith('/2010-04-01/') ? xmlUri(text) : text)}</${name}>`;
    }
  }
  return out;
}

/** One instance: `<TwilioResponse><Call>…</Call></TwilioResponse>`. */
export function instanceXml(element: string, resource: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse><${element}>${elements(resource)}</${element}></TwilioResponse>`;
}

/** The paging fields of a list envelope, in JSON form. */
export interface ListMeta {
  page: number;
  page_size: number;
  start: number;
  end: number;
  uri: string;
  first_page_uri: string;
  next_page_uri: string | null;
  previous_page_uri: string | null;
}

/**
 * A list: paging fields become lowercase attributes without underscores on the plural
 * element (`pagesize`, `nextpageuri`), null URIs empty attributes.
 */
export function listXml(plural: string, singular: string, meta: ListMeta, items: Record<string, unknown>[]): string {
  const attributes = Object.entries(meta)
    .map(([key, value]) => {
      const text = value === null ? '' : key.endsWith('uri') ? xmlUri(String(value)) : String(value);
      return ` ${key.replace(/_/g, '')}="${escapeXml(text)}"`;
    })
    .join('');
  const body = items.map((item) => `<${singular}>${elements(item)}</${singular}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse><${plural}${attributes}>${body}</${plural}></TwilioResponse>`;
}

/** The error body in XML (xml-and-errors.md §3). */
export function errorXml(body: { code?: number; message: string; more_info?: string; status: number }): string {
  const code = body.code === undefined ? '' : `<Code>${body.code}</Code><MoreInfo>${escapeXml(body.more_info ?? '')}</MoreInfo>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse><RestException><Status>${body.status}</Status><Message>${escapeXml(body.message)}</Message>${code}</RestException></TwilioResponse>`;
}
