/** What every screen gets: who is signed in, where to render, and its lifetime. */

import type { Me } from "../types";

export interface ScreenContext {
  me: Me;
  view: HTMLElement;
  /** False once the user has left the screen: late answers must not render. */
  alive(): boolean;
  /** Run when the user leaves the screen (timers, polling). */
  onLeave(cleanup: () => void): void;
  /** Render the current screen again (after an action changed it), `flash` on top. */
  refresh(flash?: HTMLElement): void;
  /** While `dirty()` is true, leaving the screen asks first (a half-filled form). */
  guardLeave(dirty: () => boolean): void;
}
