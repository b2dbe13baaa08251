/**
 * The one catalogue of Twilio error codes Switchboard raises, with Twilio's numbers and titles
 * (xml-and-errors.md §4; https://www.twilio.com/docs/api/errors): REST errors, the
 * Notifications of a running call, and TwiML warnings alike. Every field that carries a code
 * is typed `ErrorCode`, so a code outside the catalogue does not compile; `docs/errors.md`
 * has a row per code, and test/error-catalogue.test.ts keeps the three in step.
 */
export const ERROR_CATALOGUE = {
  // REST API errors: the `code` of Twilio's error body (docs/errors.md, "REST API").
  20003: 'Authentication Error',
  20004: 'Method not allowed',
  20404: 'The requested resource was not found',
  20500: 'Internal Server Error',
  21201: 'No Called number specified',
  21205: 'Invalid URL',
  21206: 'Invalid SendDigits',
  21208: 'Invalid Timeout',
  21209: 'Invalid Method',
  21211: "Invalid 'To' Phone Number",
  21212: 'Invalid From Number (caller ID)',
  21213: 'Caller phone number is required',
  21218: 'Invalid ApplicationSid',
  21220: 'Invalid call state',
  21421: 'PhoneNumber is invalid',
  21422: 'PhoneNumber is not available',
  21609: 'Invalid StatusCallback URL',
  21626: 'Invalid StatusCallbackEvent',
  32018: 'TwiML size over the limit',
  32019: 'Both TwiML and a URL were given',
  19056: 'Input request content type is invalid',
  70002: 'Bad request',

  // Notifications raised while a call runs: fetching and reading the application's TwiML.
  11100: 'Invalid URL format',
  11200: 'HTTP retrieval failure',
  11205: 'HTTP connection failure',
  11215: 'Too many redirects',
  11750: 'TwiML response body too large',
  12100: 'Document parse failure',
  12102: 'Root element must be Response',
  12200: 'Schema validation warning',
  12300: 'Invalid Content-Type',
  12400: 'Internal failure',
  32009: 'SIP endpoint not registered',
  15003: 'Call progress: Warning Response to Callback URL',
  // <Dial> (dial.md §8): titles from Twilio's error dictionary.
  13000: 'Conference Noun cannot be mixed with Number nouns',
  13201: 'Cannot Dial out from a Dial Call Segment',
  13210: 'Dial: Invalid method value',
  13212: 'Dial: Invalid timeout value',
  13213: 'Dial: Invalid hangupOnStar value',
  13214: 'Dial: Invalid callerId value',
  13215: 'Dial: Invalid nested element',
  13216: 'Invalid timeLimit value',
  13217: 'Dial: Invalid record value',
  13218: 'Dial: Invalid sequential value',
  13219: 'Dial: Invalid answerOnBridge value',
  13220: 'Dial: Invalid ringTone value',
  13221: 'Dial->Number: Invalid method value',
  13222: 'Dial->Number: Invalid sendDigits value',
  13223: 'Dial: Invalid phone number format',
  13237: 'Dial->Conference: Invalid Conference Name',
  13241: 'Dial->SIP: Invalid method value',
  13243: 'Dial->SIP: Invalid SIP URI',
  13249: 'Dial: Invalid username or password attribute',
  13252: 'Dial: Invalid header name',
  13256: 'Invalid recordingStatusCallback URL',
  13622: 'Record: invalid recordingTrack value',
  14212: 'Dial->Queue: queue name too short',
  21234: 'Invalid Machine Detection configuration value',
  21263: 'Invalid Answering Machine Detection Parameters',
  31105: 'Invalid client name',


  // TwiML warnings: a verb with a bad attribute or content runs with the default, or is
  // skipped (xml-and-errors.md §4, twiml-voice.md).
  13310: 'Gather: Invalid finishOnKey value',
  13312: 'Gather: Invalid method value',
  13313: 'Gather: Invalid timeout value',
  13314: 'Gather: Invalid numDigits value',
  13320: 'Gather: Invalid nested verb',
  13322: 'Gather->Say: Invalid loop value',
  13326: 'Gather: Invalid input value',
  13327: 'Gather: Invalid speechTimeout value',
  13338: 'Gather: Invalid actionOnEmptyResult value',
  13410: 'Play: Invalid loop value',
  13420: 'Play: Invalid Content-Type',
  13430: 'Play: Invalid DTMF String',
  13510: 'Say: Invalid loop value',
  13520: 'Say: Invalid text',
  13521: '<Say> element character limits exceeded',
  13610: 'Record: Invalid method value',
  13611: 'Record: Invalid timeout value',
  13612: 'Record: Invalid maxLength value',
  13613: 'Record: Invalid finishOnKey value',
  13614: 'Record: Invalid transcribe value',
  13615: 'Record: maxLength too high for transcription',
  13616: 'Record: playBeep must be true or false',
  13617: 'Recording length is out of range for transcription',
  13621: "Invalid 'recordingStatusCallbackEvent'",
  13699: 'Record: Invalid trim value',
  13710: 'Redirect: Invalid method value',
  13810: 'Reject: Invalid cause',
  13910: 'Pause: Invalid length value',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** 12400, Twilio's code for a failure inside the platform rather than in the application. */
export const INTERNAL_FAILURE = 12400 satisfies ErrorCode;

/** Whether a value from outside the type system (an error's `code`) is a catalogued code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'number' && Object.hasOwn(ERROR_CATALOGUE, code);
}

export function moreInfo(code: number): string {
  return `https://www.twilio.com/docs/errors/${code}`;
}

/**
 * An expected failure of a REST request: rendered once, by the API's error handler, as
 * Twilio's error body `{code, message, more_info, status}`.
 */
export class TwilioError extends Error {
  constructor(readonly status: number, readonly code: ErrorCode | undefined, message: string, readonly detail?: string) {
    super(message);
  }
}

export const notFound = (path: string) =>
  new TwilioError(404, 20404, `The requested resource ${path} was not found`);

export const badRequest = (code: ErrorCode | undefined, message: string) => new TwilioError(400, code, message);
