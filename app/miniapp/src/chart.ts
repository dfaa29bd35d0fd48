/**
 * Participants over time as a small inline SVG step chart (no chart library): the
 * running total after each join, carried on to `until`, scaled to the box.
 */

import { h, svg } from "./dom";
import { formatDate, formatNumber, formatTime } from "./i18n";
import type { SeriesPoint } from "./types";

const WIDTH = 340;
const HEIGHT = 180;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

/** The top of the axis: the smallest round number ≥ `value` whose half (the middle
 * gridline's label) is a whole number too. */
export function niceMax(value: number): number {
  if (value <= 4) return value <= 2 ? 2 : 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const top = factor * magnitude;
    if (top >= value && Number.isInteger(top / 2)) return top;
  }
  return 10 * magnitude;
}

/** Points of the step line in box coordinates. */
export function stepPoints(series: SeriesPoint[], until: Date, top: number): [number, number][] {
  const times = series.map((point) => new Date(point.at).getTime());
  const start = times[0] ?? until.getTime();
  const end = Math.max(until.getTime(), times[times.length - 1] ?? start, start + 60_000);
  const x = (time: number): number => PAD.left + ((time - start) / (end - start)) * (WIDTH - PAD.left - PAD.right);
  const y = (count: number): number => PAD.top + (1 - count / top) * (HEIGHT - PAD.top - PAD.bottom);
  const points: [number, number][] = [[x(start), y(0)]];
  let previous = 0;
  series.forEach((point, index) => {
    const at = x(times[index] as number);
    points.push([at, y(previous)], [at, y(point.count)]);
    previous = point.count;
  });
  points.push([x(end), y(previous)]);
  return points.map(([px, py]) => [Math.round(px * 10) / 10, Math.round(py * 10) / 10]);
}

export function participantsChart(series: SeriesPoint[], until: Date, label: string): SVGElement {
  const last = series[series.length - 1]?.count ?? 0;
  const top = niceMax(last);
  const points = stepPoints(series, until, top);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "chart",
    role: "img",
    "aria-label": label,
    "data-testid": "participants-chart",
    preserveAspectRatio: "xMidYMid meet",
  });
  const baseline = HEIGHT - PAD.bottom;
  for (const fraction of [0, 0.5, 1]) {
    const y = PAD.top + (1 - fraction) * (baseline - PAD.top);
    chart.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: "chart-grid" }));
    const text = svg("text", { x: PAD.left - 6, y: y + 4, class: "chart-label", "text-anchor": "end" });
    text.textContent = formatNumber(Math.round(top * fraction));
    chart.append(text);
  }
  const line = points.map(([x, y], index) => `${index ? "L" : "M"}${x} ${y}`).join(" ");
  const first = points[0] as [number, number];
  const lastPoint = points[points.length - 1] as [number, number];
  chart.append(
    svg("path", { d: `${line} L${lastPoint[0]} ${baseline} L${first[0]} ${baseline} Z`, class: "chart-area" }),
    svg("path", { d: line, class: "chart-line", "data-testid": "chart-line" }),
  );
  const times = series.length ? [series[0]?.at as string, until.toISOString()] : [];
  const sameDay = times.length === 2 && new Date(times[0] as string).toDateString() === until.toDateString();
  times.forEach((iso, index) => {
    const text = svg("text", {
      x: index ? WIDTH - PAD.right : PAD.left,
      y: HEIGHT - 8,
      class: "chart-label",
      "text-anchor": index ? "end" : "start",
    });
    text.textContent = sameDay && index ? formatTime(iso) : formatDate(iso);
    chart.append(text);
  });
  return chart;
}

export function chartFigure(series: SeriesPoint[], until: Date, label: string, empty: string): HTMLElement {
  return h(
    "figure",
    { class: "chart-figure" },
    participantsChart(series, until, label),
    series.length === 0 ? h("figcaption", { class: "hint", "data-testid": "chart-empty" }, empty) : null,
  );
}
