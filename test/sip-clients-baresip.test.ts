import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startHarness, type Harness } from './helpers/harness.js';
import { withBaresip, type BaresipHandle } from './peers/baresip.js';
import { freeUdpPort, freeUdpRange } from './peers/ports.js';

/**
 * SIP clients against baresip, a real softphone: it registers with digest authentication as an
 * identity of the `--sip-clients` file (MD5: baresip 1.0 cannot answer SHA-256), and `client:<identity>` through the official SDK rings it.
 */
describe('SIP clients with baresip', () => {
  let h: Harness;
  let registrar: string;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sip-clients-'));
    const clients = join(dir, 'clients.json');
    await writeFile(clients, JSON.stringify({ alice: 's3cret', bob: 'hunter2' }));
    const rtp = await freeUdpRange(40);
    h = await startHarness({ timeScale: 1, sip: { port: await freeUdpPort(), rtpPorts: [rtp.first, rtp.last], rtpTimeoutMs: 0, clients } });
    registrar = `${h.server.sip!.host}:${h.server.sip!.port}`;
  });
  after(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * How baresip's registration stands, from ctrl_tcp `reginfo` (its REGISTER_OK / _FAIL events go
   * out before the control socket is connected, so they are never seen).
   */
  const registration = async (b: BaresipHandle, want: 'OK' | 'ERR') =>
    eventually(async () => (await b.command('reginfo')).data.replace(/\u001b\[[;\d]*m/g, ''), (info) => new RegExp(`\\b${want}\\b`).test(info), 10_000);

  it('a registered baresip is rung by client:alice, answers, hears the call and it completes', async () => {
    await withBaresip({ user: 'alice', register: { registrar, password: 's3cret' } }, async (b) => {
      await registration(b, 'OK');
      const call = await h.client.calls.create({
        to: 'client:alice', from: '+15005550006', twiml: '<Response><Say>hello</Say><Pause length="1"/></Response>',
      });
      const established = await b.waitForEvent('CALL_ESTABLISHED', 10_000);
      assert.match(String(established.peeruri), /^sip:\+15005550006@/);
      await b.waitForEvent('CALL_CLOSED', 20_000);
      const done = await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'completed', 10_000);
      assert.equal(done.to, 'client:alice');
      assert.ok(Number(done.duration) >= 1);
    });
  });

  it('a baresip with a wrong password is refused and client:bob stays unregistered', async () => {
    await withBaresip({ user: 'bob', register: { registrar, password: 'wrong' } }, async (b) => {
      await registration(b, 'ERR');
      assert.match(b.log(), /403 Forbidden/);
      const call = await h.client.calls.create({ to: 'client:bob', from: '+15005550006', twiml: '<Response><Say>hello</Say></Response>' });
      const ended = await eventually(() => h.client.calls(call.sid).fetch(), (c) => c.status === 'failed', 10_000);
      assert.equal(ended.status, 'failed');
      const notifications = await h.client.calls(call.sid).notifications.list();
      assert.deepEqual(notifications.map((n) => n.errorCode), ['32009']);
      assert.equal(notifications[0]!.log, '0', 'Twilio files 32009 as an error');
    });
  });

  it('a call from a registered baresip reaches the app From client:alice', async () => {
    const NUMBER = '+15005550201';
    await h.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, voiceUrl: `${h.app.url}/from-client` });
    h.app.route('/from-client', '<Response><Say>hi</Say><Hangup/></Response>');
    await withBaresip({ user: 'alice', register: { registrar, password: 's3cret' } }, async (b) => {
      await registration(b, 'OK');
      await b.dial(`sip:${NUMBER}@${registrar}`);
      const hook = await h.app.waitFor('/from-client', undefined, 15_000);
      assert.equal(hook.params.From, 'client:alice');
      assert.equal(hook.params.To, NUMBER);
      await b.waitForEvent('CALL_CLOSED', 20_000);
    });
  });
});
