/**
 * The meeting page: the join form, then the call. Wires the device pickers,
 * the tile grid and the MeetingSession together.
 */
import type { ParticipantInfo } from '../protocol/messages.js';
import { joinCall } from './api.js';
import { canChooseSpeaker, captureLocalMedia, fillDevicePickers } from './devices.js';
import { MeetingSession } from './MeetingSession.js';
import { TileGrid } from './TileGrid.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const form = element<HTMLFormElement>('join-form');
const nameInput = element<HTMLInputElement>('name');
const roomInput = element<HTMLInputElement>('room');
const micSelect = element<HTMLSelectElement>('mic-select');
const cameraSelect = element<HTMLSelectElement>('camera-select');
const speakerSelect = element<HTMLSelectElement>('speaker-select');
const joinError = element<HTMLElement>('join-error');
const meeting = element<HTMLElement>('meeting');
const notice = element<HTMLElement>('notice');
const connectionState = element<HTMLElement>('connection-state');
const roomTitle = element<HTMLElement>('room-title');

const grid = new TileGrid(element('grid'));
const names = new Map<string, string>();
let localStream = new MediaStream();
let session: MeetingSession | undefined;
let selfId: string | undefined;

roomInput.value = new URLSearchParams(location.search).get('room') ?? '';
nameInput.value = localStorage.getItem('convene.name') ?? '';
element('speaker-label').hidden = !canChooseSpeaker();

async function refreshPreview(): Promise<void> {
  for (const track of localStream.getTracks()) track.stop();
  localStream = await captureLocalMedia({ micId: micSelect.value, cameraId: cameraSelect.value });
  await fillDevicePickers(micSelect, cameraSelect, speakerSelect);
}

function showParticipant(participant: ParticipantInfo): void {
  names.set(participant.participantId, participant.name);
  grid.upsert({ participantId: participant.participantId, feed: 'camera', name: participant.name });
}

function startMeeting(token: string, participantId: string, displayName: string, room: string): void {
  selfId = participantId;
  form.hidden = true;
  meeting.hidden = false;
  roomTitle.textContent = room;
  grid.upsert({ participantId, feed: 'camera', name: displayName, self: true });
  grid.attach(participantId, 'camera', localStream);

  session = new MeetingSession(token, {
    welcomed(_self, others) {
      grid.clearRemote(selfId);
      others.forEach(showParticipant);
    },
    participantJoined: showParticipant,
    participantUpdated: showParticipant,
    participantLeft(id) {
      names.delete(id);
      grid.remove(id);
    },
    streamAdded(id, feed, stream) {
      grid.upsert({ participantId: id, feed, name: names.get(id) ?? '…' });
      grid.attach(id, feed, stream);
    },
    streamRemoved(id, feed) {
      if (feed === 'screen') grid.remove(id, 'screen');
      else grid.attach(id, feed, null);
    },
    connectionState(state, detail) {
      connectionState.textContent = state;
      connectionState.dataset['state'] = state;
      if (state === 'closed') notice.textContent = detail ?? 'disconnected';
    },
    serverError(code, reason) {
      console.warn(`server error ${code}: ${reason}`);
    },
  });
  session.start(localStream);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  joinError.textContent = '';
  const displayName = nameInput.value.trim();
  localStorage.setItem('convene.name', displayName);
  joinCall(displayName, roomInput.value.trim()).then(
    (reply) => startMeeting(reply.token, reply.participantId, displayName, reply.room),
    (error: Error) => (joinError.textContent = error.message),
  );
});

micSelect.addEventListener('change', () => void refreshPreview());
cameraSelect.addEventListener('change', () => void refreshPreview());
element('leave-button').addEventListener('click', () => {
  session?.leave();
  location.reload();
});
window.addEventListener('pagehide', () => session?.leave());

// A handle for diagnostics from the browser console and for end-to-end tests.
Object.assign(window, { convene: { get session() { return session; }, get selfId() { return selfId; } } });

void refreshPreview();
