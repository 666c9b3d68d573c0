/**
 * The seed's "Dial Out": a dialog that asks for a number and a name, places
 * the call, follows its progress (the phone participant's call state) and
 * offers to hang up. It builds its own markup, like a self-contained widget.
 */
import type { CallState, ParticipantInfo, PhoneCallInfo } from '../protocol/messages.js';
import { endPhoneCall, startPhoneCall } from './api.js';
import { element } from './dom.js';

const STATE_TEXT: Record<CallState, string> = {
  dialling: 'Dialling…',
  ringing: 'Ringing…',
  answered: 'Answered: the phone is in the call',
  ended: 'Call ended',
  failed: 'Call failed',
};

export class DialOutDialog {
  readonly button = element('button', {
    id: 'dial-button',
    type: 'button',
    innerHTML:
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2" /></svg> Dial out',
  });
  private readonly dialog = element('dialog', { id: 'dial-dialog', className: 'dial-dialog' });
  private readonly number = element('input', { id: 'dial-number', type: 'tel', required: true, placeholder: '+15551234567', pattern: '\\+[1-9][0-9]{1,14}' });
  private readonly name = element('input', { id: 'dial-name', required: true, maxLength: 64, placeholder: 'Name shown in the call' });
  private readonly submit = element('button', { id: 'dial-submit', type: 'submit', textContent: 'Call' });
  private readonly hangup = element('button', { id: 'dial-hangup', type: 'button', className: 'danger', textContent: 'Hang up', hidden: true });
  private readonly status = element('p', { id: 'dial-status', className: 'dial-status' });
  private call: { callId: string; participantId: string } | undefined;
  /** Call states seen before `/startPSTNCall` answered: a quick failure can beat the reply. */
  private readonly early = new Map<string, PhoneCallInfo>();

  constructor(private readonly token: () => string | undefined) {
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    const form = element(
      'form',
      { method: 'dialog' },
      element('h2', { textContent: 'Call a phone' }),
      element('label', {}, 'Phone number ', this.number),
      element('label', {}, 'Name ', this.name),
      this.status,
      element('div', { className: 'dial-actions' }, this.submit, this.hangup, element('button', { type: 'button', textContent: 'Close', onclick: () => this.dialog.close() })),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.dial();
    });
    this.hangup.addEventListener('click', () => void this.hangUp());
    this.dialog.append(form);
    this.button.addEventListener('click', () => this.dialog.showModal());
    document.body.append(this.dialog);
  }

  /** Follows the call this dialog placed through the phone participant's updates. */
  onParticipant(info: ParticipantInfo): void {
    if (!info.call) return;
    if (info.call.callId === this.call?.callId) this.show(info.call.state, info.call.reason);
    else if (!this.call && this.submit.disabled) this.early.set(info.call.callId, info.call);
  }

  onParticipantLeft(participantId: string): void {
    if (participantId === this.call?.participantId && this.status.dataset['state'] !== 'failed') this.show('ended');
  }

  private async dial(): Promise<void> {
    const token = this.token();
    if (!token) return;
    this.call = undefined;
    this.early.clear();
    this.show('dialling');
    this.submit.disabled = true;
    try {
      this.call = await startPhoneCall(this.number.value.trim(), this.name.value.trim(), token);
      this.status.dataset['callId'] = this.call.callId;
      const seen = this.early.get(this.call.callId);
      if (seen) this.show(seen.state, seen.reason);
    } catch (error) {
      this.call = undefined;
      this.show('failed', (error as Error).message);
    }
  }

  private async hangUp(): Promise<void> {
    const token = this.token();
    if (!this.call || !token) return;
    await endPhoneCall(this.call.callId, token).catch(() => undefined);
  }

  private show(state: CallState, reason?: string): void {
    const over = state === 'ended' || state === 'failed';
    this.status.dataset['state'] = state;
    this.status.textContent = reason && state === 'failed' ? `${STATE_TEXT[state]}: ${reason}` : STATE_TEXT[state];
    this.submit.disabled = !over;
    this.hangup.hidden = over;
  }
}
