/**
 * Readable colours from Telegram's theme: WCAG 2.1 AA needs 4.5:1 for text, and some of
 * Telegram's own palettes fall short (#3390ec on #f4f4f5 is 3.0:1, white on #8774e1 is
 * 3.7:1). Each text colour is moved towards black (on light backgrounds) or white (on
 * dark ones) just far enough to reach 4.5:1 against every background it is shown on;
 * colours that already pass stay as the theme has them.
 *
 * The stylesheet defines the theme's colours as `--theme-*`; this sets the readable
 * ones the rules use (`--link`, `--hint`, ...) on the root element.
 */

export type Rgb = [number, number, number];

export const AA_TEXT = 4.5;

export function parseColour(value: string): Rgb | null {
  const text = value.trim();
  let match = /^#([0-9a-f]{3})$/i.exec(text);
  if (match) {
    return [...(match[1] as string)].map((c) => parseInt(c + c, 16)) as Rgb;
  }
  match = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(text);
  if (match) {
    const hex = match[1] as string;
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
  }
  match = /^rgba?\(([^)]+)\)$/i.exec(text);
  if (match) {
    const parts = (match[1] as string).split(/[\s,/]+/).filter(Boolean).map(Number);
    if (parts.length >= 3 && parts.slice(0, 3).every(Number.isFinite)) {
      return parts.slice(0, 3) as Rgb;
    }
  }
  return null;
}

export function hex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
}

function luminance([r, g, b]: Rgb): number {
  const [lr, lg, lb] = [r, g, b].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
}

export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function mix(colour: Rgb, towards: Rgb, amount: number): Rgb {
  return colour.map((v, i) => v + ((towards[i] as number) - v) * amount) as Rgb;
}

/** `colour`, moved the least towards black or white that gives `target`:1 on every one
 * of `backgrounds` (they are all light or all dark in one theme). */
export function readable(colour: Rgb, backgrounds: Rgb[], target = AA_TEXT): Rgb {
  const worst = (c: Rgb): number => Math.min(...backgrounds.map((bg) => contrast(c, bg)));
  if (worst(colour) >= target) return colour;
  const light = backgrounds.reduce((sum, bg) => sum + luminance(bg), 0) / backgrounds.length > 0.18;
  const end: Rgb = light ? [0, 0, 0] : [255, 255, 255];
  for (let step = 1; step <= 40; step += 1) {
    const candidate = mix(colour, end, step / 40);
    if (worst(candidate) >= target) return candidate;
  }
  return end;
}

/** A button colour that `text` stands out on (the button moves, its text stays). */
export function readableBehind(background: Rgb, text: Rgb, target = AA_TEXT): Rgb {
  if (contrast(background, text) >= target) return background;
  const end: Rgb = luminance(text) > 0.5 ? [0, 0, 0] : [255, 255, 255];
  for (let step = 1; step <= 40; step += 1) {
    const candidate = mix(background, end, step / 40);
    if (contrast(candidate, text) >= target) return candidate;
  }
  return end;
}

/** Text colours and the surfaces they are shown on. */
const TEXT_COLOURS = ["link", "hint", "section-header", "destructive", "success", "warning"];

export function applyReadableColours(root: HTMLElement): void {
  root.style.removeProperty("--accent");
  for (const name of TEXT_COLOURS) root.style.removeProperty(`--${name}`);
  const style = getComputedStyle(root);
  const read = (name: string): Rgb | null => parseColour(style.getPropertyValue(`--theme-${name}`));
  const surfaces = [read("bg"), read("section-bg")].filter((c): c is Rgb => c !== null);
  if (surfaces.length === 0) return;
  for (const name of TEXT_COLOURS) {
    const colour = read(name);
    if (colour) root.style.setProperty(`--${name}`, hex(readable(colour, surfaces)));
  }
  const accent = read("accent");
  const accentText = read("accent-text");
  if (accent && accentText) {
    root.style.setProperty("--accent", hex(readableBehind(accent, accentText)));
  }
}
