/**
 * The "Invite" sheet: what someone needs to join this meeting, to pass on.
 * The room's link, and when the server takes phone calls, the number to
 * call and the room's PIN (which the server sends to this room's
 * participants only), each with a button that copies it.
 */
import { Sheet } from './Sheet.js';

const INVITE_ICON = ['M15 8a3.5 3.5 0 1 0-7 0 3.5 3.5 0 0 0 7 0z', 'M4 20a7.5 7.5 0 0 1 11-6.6M19 14v6M16 17h6'];

interface InviteLine {
  line: HTMLElement;
  value: HTMLElement;
}

export class InvitePanel {
  readonly sheet = new Sheet({ id: 'invite', title: 'Invite', icon: INVITE_ICON });
  private readonly link = this.addLine('invite-link', 'Room link');
  private readonly number = this.addLine('invite-number', 'Dial-in number');
  private readonly pin = this.addLine('invite-pin', 'PIN (then #)');

  /** The sheet's button goes into the call bar before `before`. */
  constructor(before: HTMLElement) {
    before.before(this.sheet.button);
    this.number.line.hidden = true;
    this.pin.line.hidden = true;
  }

  setRoom(roomName: string): void {
    const url = new URL('/', window.location.href);
    url.searchParams.set('room', roomName);
    this.show(this.link, url.href, url.href);
  }

  setDialIn(number: string, pin: string): void {
    this.show(this.number, number, number);
    // Read out in two halves, as people say it back: "1234 5678".
    this.show(this.pin, pin.replace(/(\d{4})(?=\d)/g, '$1 '), pin);
  }

  private show(target: InviteLine, text: string, copied: string): void {
    target.value.textContent = text;
    target.value.dataset['value'] = copied;
    target.line.hidden = false;
  }

  private addLine(id: string, label: string): InviteLine {
    const line = document.createElement('p');
    line.className = 'invite-line';
    const name = document.createElement('span');
    name.className = 'invite-label';
    name.id = `${id}-label`;
    name.textContent = label;
    const value = document.createElement('output');
    value.id = id;
    value.setAttribute('aria-labelledby', name.id);
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.id = `${id}-copy`;
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', `Copy ${label}`);
    copy.addEventListener('click', () => {
      const text = value.dataset['value'] ?? '';
      navigator.clipboard.writeText(text).then(
        () => (copy.textContent = 'Copied'),
        // Without clipboard access (an insecure origin), the text is selected for the user to copy.
        () => window.getSelection()?.selectAllChildren(value),
      );
    });
    line.append(name, value, copy);
    this.sheet.body.append(line);
    return { line, value };
  }
}
