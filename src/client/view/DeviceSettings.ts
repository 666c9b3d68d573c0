/**
 * Where the device pickers live during a call. On a wide screen they sit in
 * the call bar, at hand beside the controls. On a phone-sized one they
 * would take a third of the screen there, so they move into a "Settings"
 * sheet that a button in the call bar opens, and the bar keeps to one row
 * of controls. Turning the phone (or resizing the window) across the
 * threshold moves them again.
 */
import { Sheet } from './Sheet.js';

/** The width below which a screen counts as a phone's, as in styles.css and RoomView. */
const NARROW_SCREEN = '(width < 600px)';
const GEAR_ICON = ['M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M4 12h2M18 12h2M12 4v2M12 18v2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4'];

export class DeviceSettings {
  readonly sheet = new Sheet({ id: 'settings', title: 'Settings', icon: GEAR_ICON });
  private readonly narrow = window.matchMedia(NARROW_SCREEN);
  /** Before the call the pickers stay on the join form. */
  private inCallNow = false;

  constructor(
    private readonly pickers: HTMLElement,
    /** Where the pickers go in the call bar on a wide screen: before this element. */
    private readonly inCallBarBefore: HTMLElement,
  ) {
    this.sheet.button.hidden = true;
    this.narrow.addEventListener('change', () => this.place());
  }

  /** The call has begun: the pickers leave the join form for the call bar, or the sheet. */
  inCall(): void {
    this.inCallNow = true;
    this.place();
  }

  private place(): void {
    if (!this.inCallNow) return;
    const narrow = this.narrow.matches;
    this.sheet.button.hidden = !narrow;
    if (narrow) {
      this.sheet.body.append(this.pickers);
    } else {
      this.sheet.close();
      this.inCallBarBefore.before(this.pickers);
    }
  }
}
