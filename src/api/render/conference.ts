import type { Participant } from '../../conferences/participant.js';
import { accountPath as base } from '../../domain/api-paths.js';
import type { ConferenceRecord } from '../../domain/conference.js';
import { rfc2822 } from '../../domain/dates.js';

/** The Conference resource in Twilio's JSON shape (`api.v2010.account.conference`, conferences.md §3). */
export function conferenceJson(c: ConferenceRecord): Record<string, unknown> {
  const uri = `${base(c.accountSid)}/Conferences/${c.sid}`;
  return {
    account_sid: c.accountSid,
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateUpdated),
    api_version: '2010-04-01',
    friendly_name: c.friendlyName,
    // Twilio's examples show `unknown` for a conference not yet mixing anywhere.
    region: c.region ?? (c.status === 'init' ? 'unknown' : 'us1'),
    sid: c.sid,
    status: c.status,
    uri: `${uri}.json`,
    subresource_uris: { participants: `${uri}/Participants.json`, recordings: `${uri}/Recordings.json` },
    reason_conference_ended: c.reasonConferenceEnded,
    call_sid_ending_conference: c.callSidEndingConference,
  };
}

/** A Participant (`api.v2010.account.conference.participant`, conferences.md §4); `uri` always by Call SID. */
export function participantJson(conference: ConferenceRecord, p: Participant, queueTime: string | null = null): Record<string, unknown> {
  return {
    account_sid: conference.accountSid,
    call_sid: p.callSid,
    label: p.options.label,
    call_sid_to_coach: p.options.coach,
    coaching: p.options.coach !== null,
    conference_sid: conference.sid,
    date_created: rfc2822(p.dateCreated),
    date_updated: rfc2822(p.dateUpdated),
    end_conference_on_exit: p.options.endConferenceOnExit,
    muted: p.options.muted,
    hold: p.hold,
    start_conference_on_enter: p.options.startConferenceOnEnter,
    status: p.status,
    queue_time: queueTime,
    uri: `${base(conference.accountSid)}/Conferences/${conference.sid}/Participants/${p.callSid}.json`,
  };
}
