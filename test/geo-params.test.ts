import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { geoOf, geoParams } from '../src/session/geo-params.js';
import { eventually, startHarness, type Harness } from './helpers/harness.js';

describe('geographic webhook parameters (geo-parameters.md)', () => {
  it('derives country, and for US and Canadian geographic numbers the state and any city, as Twilio\'s captures show', () => {
    assert.deepEqual(geoOf('+12105389200'), { City: 'SAN ANTONIO', State: 'TX', Zip: '', Country: 'US' });
    assert.deepEqual(geoOf('+17752204100'), { City: '', State: 'NV', Zip: '', Country: 'US' });
    assert.deepEqual(geoOf('+14146221700'), { City: '', State: 'WI', Zip: '', Country: 'US' });
    assert.deepEqual(geoOf('+14165550123'), { City: '', State: 'ON', Zip: '', Country: 'CA' });
  });

  it('gives only the country for toll-free numbers, numbers outside the NANP and numbers libphonenumber calls invalid', () => {
    assert.deepEqual(geoOf('+18665551234'), { City: '', State: '', Zip: '', Country: 'US' });
    assert.deepEqual(geoOf('+81312345678'), { City: '', State: '', Zip: '', Country: 'JP' });
    assert.deepEqual(geoOf('+447700900123'), { City: '', State: '', Zip: '', Country: 'GB' }, 'the drama range falls back to the calling code');
    assert.deepEqual(geoOf('anonymous'), { City: '', State: '', Zip: '', Country: '' });
  });

  it('sends no geographic keys for client: and sip: parties, and the Caller*/Called* copies only on voice requests', () => {
    assert.deepEqual(geoParams('client:alice', 'sip:bob@example.com', true), {});
    const sms = geoParams('+12125551000', 'client:x', false);
    assert.deepEqual(Object.keys(sms), ['FromCity', 'FromState', 'FromZip', 'FromCountry']);
    const voice = geoParams('+12125551000', '+18665551234', true);
    assert.equal(voice.CallerCity, 'NEW YORK');
    assert.equal(voice.CalledCountry, 'US');
    assert.equal(voice.CalledState, '');
  });

  describe('on a real call', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness();
    });
    after(() => h.close());

    it('an inbound call\'s webhook and status callback carry them, the empty ones too, and stay correctly signed', async () => {
      h.app.route('/geo', '<Response><Hangup/></Response>').route('/geo-status', '<Response/>');
      await h.client.incomingPhoneNumbers.create({ phoneNumber: '+17752204100', voiceUrl: `${h.app.url}/geo`, statusCallback: `${h.app.url}/geo-status` });
      const placed = await h.sim('POST', '/sim/v1/calls', { from: '+12105389200', to: '+17752204100' });
      assert.equal(placed.status, 201);
      const request = await h.app.waitFor('/geo', (r) => r.params.CallSid === placed.body.callSid);
      for (const prefix of ['From', 'Caller']) {
        assert.deepEqual([request.params[`${prefix}City`], request.params[`${prefix}State`], request.params[`${prefix}Zip`], request.params[`${prefix}Country`]], ['SAN ANTONIO', 'TX', '', 'US']);
      }
      for (const prefix of ['To', 'Called']) {
        assert.deepEqual([request.params[`${prefix}City`], request.params[`${prefix}State`], request.params[`${prefix}Zip`], request.params[`${prefix}Country`]], ['', 'NV', '', 'US']);
      }
      assert.ok(twilio.validateRequest(h.server.authToken, String(request.headers['x-twilio-signature']), request.url, request.params));
      const status = await eventually(() => h.app.to('/geo-status').find((r) => r.params.CallSid === placed.body.callSid), (r) => r !== undefined);
      assert.equal(status!.params.FromState, 'TX');
      assert.equal(status!.params.ToState, 'NV');
    });
  });
});
