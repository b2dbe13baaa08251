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
  20001: 'Invalid parameter',
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
  13230: 'Dial->Conference: Invalid muted value',
  13231: 'Dial->Conference: Invalid endConferenceOnExit value',
  13232: 'Dial->Conference: Invalid startConferenceOnEnter value',
  13233: 'Dial->Conference: Invalid waitUrl',
  13234: 'Dial->Conference: Invalid waitMethod',
  13235: 'Dial->Conference: Invalid beep value',
  13237: 'Dial->Conference: Invalid Conference Name',
  13238: 'Dial->Conference: Invalid Verb',
  13239: 'Dial->Conference: Invalid trim value',
  13240: 'Dial->Conference: Invalid whisper value',
  13241: 'Dial->SIP: Invalid method value',
  13243: 'Dial->SIP: Invalid SIP URI',
  13249: 'Dial: Invalid username or password attribute',
  13252: 'Dial: Invalid header name',
  13256: 'Invalid recordingStatusCallback URL',
  13622: 'Record: invalid recordingTrack value',
  // Queues (queues.md §7).
  14201: 'Enqueue: Invalid method value',
  14202: 'Enqueue: Invalid waitUrl',
  14203: 'Enqueue: Invalid action url',
  14204: 'Enqueue: Queue name too short',
  14205: 'Enqueue: Queue name too long',
  14206: 'Enqueue: Invalid waitUrlMethod',
  14207: 'Queue: Targeted queue has reached max size',
  14210: 'Dial->Queue: Invalid whisper method',
  14211: 'Dial->Queue: Invalid whisper URL',
  14212: 'Dial->Queue: queue name too short',
  14213: 'Dial->Queue: queue name too long',
  14226: 'Enqueue: TaskRouter workflowSid is not supported in this realm',
  // Conferences (conferences.md §6).
  16001: 'Conference is not bridged',
  16020: 'Conference is full',
  16022: 'Conference does not exist or is completed',
  16023: 'Invalid participant label',
  16024: 'Invalid participant label',
  16025: 'Participant label already in use',
  16026: 'Participant label already in use',
  16027: 'Participant to be coached is on hold',
  16028: 'Participant to be coached is not present',
  21234: 'Invalid Machine Detection configuration value',
  21263: 'Invalid Answering Machine Detection Parameters',
  31105: 'Invalid client name',
  // Messages (messaging.md §7): REST refusals, then delivery errors in `error_code`.
  21602: 'Message body is required',
  21604: "'To' phone number is required",
  21606: "The 'From' phone number provided is not a valid, message-capable Twilio phone number",
  21610: 'Attempt to send to unsubscribed recipient',
  21614: "'To' number is not a valid mobile number",
  21617: 'The concatenated message body exceeds the 1600 character limit',
  30003: 'Unreachable destination handset',
  30006: 'Landline or unreachable carrier',
  14101: "'To' Attribute is Invalid",


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
