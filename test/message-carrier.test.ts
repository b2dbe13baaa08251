import { runMessageCarrierContract } from '../src/ports/message-carrier.contract.js';
import { SimTexts } from '../src/simnet/sim-texts.js';

runMessageCarrierContract('simulated network', () => {
  const texts = new SimTexts();
  return { carrier: texts, script: (number, sms) => texts.configure(number, sms), received: (number) => texts.inbox(number) };
});
