import { openApiSubset } from './openapi-subset.js';

/** Message and Media bodies against Twilio's OpenAPI subset (`test/fixtures/messages-openapi.json`). */
const subset = openApiSubset({
  fixture: 'messages-openapi.json',
  schemas: { message: 'api.v2010.account.message', media: 'api.v2010.account.message.media' },
  lists: {
    messages: ['/2010-04-01/Accounts/{AccountSid}/Messages.json', 'message'],
    media_list: ['/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json', 'media'],
  },
});

/** A Message body: the spec's schema, with every key of it and no other. */
export const assertMessageBody = (body: unknown) => subset.assertBody('message', body);
/** A Messages list page, every item included. */
export const assertMessageList = (body: unknown) => subset.assertList('messages', body);
/** A Media list page, every item with every key. */
export const assertMediaList = (body: unknown) => subset.assertList('media_list', body);
