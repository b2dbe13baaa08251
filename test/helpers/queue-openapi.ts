import { openApiSubset } from './openapi-subset.js';

/** Queue and Member bodies against Twilio's OpenAPI subset (`test/fixtures/queues-openapi.json`). */
const subset = openApiSubset({
  fixture: 'queues-openapi.json',
  schemas: { queue: 'api.v2010.account.queue', member: 'api.v2010.account.queue.member' },
  lists: {
    queues: ['/2010-04-01/Accounts/{AccountSid}/Queues.json', 'queue'],
    queue_members: ['/2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members.json', 'member'],
  },
});

export const assertQueueBody = subset.assertBody;
export const assertQueueList = subset.assertList;
