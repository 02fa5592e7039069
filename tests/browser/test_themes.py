"""Every widget reads in JupyterLab's light and dark themes: text contrast at least 4.5:1 (WCAG AA).

tests/browser/notebooks/themes.ipynb shows a TaskView while its task runs (a sandbox in real time), finished
ones (an image, a video, a sound, a failure), a Player, a GenerateForm and a Gallery. For each theme (set
with JupyterLab's own `apputils:change-theme` command) the page walks every visible text-bearing element
inside the widgets (and in the plain HTML an ended view leaves behind), takes its computed colour and its effective background (the first non-transparent
background up the tree, composited over the ones below it), and computes the contrast ratio. Screenshots of
both themes land in test-artifacts/browser/.
"""

from __future__ import annotations

import pytest
from lab_driver import NotebookPage, new_page, screenshot

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
MINIMUM = 4.5  # WCAG 2 AA, normal text
VIEW = "[data-testid='rnb-task-view']"
ROOT = ".rnb-root"  # every widget's own root element
STATIC = ".runway-nb-result, .runway-nb-task"  # the plain HTML an ended view leaves behind
WIDGETS = {  # cell tag: (what that cell's outputs must show before measuring, the roots to walk)
    "running": (f"{VIEW}[data-status='RUNNING']", ROOT),
    "finished": (f"{VIEW}[data-status='FAILED']", ROOT),
    "player": (".runway-nb-result img", STATIC),  # in JupyterLab a Player is plain HTML (files route)
    "form": ("[data-testid='rnb-form']", ROOT),
    "gallery": ("[data-testid='rnb-gallery-grid']", ROOT),
    "static": (".runway-nb-task", STATIC),
}

# Colours are read through a 1x1 canvas, so any CSS colour syntax the page computes (rgb(), color(srgb ...)
# from color-mix(), ...) comes back as RGBA bytes.
CONTRAST = """(roots) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, below) => {  // source-over of two colours, the lower one opaque
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = [255, 255, 255, 1];  // the canvas below everything
    for (const layer of layers.reverse()) base = over(layer, base);
    return base;
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const opacity = (el) => {
    let o = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) o *= Number(getComputedStyle(node).opacity);
    return o;
  };
  const CONTROLS = 'input[type=text], input[type=number], input[type=search], input:not([type]), textarea, select, button';
  const hasText = (el) => el.matches(CONTROLS)
    ? (el.matches('select') ? !!(el.selectedOptions[0] || {}).text : el.matches('button') ? !!el.textContent.trim() : !!el.value)
    : Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const seen = [];
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (el.matches('option, script, style, svg *') || !hasText(el)) continue;
      if (el.matches(':disabled') || el.closest('[aria-disabled=true]')) continue;  // WCAG: inactive parts are exempt
      const style = getComputedStyle(el);
      if (!el.getClientRects().length || style.visibility !== 'visible') continue;
      const bg = background(el);
      const fg = rgba(style.color);
      fg[3] *= opacity(el);
      const text = (el.matches(CONTROLS) ? (el.value || el.textContent) : el.textContent).trim().slice(0, 40);
      seen.push({text, tag: el.tagName.toLowerCase(), cls: el.className && String(el.className),
                 color: style.color, background: `rgb(${bg.slice(0, 3).map(Math.round).join(',')})`,
                 ratio: Math.round(ratio(over(fg, bg), bg) * 100) / 100});
    }
  }
  return seen;
}"""


def _set_theme(page, theme: str) -> None:
    """Switch with JupyterLab's own command; wait until the page says so and the widgets' colours follow."""
    page.evaluate("(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})",
                  THEMES[theme])
    light = "true" if theme == "light" else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}' && "
                           f"document.body.dataset.jpThemeName === '{THEMES[theme]}'")
    # The theme's stylesheet is in: the notebook's background is dark in the dark theme, light in the light one.
    page.wait_for_function("""(light) => {
      const [r, g, b] = getComputedStyle(document.querySelector('.jp-Notebook')).backgroundColor
        .match(/[\\d.]+/g).map(Number);
      return (r + g + b) / 3 > 128 === light;
    }""", arg=theme == "light")


@pytest.fixture(scope="module")
def themes_page(browser, lab_server):
    page = new_page(browser, height=2400)  # tall: every widget of the notebook in one screenshot
    nb = NotebookPage(page, lab_server, "themes.ipynb").open()
    try:
        for tag in ("setup", *WIDGETS):
            nb.run_cell(tag)
        assert nb.errors() == []
        for tag, (marker, _) in WIDGETS.items():
            nb.cell(tag).locator(marker).first.wait_for(state="visible")
        yield nb
    finally:
        page.context.close()


@pytest.mark.parametrize("theme", list(THEMES))
def test_every_widget_text_reads_in_the_theme(themes_page, theme):
    nb, page = themes_page, themes_page.page
    _set_theme(page, theme)
    # Something to read in the form's every part: a field's problem, and the estimate beside it.
    form = nb.cell("form").locator("[data-testid='rnb-form']")
    form.locator("[data-field='promptText'] textarea").fill("a red fox in the snow")
    form.locator("[data-field='seed'] input").fill("-5")
    form.locator("[data-field='seed'] .rnb-problem").filter(has_text="seed").wait_for(state="visible")
    assert nb.cell("running").locator(f"{VIEW}[data-status='RUNNING']").count() == 1, "the task ended too soon"

    measured = {}
    for tag, (_, selector) in WIDGETS.items():
        roots = nb.cell(tag).locator(".jp-OutputArea").locator(selector)
        assert roots.count() >= 1, tag
        measured[tag] = page.evaluate(CONTRAST, [r.element_handle() for r in roots.all()])
        cell = nb.cell(tag).locator(".jp-OutputArea")
        cell.scroll_into_view_if_needed()
        screenshot(page, f"theme_{theme}_{tag}", cell)
    nb.cell("setup").scroll_into_view_if_needed()
    screenshot(page, f"theme_{theme}")

    counted = {tag: len(found) for tag, found in measured.items()}
    assert all(n >= 3 for n in counted.values()), counted  # each widget had text to measure
    failing = [f"{tag}: {m['ratio']}:1 {m['tag']}.{m['cls']} {m['text']!r} ({m['color']} on {m['background']})"
               for tag, found in measured.items() for m in found if m["ratio"] < MINIMUM]
    print(f"{theme}: {sum(counted.values())} text elements measured {counted}; "
          f"lowest ratio {min(m['ratio'] for f in measured.values() for m in f)}:1")
    assert failing == [], "\n".join(failing)
