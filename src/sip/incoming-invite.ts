import { CallDialog } from './call-dialog.js';
import { DialogState } from './dialog/dialog.js';
import { guarded } from './logger.js';
import { makeResponse } from './message/response.js';
import type { SipAddress, SipRequest } from './message/types.js';
import type { InviteServerTransaction } from './transaction/invite-server-transaction.js';
import type { Dialog, IncomingInvite } from './ua-api.js';
import { newTag, type UaContext } from './ua-context.js';

/**
 * The UAS side of an initial INVITE (RFC 3261 §13.3). One To-tag is chosen up front and put
 * on every response but the 100 (pitfall 4). Once a final response went out, `progress` and
 * `reject` do nothing and `accept` throws.
 */
export class IncomingInviteHandle implements IncomingInvite {
  onCancel: (() => void) | undefined;
  readonly offer: string | undefined;
  /** Our To-tag on every response to this INVITE (and to its CANCEL). */
  readonly toTag = newTag();
  private cancelledOrFailed = false;
  private dialog: CallDialog | undefined;

  constructor(
    private readonly ua: UaContext,
    private readonly tx: InviteServerTransaction,
    readonly source: SipAddress,
  ) {
    this.offer = tx.request.body.length > 0 ? tx.request.body.toString('utf8') : undefined;
    tx.setFailureUser({ transportError: () => this.failed() });
  }

  get request(): SipRequest {
    return this.tx.request;
  }

  progress(status: 180 | 183 = 180, sdp?: string): void {
    if (!this.tx.pending) return;
    this.tx.respond(makeResponse(this.request, status, undefined, {
      toTag: this.toTag,
      headers: this.ua.commonHeaders(),
      ...(sdp === undefined ? {} : { body: Buffer.from(sdp), contentType: 'application/sdp' }),
    }));
  }

  accept(sdp: string): Dialog {
    if (!this.tx.pending) {
      throw new Error(this.cancelledOrFailed ? 'The INVITE was cancelled' : 'The INVITE was already answered');
    }
    const dialog = new CallDialog(this.ua, DialogState.asUas(this.request, this.toTag), this.source);
    this.ua.addDialog(dialog);
    this.dialog = dialog;
    const ok = makeResponse(this.request, 200, undefined, {
      toTag: this.toTag,
      headers: this.ua.commonHeaders(),
      body: Buffer.from(sdp),
      contentType: 'application/sdp',
    });
    dialog.sendAnswer(this.tx, ok, this.offer === undefined);
    return dialog;
  }

  reject(status: number, reason?: string): void {
    if (!this.tx.pending) return;
    if (!(status >= 300 && status <= 699)) throw new RangeError(`reject needs a 3xx-6xx status, got ${status}`);
    this.tx.respond(makeResponse(this.request, status, reason, { toTag: this.toTag, headers: this.ua.commonHeaders() }));
  }

  /**
   * §9.2: the CANCEL matched this INVITE. Still unanswered: 487 with our To-tag, then onCancel.
   * Already answered: nothing (the UA has sent 200 to the CANCEL; the call goes on).
   */
  cancelled(): void {
    if (!this.tx.pending) return;
    this.tx.respond(makeResponse(this.request, 487, undefined, { toTag: this.toTag }));
    this.cancelledOrFailed = true;
    guarded(this.ua.logger, 'onCancel', () => this.onCancel?.());
  }

  /** A transport error: before the answer it ends the INVITE (onCancel); after it, the dialog. */
  private failed(): void {
    if (this.dialog) return this.dialog.fail();
    if (this.cancelledOrFailed) return;
    this.cancelledOrFailed = true;
    guarded(this.ua.logger, 'onCancel', () => this.onCancel?.());
  }
}
