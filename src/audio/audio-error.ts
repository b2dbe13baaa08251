/**
 * Why audio for `<Say>`, `<Play>` or a beep could not be made. `code` is the Twilio error code
 * the caller puts in the call's Notification (xml-and-errors.md §4b; docs/errors.md):
 * - 11100 invalid URL format: not an absolute http(s) URL;
 * - 11200 HTTP retrieval failure: a non-2xx answer, a timeout, a body over the size cap;
 * - 11205 HTTP connection failure: refused, host not found, reset;
 * - 11215 too many redirects;
 * - 13420 `<Play>`: the URL answered with something that is not audio we can decode;
 * - 12400 internal failure: a tool (espeak-ng, ffmpeg) is missing or failed.
 */
export type AudioErrorCode = 11100 | 11200 | 11205 | 11215 | 12400 | 13420;

export class AudioError extends Error {
  constructor(
    readonly code: AudioErrorCode,
    message: string,
    readonly details: {
      /** The URL being loaded, for `<Play>`. */
      url?: string;
      /** The HTTP status when the server answered with a non-2xx status. */
      status?: number;
      /** The command-line tool involved: "espeak-ng", "ffmpeg", or the configured path. */
      tool?: string;
      /** Last lines the tool wrote to stderr. */
      stderr?: string;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AudioError';
  }
}
