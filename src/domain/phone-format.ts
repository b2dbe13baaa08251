/**
 * Display form of an endpoint, as in the Call resource's `to_formatted`/`from_formatted`:
 * NANP numbers become `(415) 867-5309`; everything else is returned as given.
 */
export function formatEndpoint(endpoint: string): string {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(endpoint);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : endpoint;
}

/** E.164: a plus sign and up to 15 digits, the first not zero. */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(value);
}
