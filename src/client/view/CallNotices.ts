/**
 * What the page says about the call above the tiles: ringing while we are
 * alone, "the call is over" when the others have left or the meeting ended,
 * and the connection state in the header.
 */
import type { ConnectionState } from '../session/signalling.js';
import type { Ringer } from '../ringer.js';

export class CallNotices {
  /** Whether anyone else has been here: only then does an empty room mean the call is over. */
  private hadPeers = false;

  constructor(
    private readonly notice: HTMLElement,
    private readonly status: HTMLElement,
    private readonly ringer: Ringer,
    private readonly rejoin: () => void,
  ) {}

  /** The number of others in the room changed. */
  othersInRoom(count: number): void {
    if (count === 0 && this.hadPeers) {
      this.callOver('everyone else has left', {
        label: 'Rejoin',
        run: () => {
          this.hadPeers = false;
          this.othersInRoom(0);
        },
      });
    } else if (count === 0) {
      this.ringer.start();
      if (this.notice.querySelector('.ringing')) return;
      const ringing = document.createElement('span');
      ringing.className = 'ringing';
      ringing.textContent = 'Ringing… waiting for others to join';
      this.notice.replaceChildren(ringing);
    } else {
      this.hadPeers = true;
      this.ringer.stop();
      // Someone is here: the ringing (or the call being over) no longer holds; any other notice (a host's word) stays.
      if (this.notice.querySelector('.ringing, .call-over')) this.notice.replaceChildren();
    }
  }

  /** The status line: the state, and why when the server said (e.g. "server restarting"). */
  connection(state: ConnectionState, detail: string | undefined): void {
    this.status.dataset['state'] = state;
    this.status.textContent = state === 'reconnecting' && detail ? `${detail}, reconnecting…` : state;
    if (state === 'ended') this.callOver(detail || 'the meeting was ended', { label: 'Join again', run: this.rejoin });
    else if (state === 'closed') this.notice.textContent = detail ?? 'disconnected';
  }

  say(text: string): void {
    this.notice.textContent = text;
  }

  /** Says the call is over and why, with one button to go on: `action` names it and does it. */
  private callOver(why: string, action: { label: string; run: () => void }): void {
    this.ringer.stop();
    const message = document.createElement('div');
    message.className = 'call-over';
    message.id = 'call-over';
    const text = document.createElement('p');
    text.textContent = `The call is over: ${why}.`;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.addEventListener('click', action.run);
    message.append(text, button);
    this.notice.replaceChildren(message);
  }
}
