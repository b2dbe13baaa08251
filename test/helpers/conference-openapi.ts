import { openApiSubset } from './openapi-subset.js';

/**
 * Conference and Participant bodies against Twilio's OpenAPI subset
 * (`test/fixtures/conferences-openapi.json`). As the reference README says, the spec's enum
 * `$ref`s are not marked nullable while `reason_conference_ended` is null on every active
 * conference: that property alone is allowed to be null.
 */
const subset = openApiSubset({
  fixture: 'conferences-openapi.json',
  schemas: { conference: 'api.v2010.account.conference', participant: 'api.v2010.account.conference.participant' },
  lists: {
    conferences: ['/2010-04-01/Accounts/{AccountSid}/Conferences.json', 'conference'],
    participants: ['/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json', 'participant'],
  },
  patch: (spec) => {
    const properties = spec.components.schemas['api.v2010.account.conference'].properties;
    properties.reason_conference_ended = { anyOf: [{ type: 'null' }, properties.reason_conference_ended] };
  },
});

export const assertConferenceBody = subset.assertBody;
export const assertConferenceList = subset.assertList;
