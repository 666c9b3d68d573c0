/**
 * The meeting page: the join form with a mirrored preview, then the call.
 * Wires the device pickers and controls, the room's view, the ringer, and
 * what the page measures of what it receives (who speaks, how the downlink
 * copes) to the MeetingSession.
 */
import './withoutEval.js';
import type { ParticipantInfo, ParticipantVerb, VideoPublishing } from '../protocol/messages.js';
import type { JoinCallReply } from '../protocol/http.js';
import { ApiError, joinCall } from './api.js';
import { canChooseSpeaker, captureLocalMedia, DEVICE_OFF, fillDevicePickers } from './devices.js';
import { MeetingSession } from './session/MeetingSession.js';
import { onHello, openSignallingSocket } from './session/signalling.js';
import { Publisher } from './session/Publisher.js';
import { DialOutDialog } from './DialOutDialog.js';
import { TileGrid } from './view/TileGrid.js';
import { RoomView } from './view/RoomView.js';
import { CallNotices } from './view/CallNotices.js';
import { PeoplePanel } from './view/PeoplePanel.js';
import { Ringer } from './ringer.js';
import { SelfView } from './media/SelfView.js';
import { measurePage } from './media/PageMeasures.js';
import { DeviceSettings } from './view/DeviceSettings.js';
import { InvitePanel } from './view/InvitePanel.js';
import { ChatPanel } from './chat/ChatPanel.js';
import { Reactions } from './chat/Reactions.js';

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
const joinButton = element<HTMLButtonElement>('join-button');
const meeting = element<HTMLElement>('meeting');
const callBar = element<HTMLElement>('call-bar');
const devices = element<HTMLFieldSetElement>('devices');
const deviceNotice = element<HTMLElement>('device-notice');
const micButton = element<HTMLButtonElement>('mic-button');
const cameraButton = element<HTMLButtonElement>('camera-button');
const screenButton = element<HTMLButtonElement>('screen-button');
const handButton = element<HTMLButtonElement>('hand-button');
const peopleButton = element<HTMLButtonElement>('people-button');
const hostNotice = element<HTMLElement>('host-notice');
const lobbyWait = element<HTMLElement>('lobby-wait');
const passwordLabel = element<HTMLElement>('password-label');
const passwordInput = element<HTMLInputElement>('password');

const PREVIEW_ID = 'preview';
const preview = new TileGrid(element('preview'), { layout: false });
const room = new RoomView({ grid: element('grid'), pager: element('pager'), audio: element('audio-sinks') }, (tiles) => session?.setView(tiles));
const grid = room.grid;
const ringer = new Ringer();
const people = new PeoplePanel(element('people-panel'), grid, (message) => session?.sendHostMessage(message));
const notices = new CallNotices(element('notice'), element('connection-state'), ringer, rejoinRoom);
const invite = new InvitePanel(peopleButton);
const chat = new ChatPanel((request) => session?.sendChat(request));
const reactions = new Reactions(grid, (participantId) => chat.nameOf(participantId), (request) => session?.sendChat(request));
/** How long a newly picked camera gets to hand its first frames to the encoder. */
const CAMERA_CHECK_MS = 3_000;
/** A screenshare is sent sharp rather than smooth: text needs pixels, not frames. */
const SCREEN_CAPTURE: MediaStreamConstraints = { video: { frameRate: { max: 10 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false };

/** Opened now, while the user is on the join form, so that joining does not wait for the handshake. */
const earlySocket = openSignallingSocket();
/** How the server has cameras published, once the early socket's hello says. */
let videoPublishing: VideoPublishing | undefined;
/** The camera's connection and offer, made before the click: joining then only has to send them. */
let preparedCamera: Publisher | undefined;
/** From the click until the join fails: the camera's connection is the session's to make from then on. */
let joining = false;
onHello(earlySocket, (hello) => {
  videoPublishing = hello.video;
  prepareCamera();
});

/** Makes the camera's connection and offer for the devices picked now (again, after a change), until the page joins. */
function prepareCamera(): void {
  if (joining || (preparedCamera && preparedCamera.stream === localStream)) return;
  preparedCamera?.close();
  preparedCamera = videoPublishing && localStream.getTracks().length > 0 ? new Publisher('camera', localStream, videoPublishing) : undefined;
}
let localStream = new MediaStream();
const selfView = new SelfView();
let screenStream: MediaStream | undefined;
let session: MeetingSession | undefined;
let selfId = PREVIEW_ID;
let token = '';
let audioMuted = false;
let videoMuted = false;

const { speakers, downlink } = measurePage({ session: () => session, selfId: () => selfId, room, qualityNotice: element('quality-notice') });

roomInput.value = new URLSearchParams(location.search).get('room') ?? '';
nameInput.value = localStorage.getItem('convene.name') ?? '';
element('speaker-label').hidden = !canChooseSpeaker();
preview.upsert({ participantId: PREVIEW_ID, feed: 'camera', name: 'Preview', self: true });

function showSelf(camera: MediaStream): void {
  (session ? grid : preview).attach(selfId, 'camera', selfView.of(camera, !videoMuted));
}

/** Captures from the picked devices; mid-call, swaps the published tracks without rejoining. */
async function applyDevices(): Promise<void> {
  const previous = localStream;
  localStream = await captureLocalMedia({ micId: micSelect.value, cameraId: cameraSelect.value });
  for (const track of localStream.getAudioTracks()) track.enabled = !audioMuted;
  for (const track of localStream.getVideoTracks()) track.enabled = !videoMuted;
  showSelf(localStream);
  if (session) {
    const sameKinds = ['audio', 'video'].every((kind) => previous.getTracks().some((t) => t.kind === kind) === localStream.getTracks().some((t) => t.kind === kind));
    if (sameKinds) await session.replaceStream('camera', localStream);
    else session.share('camera', localStream);
  }
  for (const track of previous.getTracks()) track.stop();
  prepareCamera();
  await fillDevicePickers(micSelect, cameraSelect, speakerSelect);
  if (session) await checkCameraSends();
}

/**
 * Some cameras (depth cameras, such as Chromium's second fake one) play in the self-view but hand
 * WebRTC no frames, so the others would see a frozen picture: say so instead of failing silently.
 */
async function checkCameraSends(): Promise<void> {
  deviceNotice.textContent = '';
  const track = localStream.getVideoTracks()[0];
  const before = await session?.capturedVideoFrames('camera');
  if (!track || before === undefined) return;
  await new Promise((resolve) => setTimeout(resolve, CAMERA_CHECK_MS));
  const after = await session?.capturedVideoFrames('camera');
  if (after !== before || videoMuted || localStream.getVideoTracks()[0] !== track) return;
  deviceNotice.textContent = `“${track.label || 'This camera'}” gives no picture the others can receive (is it a depth camera?). Pick another camera.`;
}

function rejoinRoom(): void {
  location.assign(`${location.pathname}?room=${encodeURIComponent(element('room-title').textContent ?? '')}`);
}

function showParticipant(participant: ParticipantInfo): void {
  if (participant.participantId === selfId) return showSelfState(participant);
  room.showParticipant(participant);
  chat.participant(participant);
  people.upsert(participant);
  dialOut.onParticipant(participant);
  notices.othersInRoom(grid.remoteCount);
}

/** Our own state as the server holds it: our raised hand (a host may have lowered it). */
function showSelfState(self: ParticipantInfo): void {
  people.upsert(self);
  setPressed(handButton, people.handRaised);
}

/** What a host did to us, said where a screen reader hears it; a mute or a stopped camera shows on our own controls too. */
function onModerated(verb: ParticipantVerb, by: string): void {
  const said: Record<ParticipantVerb, string> = {
    mute: `${by} muted your microphone`,
    stopVideo: `${by} stopped your video`,
    lowerHand: `${by} lowered your hand`,
    makeHost: `${by} made you a host`,
    remove: `${by} removed you from the meeting`,
    admit: `${by} let you in`,
    deny: `${by} did not let you in`,
  };
  hostNotice.textContent = said[verb];
  notices.say(said[verb]);
  if (verb === 'mute' && !audioMuted) toggleAudio();
  if (verb === 'stopVideo' && !videoMuted) toggleVideo();
}

function setPressed(button: HTMLButtonElement, pressed: boolean): void {
  button.setAttribute('aria-pressed', String(pressed));
}

/** Tells the others, and shows it on our own tile as on theirs. */
function announceMuteState(): void {
  session?.setMuted(audioMuted, videoMuted);
  grid.setMuted(selfId, audioMuted, videoMuted);
}

function toggleAudio(): void {
  setAudioMuted(!audioMuted);
  announceMuteState();
}

/** Turns the microphone off or on here; the others learn it from `announceMuteState`. */
function setAudioMuted(muted: boolean): void {
  audioMuted = muted;
  for (const track of localStream.getAudioTracks()) track.enabled = !muted;
  setPressed(micButton, muted);
}

function toggleVideo(): void {
  videoMuted = !videoMuted;
  for (const track of localStream.getVideoTracks()) track.enabled = !videoMuted;
  selfView.setEnabled(!videoMuted);
  setPressed(cameraButton, videoMuted);
  announceMuteState();
}

async function toggleScreen(): Promise<void> {
  if (screenStream) return stopScreen();
  try {
    screenStream = await navigator.mediaDevices.getDisplayMedia(SCREEN_CAPTURE);
  } catch {
    return; // the person cancelled the browser's picker
  }
  // The browser's own "stop sharing" control ends the track.
  screenStream.getVideoTracks()[0]?.addEventListener('ended', () => stopScreen());
  session?.share('screen', screenStream);
  setPressed(screenButton, true);
}

function stopScreen(): void {
  if (!screenStream) return;
  for (const track of screenStream.getTracks()) track.stop();
  screenStream = undefined;
  session?.stopSharing('screen');
  setPressed(screenButton, false);
}

function startMeeting(reply: JoinCallReply, displayName: string, prepared: Publisher | undefined): void {
  token = reply.token;
  selfId = reply.participantId;
  session = new MeetingSession(token, earlySocket, {
    welcomed(self, others, video) {
      if (meeting.hidden) showMeeting(reply.room, displayName);
      chat.setSelf(self.participantId);
      room.clearRemote(selfId);
      room.welcomed(token, video.lastN);
      announceMuteState();
      people.welcomed(self, others);
      others.forEach(showParticipant);
      notices.othersInRoom(grid.remoteCount);
    },
    participantJoined: showParticipant,
    participantUpdated: showParticipant,
    participantLeft(id) {
      people.remove(id);
      dialOut.onParticipantLeft(id);
      chat.participantLeft(id);
      room.removeParticipant(id);
      notices.othersInRoom(grid.remoteCount);
    },
    feedReceived: (feed) => room.feedReceived(feed),
    feedEnded: (participantId, feed) => room.feedEnded(participantId, feed),
    connectionState(state, detail) {
      notices.connection(state, detail);
      // Turned away from the lobby: the lobby page says so, as the meeting never showed.
      if (!lobbyWait.hidden && (state === 'ended' || state === 'closed')) {
        element('lobby-wait-heading').textContent = 'Not let in';
        element('lobby-status').textContent = `${detail ?? 'The connection closed'}.`;
      }
    },
    downlinkDelay: (delayMs, atMs) => downlink.downlinkDelay(delayMs, atMs),
    chat(event) {
      if (event.type === 'chat') chat.show(event.message);
      else if (event.type === 'chatHistory') event.messages.forEach((message) => chat.show(message));
      else reactions.show(event.participantId, event.emoji);
    },
    serverError(code, reason) {
      console.warn(`server error ${code}: ${reason}`);
      chat.serverError(code);
      // A host muted us and locked microphones: our unmute did not happen.
      if (code === 'microphones_locked' && !audioMuted) toggleAudio();
      if (code === 'microphones_locked' || code === 'not_host') notices.say(reason);
    },
    hosts: (participantIds) => people.setHosts(participantIds),
    roomRules: (rules) => people.setRules(rules),
    moderated: onModerated,
    knocking() {
      form.hidden = true;
      lobbyWait.hidden = false;
      element('lobby-wait-heading').focus();
    },
    dialIn: (number, pin) => invite.setDialIn(number, pin),
    lobby(knocks) {
      const arrived = people.setKnocks(knocks);
      if (arrived.length === 0) return;
      hostNotice.textContent = `Waiting in the lobby: ${arrived.join(', ')}`;
      notices.say(`${arrived.join(', ')} ${arrived.length === 1 ? 'is' : 'are'} waiting in the lobby: let them in from People`);
    },
  });
  // Before the microphone's first packet: the room should not hear a joiner who is to start muted, not even for the moment until the welcome.
  if (reply.startMutedAudio) setAudioMuted(true);
  session.start(localStream, { iceServers: reply.iceServers, iceTransportPolicy: reply.iceTransportPolicy }, reply.video, prepared);
  if (screenStream) session.share('screen', screenStream);
}

/**
 * Swaps the join form for the meeting, at the first welcome: the page
 * starts its media first (its offer, the room's first offer answered), as
 * laying the meeting out would hold that up.
 */
function showMeeting(roomName: string, displayName: string): void {
  form.hidden = true;
  lobbyWait.hidden = true;
  meeting.hidden = false;
  callBar.hidden = false;
  // The pickers stay at hand in the call bar (or its settings sheet); focus moves there too, as the join button it was on is gone.
  deviceSettings.inCall();
  micButton.focus();
  element('room-title').textContent = roomName;
  invite.setRoom(roomName);
  grid.upsert({ participantId: selfId, feed: 'camera', name: displayName, self: true });
  preview.remove(PREVIEW_ID);
  showSelf(localStream);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  joinError.textContent = '';
  joinButton.disabled = true;
  const displayName = nameInput.value.trim();
  localStorage.setItem('convene.name', displayName);
  const retrying = (reason: string, inS: number): void => {
    joinError.textContent = `${reason}. Trying again in ${inS} s…`;
  };
  const joined = joinCall(displayName, roomInput.value.trim(), passwordLabel.hidden ? undefined : passwordInput.value, retrying);
  // Made at the hello already, or now, while the server answers.
  prepareCamera();
  const prepared = preparedCamera;
  preparedCamera = undefined;
  joining = true;
  joined.then(
    (reply) => startMeeting(reply, displayName, prepared),
    (error: Error) => {
      prepared?.close();
      joining = false;
      prepareCamera();
      joinButton.disabled = false;
      joinError.textContent = error.message;
      // The room needs its password: the form asks for it.
      if (error instanceof ApiError && error.code === 'wrong_password') {
        passwordLabel.hidden = false;
        passwordInput.select();
        passwordInput.focus();
      }
    },
  );
});

micSelect.addEventListener('change', () => void applyDevices());
cameraSelect.addEventListener('change', () => void applyDevices());
speakerSelect.addEventListener('change', () => void room.setAudioOutput(speakerSelect.value));
micButton.addEventListener('click', toggleAudio);
cameraButton.addEventListener('click', toggleVideo);
screenButton.addEventListener('click', () => void toggleScreen());
handButton.addEventListener('click', () => session?.sendHostMessage({ type: 'hand', raised: !people.handRaised }));
peopleButton.addEventListener('click', () => people.toggle(peopleButton));
const dialOut = new DialOutDialog(() => token || undefined);
element('leave-button').before(dialOut.button);
const deviceSettings = new DeviceSettings(devices, deviceNotice);
element('leave-button').before(deviceSettings.sheet.button);
element('leave-button').before(reactions.button, reactions.picker, chat.button);
meeting.after(chat.panel);
callBar.append(reactions.announcer, chat.announcer);
element('leave-button').addEventListener('click', () => {
  session?.leave();
  rejoinRoom();
});
window.addEventListener('pagehide', () => session?.leave());

// A handle for diagnostics from the browser console and for end-to-end tests.
Object.assign(window, {
  convene: {
    get session() { return session; },
    get selfId() { return selfId; },
    grid,
    room,
    people,
    ringer,
    speakers,
    downlink,
  },
});

void applyDevices().then(() => {
  if (micSelect.value === DEVICE_OFF && cameraSelect.value === DEVICE_OFF) notices.say('No camera or microphone found.');
});
