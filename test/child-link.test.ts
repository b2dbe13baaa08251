import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallRecord } from '../src/domain/call.js';
import { ChildLink, type ChildSessionHandle } from '../src/session/child-link.js';

const record = { sid: 'CA1', status: 'completed' } as CallRecord;
const session: ChildSessionHandle = {
  sid: 'CA1', media: {} as ChildSessionHandle['media'], snapshot: () => record, send: async () => {}, bridged: () => {}, sip: () => ({}),
};

describe('ChildLink: how a <Dial> child reports to its dial', () => {
  it('a child that fails before the dial listens is reported when it does', () => {
    const link = new ChildLink(session);
    link.left('ended', record);
    const heard: string[] = [];
    link.listen({ connected: () => heard.push('connected'), left: (reason) => heard.push(reason) });
    assert.deepEqual(heard, ['ended']);
  });

  it('connects only after answering, once, and a child that leaves after connecting is told to a later listener too', () => {
    const link = new ChildLink(session);
    const first: string[] = [];
    link.listen({ connected: () => first.push('connected'), left: (reason) => first.push(reason) });
    link.connected();
    assert.deepEqual(first, [], 'not connected before it answered');
    link.answered();
    link.connected();
    link.connected();
    link.left('ended', record);
    const second: string[] = [];
    link.listen({ connected: () => second.push('connected'), left: (reason) => second.push(reason) });
    link.left('redirected', record);
    assert.deepEqual(first, ['connected', 'ended']);
    assert.deepEqual(second, ['ended']);
  });
});
