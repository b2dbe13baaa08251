import type { NewParticipant } from '../conferences/conference-service.js';
import type { ParticipantChange } from '../conferences/conference-room.js';
import { CONFERENCE_EVENTS, labelProblem, MAX_PARTICIPANTS, type ConferenceEvent, type ConferenceSettings, type ParticipantOptions } from '../domain/conference.js';
import { badRequest } from '../domain/errors.js';
import { parseCreateParams } from './call-params.js';
import { integerParam, methodParam, one, urlParam, type Form } from './form.js';

const BEEPS = ['true', 'false', 'onEnter', 'onExit'] as const;
const bool = (form: Form, key: string, fallback: boolean) => {
  const value = one(form, key);
  return value === undefined || value === '' ? fallback : value.toLowerCase() === 'true';
};
const has = (form: Form, key: string) => one(form, key) !== undefined;

/**
 * `POST …/Participants` (conferences.md §4, create parameters): the call leg as for `POST
 * /Calls` (without Url/Twiml: the call runs the conference), the participant's flags, and the
 * conference's settings (used only if this creates the conference). `Label` problems are 16024.
 */
export function parseParticipantCreate(form: Form): NewParticipant {
  const call = parseCreateParams({ ...form, Url: [], Twiml: ['<Response/>'] });
  const label = one(form, 'Label') || null;
  const problem = label === null ? null : labelProblem(label);
  if (problem) throw badRequest(16024, `Label "${label}" ${problem}`);
  const beep = one(form, 'Beep') ?? 'true';
  if (!(BEEPS as readonly string[]).includes(beep)) throw badRequest(undefined, `Beep must be one of ${BEEPS.join(', ')}, not '${beep}'`);
  const coach = one(form, 'CallSidToCoach') || null;
  const coaching = bool(form, 'Coaching', coach !== null);
  const waitUrl = one(form, 'WaitUrl');
  const participant: ParticipantOptions = {
    muted: bool(form, 'Muted', false),
    beep: beep as ParticipantOptions['beep'],
    startConferenceOnEnter: bool(form, 'StartConferenceOnEnter', true),
    endConferenceOnExit: bool(form, 'EndConferenceOnExit', false),
    waitUrl: waitUrl === undefined ? null : waitUrl === '' ? '' : urlParam(form, 'WaitUrl'),
    waitMethod: methodParam(form, 'WaitMethod'),
    coach: coaching ? coach : null,
    label,
  };
  if (coaching && coach === null) throw badRequest(16028, 'Coaching=true needs CallSidToCoach');
  const record = one(form, 'ConferenceRecord') ?? 'false';
  return {
    call,
    participant,
    settings: {
      statusCallback: urlParam(form, 'ConferenceStatusCallback', 21609),
      statusCallbackMethod: methodParam(form, 'ConferenceStatusCallbackMethod'),
      statusCallbackEvents: events(form, 'ConferenceStatusCallbackEvent'),
      maxParticipants: integerParam(form, 'MaxParticipants', undefined, 2, MAX_PARTICIPANTS) ?? MAX_PARTICIPANTS,
      record: record === 'true' || record === 'record-from-start',
      trim: (one(form, 'ConferenceTrim') ?? 'trim-silence') === 'trim-silence',
      recordingStatusCallback: urlParam(form, 'ConferenceRecordingStatusCallback'),
      recordingStatusCallbackMethod: methodParam(form, 'ConferenceRecordingStatusCallbackMethod'),
      recordingStatusCallbackEvents: recordingEvents(form),
      region: one(form, 'Region') || null,
    },
  };
}

/** `ConferenceRecordingStatusCallbackEvent`: `in-progress completed absent` (`failed` is accepted and never sent). */
function recordingEvents(form: Form): ConferenceSettings['recordingStatusCallbackEvents'] {
  const words = (form.ConferenceRecordingStatusCallbackEvent ?? []).flatMap((v) => v.split(/[\s,]+/)).filter((w) => w !== '');
  if (words.length === 0) return ['completed'];
  return (['in-progress', 'completed', 'absent'] as const).filter((e) => words.includes(e));
}

/** Repeated keys (twilio-node) or one space-separated value (the spec text); default `start end`. */
function events(form: Form, key: string): ConferenceEvent[] {
  const words = (form[key] ?? []).flatMap((v) => v.split(/[\s,]+/)).filter((w) => w !== '');
  if (words.length === 0) return ['start', 'end'];
  const unknown = words.filter((w) => !(CONFERENCE_EVENTS as readonly string[]).includes(w));
  if (unknown.length > 0) throw badRequest(undefined, `${key} values must be among ${CONFERENCE_EVENTS.join(', ')}, not ${unknown.join(', ')}`);
  return CONFERENCE_EVENTS.filter((e) => words.includes(e));
}

/** `POST …/Participants/{CallSid}` (conferences.md §4, update parameters). */
export function parseParticipantUpdate(form: Form): ParticipantChange {
  const change: ParticipantChange = {};
  // "Any other value counts as false" (spec text for Muted); the same reading for the other flags.
  if (has(form, 'Muted')) change.muted = bool(form, 'Muted', false);
  if (has(form, 'Hold')) change.hold = bool(form, 'Hold', false);
  if (has(form, 'HoldUrl')) change.holdUrl = one(form, 'HoldUrl') === '' ? '' : urlParam(form, 'HoldUrl');
  if (has(form, 'HoldMethod') || has(form, 'HoldUrl')) change.holdMethod = methodParam(form, 'HoldMethod', 'GET');
  if (has(form, 'AnnounceUrl')) change.announceUrl = urlParam(form, 'AnnounceUrl');
  change.announceMethod = methodParam(form, 'AnnounceMethod');
  if (has(form, 'WaitUrl')) change.waitUrl = one(form, 'WaitUrl') === '' ? '' : urlParam(form, 'WaitUrl');
  if (has(form, 'WaitUrl')) change.waitMethod = methodParam(form, 'WaitMethod');
  if (has(form, 'BeepOnExit')) change.beepOnExit = bool(form, 'BeepOnExit', true);
  if (has(form, 'EndConferenceOnExit')) change.endConferenceOnExit = bool(form, 'EndConferenceOnExit', false);
  if (has(form, 'Coaching')) change.coaching = bool(form, 'Coaching', false);
  if (has(form, 'CallSidToCoach')) change.callSidToCoach = one(form, 'CallSidToCoach') || null;
  return change;
}

/** `POST …/Conferences/{Sid}` (conferences.md §3): `Status=completed`, `AnnounceUrl`. */
export function parseConferenceUpdate(form: Form) {
  const status = one(form, 'Status');
  if (status !== undefined && status !== 'completed') throw badRequest(undefined, `Status can only be 'completed', not '${status}'`);
  return { completed: status === 'completed', announceUrl: urlParam(form, 'AnnounceUrl'), announceMethod: methodParam(form, 'AnnounceMethod') };
}
