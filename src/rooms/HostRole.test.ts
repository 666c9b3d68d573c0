import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerMessage } from '../protocol/messages.js';
import type { MemberRecord } from '../cluster/records.js';
import { HostRole } from './HostRole.js';
import { Participant, type MediaOpener } from './Participant.js';
import { Roster } from './Roster.js';

const noMedia: MediaOpener = { open: () => Promise.reject(new Error('no media here')), failed: () => undefined };

/** A room as one app server sees it: its own pages and other servers' members, and what its pages were told. */
function room() {
  const roster = new Roster(() => undefined);
  const told: ServerMessage[] = [];
  const promoted: string[] = [];
  const role = new HostRole(roster, (message) => told.push(message), (participant) => promoted.push(participant.id));
  const local = (id: string, joinedAt: number): Participant => {
    const participant = new Participant(id, id, 'browser', noMedia);
    participant.joinedAt = joinedAt;
    roster.add(participant);
    roster.markPresent(id);
    return participant;
  };
  const remote = (id: string, joinedAt: number, extra: Partial<MemberRecord> = {}): void => {
    roster.setRemote({ info: { participantId: id, name: id, kind: 'browser', audioMuted: false, videoMuted: false }, server: 'other', present: true, joinedAt, ...extra });
  };
  return { roster, role, told, promoted, local, remote };
}

describe('HostRole', () => {
  it('makes the page present longest the host, wherever it is held, and marks it made host only on its own server', () => {
    const { role, promoted, local, remote } = room();
    remote('first-page', 1);
    local('second-page', 2);
    assert.deepEqual(role.hosts(), ['first-page']);
    assert.equal(role.refresh(), true);
    assert.deepEqual(promoted, [], 'the first page is held elsewhere: that server marks it');
  });

  it('keeps the longest present as host beside those made hosts after it', () => {
    const { role, promoted, local } = room();
    const alice = local('alice-page', 1);
    local('bob-page', 2).promoted = true;
    assert.deepEqual(role.hosts(), ['bob-page'], 'before refresh, only the made host counts');
    role.refresh();
    assert.equal(alice.promoted, false, 'Alice was never the longest present host on her own');
    const fresh = room();
    const carol = fresh.local('carol-page', 1);
    fresh.role.refresh();
    assert.equal(carol.promoted, true, 'the longest present is marked made host at once');
    assert.deepEqual(fresh.promoted, ['carol-page']);
    fresh.local('dan-page', 2).promoted = true;
    assert.deepEqual(fresh.role.hosts(), ['carol-page', 'dan-page']);
    assert.deepEqual(promoted, []);
  });

  it('hands the role to the longest present when the last host leaves, and tells the pages once per change', () => {
    const { roster, role, told, local } = room();
    const host = local('host-page', 1);
    local('next-page', 2);
    local('last-page', 3);
    role.refresh();
    roster.remove(host);
    assert.equal(role.refresh(), true);
    assert.equal(role.refresh(), false, 'nothing changed since');
    assert.deepEqual(told, [
      { type: 'hosts', participantIds: ['host-page'] },
      { type: 'hosts', participantIds: ['next-page'] },
    ]);
  });

  it('never makes a phone host', () => {
    const { roster, role } = room();
    const phone = new Participant('phone-line', 'Phone', 'phone', noMedia);
    phone.joinedAt = 0;
    roster.add(phone);
    roster.markPresent(phone.id);
    assert.deepEqual(role.hosts(), []);
  });
});
