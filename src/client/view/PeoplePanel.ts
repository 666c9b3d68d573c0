/**
 * The people panel: everyone in the room with their host badge and raised
 * hand, the raised hands in the order they went up, and, for hosts, what a
 * host can do to each participant and to the room. It also keeps the hand
 * and host badges on the tiles. The server decides who may do what; the
 * panel only offers hosts their buttons.
 */
import type { Knock, ParticipantInfo, ParticipantVerb, RoomRules } from '../../protocol/messages.js';
import type { HostMessage } from '../session/MeetingSession.js';
import type { TileGrid } from './TileGrid.js';

const VERB_LABELS: Record<Exclude<ParticipantVerb, 'lowerHand' | 'admit' | 'deny'>, string> = {
  mute: 'Mute',
  stopVideo: 'Stop video',
  makeHost: 'Make host',
  remove: 'Remove',
};

export class PeoplePanel {
  private readonly people = new Map<string, ParticipantInfo>();
  private hosts: string[] = [];
  private rules: RoomRules = { locked: false, micsLocked: false, lobby: false, hasPassword: false };
  private knocks: Knock[] = [];
  private selfId = '';
  /** The button that opened the panel: the focus goes back to it. */
  private opener: HTMLButtonElement | undefined;
  private readonly handsList: HTMLOListElement;
  private readonly peopleList: HTMLUListElement;
  private readonly roomControls: HTMLElement;
  private readonly lobbyList: HTMLUListElement;

  constructor(
    private readonly panel: HTMLElement,
    private readonly grid: TileGrid,
    private readonly send: (message: HostMessage) => void,
  ) {
    this.handsList = panel.querySelector<HTMLOListElement>('#hands-list')!;
    this.peopleList = panel.querySelector<HTMLUListElement>('#people-list')!;
    this.roomControls = panel.querySelector<HTMLElement>('#room-controls')!;
    this.lobbyList = panel.querySelector<HTMLUListElement>('#lobby-list')!;
    panel.addEventListener('click', (event) => this.onClick(event));
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.opener) this.toggle(this.opener);
    });
    const passwordForm = panel.querySelector<HTMLFormElement>('#room-password-form')!;
    passwordForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const input = passwordForm.querySelector<HTMLInputElement>('#room-password')!;
      if (input.value === '') return;
      this.send({ type: 'hostRoom', change: { setting: 'password', password: input.value } });
      input.value = '';
    });
  }

  get amHost(): boolean {
    return this.hosts.includes(this.selfId);
  }

  /** Our own raised hand, if any. */
  get handRaised(): boolean {
    return this.people.get(this.selfId)?.handRaisedAt !== undefined;
  }

  /** A new welcome lists everyone again. */
  welcomed(self: ParticipantInfo, others: ParticipantInfo[]): void {
    this.selfId = self.participantId;
    this.people.clear();
    for (const person of [self, ...others]) this.people.set(person.participantId, person);
    this.render();
  }

  upsert(participant: ParticipantInfo): void {
    this.people.set(participant.participantId, participant);
    this.render();
  }

  remove(participantId: string): void {
    this.people.delete(participantId);
    this.render();
  }

  setHosts(participantIds: string[]): void {
    this.hosts = participantIds;
    this.render();
  }

  setRules(rules: RoomRules): void {
    this.rules = rules;
    this.render();
  }

  /** Who waits in the lobby (hosts are told); returns the names that just started waiting, to announce. */
  setKnocks(knocks: Knock[]): string[] {
    const known = new Set(this.knocks.map((knock) => knock.participantId));
    this.knocks = knocks;
    this.render();
    return knocks.filter((knock) => !known.has(knock.participantId)).map((knock) => knock.name);
  }

  /** Shows or hides the panel; shown, focus moves to its heading, hidden, back to the button that opened it. */
  toggle(opener: HTMLButtonElement): void {
    this.opener = opener;
    this.panel.hidden = !this.panel.hidden;
    opener.setAttribute('aria-expanded', String(!this.panel.hidden));
    if (this.panel.hidden) opener.focus();
    else this.panel.querySelector<HTMLElement>('h2')?.focus();
  }

  private render(): void {
    const hands = [...this.people.values()].filter((p) => p.handRaisedAt !== undefined).sort((a, b) => a.handRaisedAt! - b.handRaisedAt!);
    const handPlace = new Map(hands.map((p, index) => [p.participantId, index + 1]));
    this.handsList.replaceChildren(...hands.map((person) => this.handItem(person)));
    this.handsList.hidden = hands.length === 0;
    this.peopleList.replaceChildren(...[...this.people.values()].map((person) => this.personItem(person, handPlace.get(person.participantId))));
    for (const person of this.people.values()) {
      this.grid.setBadges(person.participantId, { host: this.hosts.includes(person.participantId), handPlace: handPlace.get(person.participantId) });
    }
    this.roomControls.hidden = !this.amHost;
    this.setToggle('lock-room-button', this.rules.locked);
    this.setToggle('lock-mics-button', this.rules.micsLocked);
    this.setToggle('lobby-button', this.rules.lobby);
    this.panel.querySelector<HTMLElement>('#room-password-form')!.dataset['hasPassword'] = String(this.rules.hasPassword);
    this.panel.querySelector<HTMLButtonElement>('#clear-password-button')!.disabled = !this.rules.hasPassword;
    const knocks = this.amHost ? this.knocks : [];
    this.lobbyList.replaceChildren(...knocks.map((knock) => this.knockItem(knock)));
    this.lobbyList.hidden = knocks.length === 0;
  }

  private handItem(person: ParticipantInfo): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset['participantId'] = person.participantId;
    item.append(this.nameOf(person));
    if (this.amHost && person.participantId !== this.selfId) item.append(this.verbButton('lowerHand', person, 'Lower hand'));
    return item;
  }

  private knockItem(knock: Knock): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset['participantId'] = knock.participantId;
    const name = document.createElement('span');
    name.className = 'person-name';
    name.textContent = knock.name;
    const person = { participantId: knock.participantId, name: knock.name };
    item.append(name, this.verbButton('admit', person, 'Admit'), this.verbButton('deny', person, 'Deny'));
    return item;
  }

  private personItem(person: ParticipantInfo, handPlace: number | undefined): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset['participantId'] = person.participantId;
    const name = document.createElement('span');
    name.className = 'person-name';
    name.textContent = this.nameOf(person);
    item.append(name);
    if (this.hosts.includes(person.participantId)) item.append(badge('Host', 'host-badge'));
    if (handPlace !== undefined) item.append(badge(`Hand ${handPlace}`, 'hand-badge', `hand raised, ${handPlace} in line`));
    if (this.amHost && person.participantId !== this.selfId) {
      const actions = document.createElement('span');
      actions.className = 'person-actions';
      for (const [verb, label] of Object.entries(VERB_LABELS) as Array<[keyof typeof VERB_LABELS, string]>) {
        if (verb === 'makeHost' && this.hosts.includes(person.participantId)) continue;
        actions.append(this.verbButton(verb, person, label));
      }
      item.append(actions);
    }
    return item;
  }

  private nameOf(person: ParticipantInfo): string {
    return person.participantId === this.selfId ? `${person.name} (you)` : person.name;
  }

  private verbButton(verb: ParticipantVerb, person: Pick<ParticipantInfo, 'participantId' | 'name'>, label: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = verb === 'remove' || verb === 'deny' ? 'danger' : '';
    button.dataset['verb'] = verb;
    button.dataset['participantId'] = person.participantId;
    button.textContent = label;
    button.setAttribute('aria-label', `${label}: ${person.name}`);
    return button;
  }

  private setToggle(id: string, pressed: boolean): void {
    this.panel.querySelector(`#${id}`)?.setAttribute('aria-pressed', String(pressed));
  }

  private onClick(event: MouseEvent): void {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button');
    if (!button) return;
    const { verb, participantId } = button.dataset;
    if (verb && participantId) {
      if (verb === 'remove' && !confirm(`Remove ${this.people.get(participantId)?.name ?? 'this participant'} from the meeting?`)) return;
      this.send({ type: 'host', verb: verb as ParticipantVerb, participantId });
    } else if (button.id === 'lock-room-button') this.send({ type: 'hostRoom', change: { setting: 'locked', on: !this.rules.locked } });
    else if (button.id === 'clear-password-button') this.send({ type: 'hostRoom', change: { setting: 'password', password: null } });
    else if (button.id === 'lobby-button') this.send({ type: 'hostRoom', change: { setting: 'lobby', on: !this.rules.lobby } });
    else if (button.id === 'lock-mics-button') this.send({ type: 'hostRoom', change: { setting: 'micsLocked', on: !this.rules.micsLocked } });
    else if (button.id === 'end-for-all-button' && confirm('End the meeting for everyone?')) this.send({ type: 'hostRoom', change: { setting: 'end' } });
  }
}

function badge(text: string, className: string, label?: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text;
  if (label) span.setAttribute('aria-label', label);
  return span;
}
