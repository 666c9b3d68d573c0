/**
 * The meeting's chat: a panel beside the grid (a sheet over it on a
 * phone-sized screen), opened by the call bar's Chat button, which counts
 * the messages that came while it was closed. Messages show their sender,
 * their time and, when private, to whom; their text is plain text (see
 * linkify.ts). A message goes to everyone, or privately to one person.
 */
import { CHAT_MAX_CHARS, type ChatMessage, type ClientMessage, type ParticipantInfo } from '../../protocol/messages.js';
import { element } from '../dom.js';
import { appendLinkified } from './linkify.js';

type ChatRequest = Extract<ClientMessage, { type: 'chat' }>;

const EVERYONE = '';
/** What the server's refusals of a chat message mean to the person who sent it. */
const REFUSALS: Record<string, string> = {
  unknown_recipient: 'That person is no longer in the meeting; the message was not sent.',
  rate_limited: 'You are sending too fast; wait a moment.',
};
const CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16v11H9l-5 4z" /></svg>';

export class ChatPanel {
  readonly button = element('button', { id: 'chat-button', type: 'button', innerHTML: `${CHAT_ICON} Chat` });
  readonly panel = element('aside', { id: 'chat-panel', className: 'chat-panel', hidden: true });
  private readonly badge = element('span', { className: 'chat-badge', hidden: true });
  private readonly log = element('div', { id: 'chat-messages', className: 'chat-messages' });
  private readonly recipient = element('select', { id: 'chat-to' });
  private readonly text = element('textarea', { id: 'chat-text', maxLength: CHAT_MAX_CHARS, rows: 2, required: true, placeholder: 'Message everyone' });
  private readonly notice = element('p', { id: 'chat-notice', className: 'chat-notice' });
  /** Says who wrote while the panel is closed (its log is then out of reach of screen readers); placed outside the panel. */
  readonly announcer = element('p', { className: 'visually-hidden' });
  private readonly shown = new Map<string, HTMLElement>();
  private readonly names = new Map<string, string>();
  private selfId = '';
  private unread = 0;

  constructor(private readonly send: (request: ChatRequest) => void) {
    this.button.setAttribute('aria-controls', this.panel.id);
    this.button.setAttribute('aria-expanded', 'false');
    this.button.append(this.badge);
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-label', 'Chat messages');
    this.log.tabIndex = 0;
    this.text.setAttribute('aria-label', 'Message');
    this.notice.setAttribute('role', 'status');
    this.announcer.setAttribute('aria-live', 'polite');
    this.recipient.append(element('option', { value: EVERYONE, textContent: 'Everyone' }));
    const close = element('button', { type: 'button', className: 'chat-close', textContent: '×', onclick: () => this.close() });
    close.setAttribute('aria-label', 'Close chat');
    const form = element(
      'form',
      { className: 'chat-form' },
      element('label', { className: 'chat-to' }, 'To ', this.recipient),
      this.text,
      element('button', { type: 'submit', textContent: 'Send' }),
    );
    this.panel.setAttribute('aria-labelledby', 'chat-title');
    this.panel.append(element('header', {}, element('h2', { id: 'chat-title', textContent: 'Chat' }), close), this.log, this.notice, form);

    this.button.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    this.text.addEventListener('keydown', (event) => {
      // Enter sends, as in other chats; Shift+Enter starts a new line.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    this.recipient.addEventListener('change', () => {
      this.text.placeholder = this.recipient.value === EVERYONE ? 'Message everyone' : `Message ${this.names.get(this.recipient.value) ?? ''} privately`;
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  /** Our own participant id, at every welcome: our messages are not counted as unread. */
  setSelf(participantId: string): void {
    this.selfId = participantId;
    this.names.set(participantId, 'You');
  }

  /** How the page names a participant it has seen: "You" for ourselves. */
  nameOf(participantId: string): string {
    return this.names.get(participantId) ?? 'Someone';
  }

  open(): void {
    this.panel.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.setUnread(0);
    this.log.scrollTop = this.log.scrollHeight;
    this.text.focus();
  }

  close(): void {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    this.button.focus();
  }

  /** Someone in the room, or their new state: pages can be written to privately, phones cannot read. */
  participant(info: ParticipantInfo): void {
    if (info.kind !== 'browser') return;
    this.names.set(info.participantId, info.name);
    const existing = [...this.recipient.options].find((option) => option.value === info.participantId);
    if (existing) {
      existing.textContent = info.name;
      existing.disabled = false;
    }
    else this.recipient.append(element('option', { value: info.participantId, textContent: info.name }));
  }

  /** Someone left: they can no longer be written to. A message being written to them stays addressed to them (the server refuses it) rather than going to everyone. */
  participantLeft(participantId: string): void {
    const option = [...this.recipient.options].find((candidate) => candidate.value === participantId);
    if (!option) return;
    if (!option.selected) return option.remove();
    option.disabled = true;
    option.textContent = `${this.names.get(participantId) ?? ''} (left)`;
  }

  /** A message, new or from the history sent after a welcome: each shows once, in the order it was sent. */
  show(message: ChatMessage): void {
    if (this.shown.has(message.id)) return;
    const item = this.render(message);
    this.shown.set(message.id, item);
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const later = [...this.log.children].find((other) => Number((other as HTMLElement).dataset['sentAt']) > message.sentAt);
    this.log.insertBefore(item, later ?? null);
    if (atBottom || message.from === this.selfId) this.log.scrollTop = this.log.scrollHeight;
    if (message.from === this.selfId || !this.panel.hidden) return;
    this.setUnread(this.unread + 1);
    this.announcer.textContent = `${message.to === undefined ? 'Message' : 'Private message'} from ${message.fromName}`;
  }

  /** The server refused a request: says so if it was about chat. */
  serverError(code: string): void {
    const refusal = REFUSALS[code];
    if (refusal && !this.panel.hidden) this.notice.textContent = refusal;
  }

  private submit(): void {
    const text = this.text.value;
    if (text.trim() === '') return;
    const to = this.recipient.value;
    this.send({ type: 'chat', text, ...(to === EVERYONE ? {} : { to }) });
    this.text.value = '';
    this.notice.textContent = '';
  }

  private render(message: ChatMessage): HTMLElement {
    const sentAt = new Date(message.sentAt);
    const time = element('time', { dateTime: sentAt.toISOString(), textContent: sentAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) });
    const sender = element('span', { className: 'chat-sender', textContent: message.from === this.selfId ? 'You' : message.fromName });
    const meta = element('div', { className: 'chat-meta' }, sender);
    if (message.to !== undefined) {
      const to = message.to === this.selfId ? 'you' : (message.toName ?? '');
      meta.append(element('span', { className: 'chat-private', textContent: `to ${to} (private)` }));
    }
    meta.append(time);
    const text = element('p', { className: 'chat-text' });
    appendLinkified(text, message.text);
    const item = element('div', { className: `chat-message${message.to === undefined ? '' : ' private'}` }, meta, text);
    item.dataset['sentAt'] = String(message.sentAt);
    item.dataset['messageId'] = message.id;
    return item;
  }

  private setUnread(count: number): void {
    this.unread = count;
    this.badge.hidden = count === 0;
    this.badge.replaceChildren(element('span', { textContent: String(count) }), element('span', { className: 'visually-hidden', textContent: ' unread' }));
  }
}
