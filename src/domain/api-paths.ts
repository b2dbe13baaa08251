/** Twilio's REST API version: the first segment of every resource path (calls-api.md §2). */
export const API_VERSION = '2010-04-01';

/**
 * An account's base path, `/2010-04-01/Accounts/{AccountSid}`, that every resource hangs
 * under. Given `':accountSid'` it is the route pattern the HTTP server registers.
 */
export function accountPath(accountSid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}`;
}
