/**
 * SMS segment counting (messaging.md §6, after TwilioDevEd's message-segment-calculator): a
 * segment carries 1120 bits; GSM-7 gives 160 characters alone, 153 per part of a long message;
 * one character outside GSM-7 makes the whole message UCS-2, 70 alone and 67 per part, where a
 * character beyond the BMP takes two 16-bit units. No character is split across parts.
 */
export function countSegments(body: string): number {
  if (body === '') return 1;
  const chars = [...body];
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENDED.has(c));
  const units = chars.map((c) => (gsm ? (GSM_EXTENDED.has(c) ? 2 : 1) : c.length));
  const total = units.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  if (total <= single) return 1;
  const perPart = gsm ? 153 : 67;
  let parts = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > perPart) { parts++; used = 0; }
    used += u;
  }
  return parts;
}

/** The GSM 03.38 default alphabet (one septet each). */
const GSM_BASIC = new Set([
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
]);
/** The extension table: an escape plus a septet, so two septets each. */
const GSM_EXTENDED = new Set([...'^{}\\[~]|€\f']);
