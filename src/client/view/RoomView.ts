/**
 * The room as the page shows it: a tile per remote camera and screenshare
 * (at most the stage's share of cameras on screen at once, the others
 * listed by name and paged to), everyone's voice, the speaker highlight,
 * pinning and full screen, and the view report that tells the server which
 * video each tile needs. Names come from /idLookup.
 */
import type { FeedKind, ParticipantInfo } from '../../protocol/messages.js';
import type { ReceivedFeed } from '../session/Subscriber.js';
import { lookUpName } from '../api.js';
import { TileGrid } from './TileGrid.js';
import { Stage } from './Stage.js';
import { AudioSinks } from './AudioSinks.js';
import { ViewReporter, type DownlinkQuality, type LayerLadder } from './ViewReporter.js';
import { Pager } from './Pager.js';

/** Below this width a page is a phone's: it shows fewer tiles at once. */
const NARROW_SCREEN_PX = 600;
const NARROW_SCREEN_TILES = 4;

export interface RoomViewElements {
  grid: HTMLElement;
  pager: HTMLElement;
  audio: HTMLElement;
}

export class RoomView {
  readonly grid: TileGrid;
  private readonly stage = new Stage(NARROW_SCREEN_TILES);
  private readonly audio: AudioSinks;
  private readonly pager: Pager;
  private readonly reporter: ViewReporter;
  private readonly names = new Map<string, string>();
  /** Feeds received for participants not shown yet, by participant and feed. */
  private readonly waitingFeeds = new Map<string, ReceivedFeed>();
  private lastN = NARROW_SCREEN_TILES;
  private token = '';
  /** The next frame's restaging, when one is due. */
  private frame: number | undefined;

  constructor(elements: RoomViewElements, sendView: ViewReporter['send']) {
    this.grid = new TileGrid(elements.grid, {
      layout: true,
      actions: { pin: (participantId) => this.togglePin(participantId), fullscreen: (tile) => void tile.requestFullscreen().catch(() => undefined) },
    });
    this.audio = new AudioSinks(elements.audio);
    this.pager = new Pager(elements.pager, {
      show: (page) => this.restage(() => this.stage.showPage(page)),
      find: (participantId) => this.restage(() => this.stage.showParticipant(participantId)),
    });
    this.reporter = new ViewReporter(() => this.grid.shown(), sendView);
    window.addEventListener('resize', () => this.fitToScreen());
  }

  /** A new welcome: how many tiles the server allows, and the token names are looked up with. */
  welcomed(token: string, lastN: number): void {
    this.token = token;
    this.lastN = lastN;
    this.fitToScreen();
    this.reporter.forget();
  }

  /** Shows a participant, or their new state; returns whether they are new here. */
  showParticipant(participant: ParticipantInfo): boolean {
    const id = participant.participantId;
    const known = this.names.get(id);
    this.grid.upsert({ participantId: id, feed: 'camera', name: known ?? participant.name });
    this.grid.setMuted(id, participant.audioMuted, participant.videoMuted);
    if (participant.call) this.grid.setPhoneCall(id, participant.call);
    if (known !== undefined) return false;
    this.names.set(id, participant.name);
    // Names come from /idLookup, the one source that only answers for our own room.
    lookUpName(id, this.token).then(
      (name) => {
        this.names.set(id, name);
        this.grid.upsert({ participantId: id, feed: 'camera', name });
        this.pager.update(this.stage, this.names);
      },
      () => undefined,
    );
    this.restage(() => this.stage.add(id));
    for (const [key, received] of this.waitingFeeds) {
      if (received.participantId !== id) continue;
      this.waitingFeeds.delete(key);
      this.feedReceived(received);
    }
    return true;
  }

  removeParticipant(participantId: string): void {
    this.names.delete(participantId);
    this.audio.stop(participantId);
    this.grid.remove(participantId);
    this.restage(() => this.stage.remove(participantId));
  }

  /** Forgets everyone but ourselves (a new welcome lists them again). */
  clearRemote(selfId: string): void {
    for (const id of [...this.names.keys()]) this.removeParticipant(id);
    this.audio.stopAll();
    this.grid.clearRemote(selfId);
  }

  feedReceived(received: ReceivedFeed): void {
    const { participantId, feed, stream } = received;
    // Only participants the room shows get tiles: a feed can come just before its participant is shown (it then waits), or, from a late offer, just after they left.
    const name = this.names.get(participantId);
    if (name === undefined) {
      this.waitingFeeds.set(`${participantId}:${feed}`, received);
      return;
    }
    this.grid.upsert({ participantId, feed, name });
    this.grid.attach(participantId, feed, stream);
    if (feed === 'camera') this.audio.play(participantId, stream);
    this.restage(() => undefined);
  }

  feedEnded(participantId: string, feed: FeedKind): void {
    this.waitingFeeds.delete(`${participantId}:${feed}`);
    if (feed === 'screen') this.grid.remove(participantId, 'screen');
    else {
      this.grid.attach(participantId, feed, null);
      this.audio.stop(participantId);
    }
    this.reporter.schedule();
  }

  /** Someone speaks now: they come on stage if they were off it. */
  speaking(participantId: string, atMs: number): void {
    const before = this.stage.onStage().join();
    this.stage.spoke(participantId, atMs);
    if (this.stage.onStage().join() !== before) this.restage(() => undefined);
  }

  setDownlinkQuality(quality: DownlinkQuality): void {
    this.reporter.setQuality(quality);
  }

  /** What the tiles on screen leave the downlink monitor to work with. */
  layerLadder(): LayerLadder {
    return this.reporter.ladder();
  }

  setAudioOutput(deviceId: string): Promise<void> {
    return this.audio.setOutput(deviceId);
  }

  /** The remote participants on screen now, for tests and diagnostics. */
  onStage(): string[] {
    return this.stage.onStage();
  }

  private togglePin(participantId: string): void {
    this.restage(() => {
      this.stage.pin(this.stage.pinnedId === participantId ? undefined : participantId);
      this.stage.showPage(0);
    });
  }

  private fitToScreen(): void {
    const perPage = window.innerWidth < NARROW_SCREEN_PX ? Math.min(this.lastN, NARROW_SCREEN_TILES) : this.lastN;
    this.restage(() => this.stage.setPerPage(perPage));
  }

  /**
   * Applies a change to the stage; its outcome is shown, and the tiles
   * reported, once per frame however many changes come (a join brings many
   * at once, and laying out the grid for each would hold up the page just
   * when its media is being set up).
   */
  private restage(change: () => void): void {
    change();
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.grid.setStage(new Set(this.stage.onStage()));
      const pinned = this.stage.pinnedId;
      this.grid.setPinned(pinned === undefined ? undefined : TileGrid.key(pinned, 'camera'));
      this.pager.update(this.stage, this.names);
      this.reporter.reportNow();
    });
  }
}
