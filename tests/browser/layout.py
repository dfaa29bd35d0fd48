"""Screenshots of the Mini App's screens, and the layout checks run on each of them.

At phone width (390×844) in the light and the dark Telegram theme, every screen must
not scroll sideways, must keep its key elements visible inside the viewport's width,
its text must stand out from its background by WCAG 2.1 AA (4.5:1; 3:1 only for large
text), and axe-core (from app/miniapp/node_modules, injected into the page) must find no
WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

VIEWPORT = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TEXT_CONTRAST = 4.5
LARGE_TEXT_CONTRAST = 3.0
AXE = Path(__file__).resolve().parents[2] / "app" / "miniapp" / "node_modules" / "axe-core"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# For every visible element with its own text: its colour's contrast against the first
# opaque background behind it (translucent layers blended on the way), and whether it is
# large text in WCAG's sense (at least 24 px, or 18.66 px bold), which needs 3:1.
_CONTRASTS = r"""
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        layers.push(colour);
        if (colour.a >= 1) break;
      }
    }
    let result = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = ({ r, g, b }) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const results = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest("svg")) continue;
    const own = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const rect = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const hidden = style.visibility === "hidden" || style.opacity === "0";
    if (!rect.width || !rect.height || hidden) continue;
    const fg = over(parse(style.color), background(element));
    const bg = background(element);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const size = parseFloat(style.fontSize);
    results.push({
      text: element.textContent.trim().slice(0, 40),
      className: String(element.className),
      tag: element.tagName,
      large: size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700),
      contrast: (hi + 0.05) / (lo + 0.05),
    });
  }
  return results;
}
"""

_OUTSIDE = r"""
(selectors) => {
  const problems = [];
  for (const selector of selectors) {
    const elements = [...document.querySelectorAll(selector)];
    if (!elements.length) problems.push(`${selector}: missing`);
    for (const element of elements) {
      const rect = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      if (!rect.width || !rect.height || style.visibility === "hidden" || style.display === "none")
        problems.push(`${selector}: not visible`);
      if (rect.left < 0 || rect.right > window.innerWidth + 0.5)
        problems.push(`${selector}: spans ${rect.left}..${rect.right} of ${window.innerWidth}`);
    }
  }
  return problems;
}
"""


async def check_layout(page: Page, key_selectors: list[str]) -> None:
    """Fail with every layout problem found on the current screen."""
    scroll_width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= VIEWPORT["width"], f"page scrolls sideways: {scroll_width}px wide"
    outside = await page.evaluate(_OUTSIDE, key_selectors)
    assert not outside, f"key elements out of place: {outside}"
    contrasts = await page.evaluate(_CONTRASTS)
    assert contrasts, "no text on the screen"
    low = [
        item
        for item in contrasts
        if item["contrast"] < (LARGE_TEXT_CONTRAST if item["large"] else TEXT_CONTRAST)
    ]
    assert not low, f"text below WCAG AA contrast: {low}"
    violations = await axe_violations(page)
    assert not violations, f"axe-core: {violations}"


async def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the current screen, one line each."""
    if not await page.evaluate("() => Boolean(window.axe)"):
        # evaluate() is not subject to the page's Content-Security-Policy.
        await page.evaluate((AXE / "axe.min.js").read_text() + "\n;0")
    result = await page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })"
        ".then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact,"
        " nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary) })))",
        AXE_TAGS,
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in result]


async def shoot(page: Page, name: str, key_selectors: list[str]) -> None:
    """Check the layout of the screen in both themes (light last, as the tests run) and
    save `<name>-<theme>.png` (what the phone shows) and `<name>-<theme>-full.png` (the
    whole page, without Telegram's floating main button)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("dark", "light"):
        await page.evaluate("(scheme) => window.__telegram.setTheme(scheme)", scheme)
        await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
        await check_layout(page, key_selectors)
        await page.screenshot(path=SCREENSHOTS / f"{name}-{scheme}.png")
        await page.add_style_tag(content="#tg-main-button { visibility: hidden; }")
        await page.screenshot(path=SCREENSHOTS / f"{name}-{scheme}-full.png", full_page=True)
        await page.evaluate("document.head.lastElementChild.remove()")
