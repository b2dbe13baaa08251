const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? '0' + n : String(n));

/**
 * RFC 2822 date in UTC, the form Twilio uses in every response and webhook:
 * `Tue, 31 Aug 2010 20:36:28 +0000` (calls-api.md §1, `format: date-time-rfc-2822`).
 */
export function rfc2822(epochMs: number): string {
  const d = new Date(epochMs);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/**
 * Parses a list filter date: `YYYY-MM-DD` (the docs' form, UTC) or a full ISO 8601 timestamp
 * (what twilio-node sends for a JS Date). Returns epoch ms, or null when the value is not a date.
 */
export function parseFilterDate(value: string): { epochMs: number; dayOnly: boolean } | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(value + 'T00:00:00Z');
    return Number.isNaN(ms) ? null : { epochMs: ms, dayOnly: true };
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : { epochMs: ms, dayOnly: false };
}
