/**
 * Bencode (BitTorrent BEP 3, "bencoding"), the body format of rtpengine's ng control protocol:
 * integers `i42e`, byte strings `4:spam`, lists `l…e`, dictionaries `d…e` with keys sorted as
 * raw byte strings. rtpengine answers with byte strings for its text, so decoded strings are
 * UTF-8 text (the SDP and every value the bench reads are ASCII).
 */

export type Bencoded = number | string | Bencoded[] | { [key: string]: Bencoded };

export function bencode(value: Bencoded): Buffer {
  const parts: Buffer[] = [];
  const put = (v: Bencoded): void => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new TypeError(`bencode: ${v} is not an integer`);
      parts.push(Buffer.from(`i${v}e`));
    } else if (typeof v === 'string') {
      const bytes = Buffer.from(v);
      parts.push(Buffer.from(`${bytes.length}:`), bytes);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'));
      v.forEach(put);
      parts.push(Buffer.from('e'));
    } else {
      parts.push(Buffer.from('d'));
      // BEP 3: "Keys must be strings and appear in sorted order (sorted as raw strings)".
      for (const key of Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
        put(key);
        put(v[key]!);
      }
      parts.push(Buffer.from('e'));
    }
  };
  put(value);
  return Buffer.concat(parts);
}

/** Decodes one value that fills `data` exactly; throws on anything malformed. */
export function bdecode(data: Buffer): Bencoded {
  let at = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`bdecode: ${why} at byte ${at}`);
  };
  const digitsUntil = (end: number): number => {
    const stop = data.indexOf(end, at);
    if (stop < 0) fail('unterminated number');
    const text = data.toString('latin1', at, stop);
    if (!/^-?\d+$/.test(text)) fail(`bad number "${text}"`);
    at = stop + 1;
    return Number(text);
  };
  const next = (): Bencoded => {
    const c = data[at];
    if (c === undefined) return fail('unexpected end');
    if (c === 0x69 /* i */) {
      at++;
      return digitsUntil(0x65 /* e */);
    }
    if (c === 0x6c /* l */ || c === 0x64 /* d */) {
      at++;
      const list: Bencoded[] = [];
      while (data[at] !== 0x65) {
        if (at >= data.length) fail('unterminated container');
        list.push(next());
      }
      at++;
      if (c === 0x6c) return list;
      const dict: { [key: string]: Bencoded } = {};
      for (let i = 0; i < list.length; i += 2) {
        if (typeof list[i] !== 'string') fail('dictionary key is not a string');
        if (i + 1 >= list.length) fail('dictionary key without a value');
        dict[list[i] as string] = list[i + 1]!;
      }
      return dict;
    }
    if (c >= 0x30 && c <= 0x39) {
      const length = digitsUntil(0x3a /* : */);
      if (at + length > data.length) fail('string runs past the end');
      const text = data.toString('utf8', at, at + length);
      at += length;
      return text;
    }
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const value = next();
  if (at !== data.length) fail('trailing bytes');
  return value;
}
