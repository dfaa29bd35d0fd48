/**
 * Screens are addressed by the URL hash (nginx serves index.html only at `/`), and the
 * Telegram `startapp` parameter picks the first screen: `c<id>` a contest card (`c<id>r<user>`
 * the same card opened from that participant's invitation link),
 * `proof_<id>` a proof check, `org` the organizer home.
 */

export type Route =
  | { name: "home" }
  | { name: "contest"; id: number }
  | { name: "results"; id: number }
  | { name: "proof"; id: number | null }
  | { name: "organizer" }
  | { name: "create" }
  | { name: "edit"; id: number }
  | { name: "manage"; id: number };

const ID = "([1-9][0-9]{0,9})";
const PATTERNS: [RegExp, (id: number) => Route][] = [
  [new RegExp(`^/c/${ID}$`), (id) => ({ name: "contest", id })],
  [new RegExp(`^/c/${ID}/results$`), (id) => ({ name: "results", id })],
  [new RegExp(`^/proof/${ID}$`), (id) => ({ name: "proof", id })],
  [new RegExp(`^/org/${ID}$`), (id) => ({ name: "manage", id })],
  [new RegExp(`^/org/${ID}/edit$`), (id) => ({ name: "edit", id })],
];

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  if (path === "/proof") return { name: "proof", id: null };
  if (path === "/org") return { name: "organizer" };
  if (path === "/org/new") return { name: "create" };
  for (const [pattern, make] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return make(Number(match[1]));
  }
  return { name: "home" };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case "home":
      return "#/";
    case "contest":
      return `#/c/${route.id}`;
    case "results":
      return `#/c/${route.id}/results`;
    case "proof":
      return route.id === null ? "#/proof" : `#/proof/${route.id}`;
    case "organizer":
      return "#/org";
    case "create":
      return "#/org/new";
    case "edit":
      return `#/org/${route.id}/edit`;
    case "manage":
      return `#/org/${route.id}`;
  }
}

/** Where the back button leads; null on the home screen. */
export function parentOf(route: Route): Route | null {
  switch (route.name) {
    case "home":
      return null;
    case "results":
      return { name: "contest", id: route.id };
    case "create":
    case "manage":
      return { name: "organizer" };
    case "edit":
      return { name: "manage", id: route.id };
    default:
      return { name: "home" };
  }
}

export function fromStartParam(param: string | null): Route | null {
  if (!param) return null;
  if (param === "org") return { name: "organizer" };
  let match = /^c([1-9][0-9]{0,9})(?:r[1-9][0-9]{0,15})?$/.exec(param);
  if (match) return { name: "contest", id: Number(match[1]) };
  match = /^proof_([1-9][0-9]{0,9})$/.exec(param);
  if (match) return { name: "proof", id: Number(match[1]) };
  return null;
}

/** The participant whose invitation link (`c<id>r<user>`) opened contest `contestId`, if any. */
export function referrerFor(param: string | null, contestId: number): number | null {
  const match = /^c([1-9][0-9]{0,9})r([1-9][0-9]{0,15})$/.exec(param ?? "");
  return match && Number(match[1]) === contestId ? Number(match[2]) : null;
}

export function navigate(route: Route, replace = false): void {
  const target = pathOf(route);
  if (replace) {
    history.replaceState(null, "", target);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = target;
  }
}
