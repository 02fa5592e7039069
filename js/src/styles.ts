// The widgets' stylesheet. JupyterLab's CSS variables give light and dark themes; every var() has a
// fallback (VS Code's variable, then a value that reads on light and dark alike: inherited text
// colour, transparent backgrounds, half-grey borders) because Colab and VS Code lack JupyterLab's.
// Status colours used as text are mixed with the text colour around them (currentColor): Lab's own
// orange, green and red reach only 2.7-4.4:1 on its light or dark background, the mix at least 4.5:1
// (WCAG AA; tests/browser/test_themes.py measures it in both themes). Where color-mix() is unknown the
// declaration is invalid at computed time and the text simply takes the inherited colour.
export const STYLES = `
.rnb-root {
  --rnb-fg: var(--jp-content-font-color1, var(--vscode-editor-foreground, inherit));
  --rnb-muted: var(--jp-content-font-color2, var(--vscode-descriptionForeground, inherit));
  --rnb-bg: var(--jp-layout-color1, transparent);
  --rnb-bg-alt: var(--jp-layout-color2, rgba(127, 127, 127, 0.08));
  --rnb-border: var(--jp-border-color2, rgba(127, 127, 127, 0.35));
  --rnb-accent: var(--jp-brand-color1, var(--vscode-focusBorder, #1976d2));
  --rnb-error: color-mix(in srgb, var(--jp-error-color1, var(--vscode-errorForeground, #d32f2f)) 65%, currentColor);
  --rnb-warn: color-mix(in srgb, var(--jp-warn-color1, #c77c02) 65%, currentColor);
  --rnb-ok: color-mix(in srgb, var(--jp-success-color1, #388e3c) 65%, currentColor);
  --rnb-radius: var(--jp-border-radius, 2px);
  font-family: var(--jp-ui-font-family, var(--vscode-font-family, system-ui, sans-serif));
  font-size: var(--jp-ui-font-size1, 13px);
  color: var(--rnb-fg);
  line-height: 1.4;
}
body[data-jp-theme-light="false"] .rnb-root { color-scheme: dark; } /* native controls follow Lab's theme */
.rnb-root *, .rnb-root *::before, .rnb-root *::after { box-sizing: border-box; }
.rnb-root [hidden] { display: none !important; }
.rnb-root :focus-visible { outline: 2px solid var(--rnb-accent); outline-offset: 1px; }
.rnb-muted { color: var(--rnb-muted); }
.rnb-row { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 2px 0; }
.rnb-task { border: 1px solid var(--rnb-border); border-radius: var(--rnb-radius); padding: 6px 8px;
  background: var(--rnb-bg); max-width: 100%; }
.rnb-model { font-weight: 600; }
.rnb-prompt-line { flex: 1 1 12em; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  color: var(--rnb-muted); }
.rnb-badge { font-size: 11px; padding: 0 6px; border-radius: 8px; border: 1px solid var(--rnb-warn);
  color: var(--rnb-warn); white-space: nowrap; }
.rnb-status { font-weight: 600; min-width: 6em; text-transform: uppercase; font-size: 11px; letter-spacing: 0.03em; }
.rnb-status[data-status="SUCCEEDED"] { color: var(--rnb-ok); }
.rnb-status[data-status="FAILED"] { color: var(--rnb-error); }
.rnb-status[data-status="THROTTLED"], .rnb-status[data-status="CANCELLED"] { color: var(--rnb-warn); }
.rnb-progress { flex: 1 1 120px; max-width: 260px; height: 6px; border-radius: 3px; background: var(--rnb-bg-alt);
  border: 1px solid var(--rnb-border); overflow: hidden; }
.rnb-progress-fill { height: 100%; width: 0; background: var(--rnb-accent); transition: width 0.4s ease; }
.rnb-cost { white-space: nowrap; }
.rnb-failure { color: var(--rnb-error); margin: 4px 0; white-space: pre-wrap; }
.rnb-notice { color: var(--rnb-warn); margin: 4px 0; }
.rnb-button { font: inherit; padding: 2px 10px; border-radius: var(--rnb-radius); cursor: pointer;
  border: 1px solid var(--rnb-border); background: var(--jp-layout-color2, var(--vscode-button-secondaryBackground, transparent));
  color: inherit; }
.rnb-button:disabled { opacity: 0.55; cursor: default; }
.rnb-button.rnb-primary { background: var(--rnb-accent); border-color: var(--rnb-accent);
  color: var(--jp-ui-inverse-font-color1, #fff); }
.rnb-grid { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 6px; align-items: flex-start; }
.rnb-card { margin: 0; flex: 0 1 420px; min-width: 220px; max-width: 100%; border: 1px solid var(--rnb-border);
  border-radius: var(--rnb-radius); padding: 6px; background: var(--rnb-bg); }
.rnb-card figcaption { margin-top: 4px; }
.rnb-card p { margin: 2px 0; }
.rnb-prompt { overflow-wrap: anywhere; }
.rnb-meta { color: var(--rnb-muted); font-size: 12px; }
.rnb-card .rnb-badge { display: inline-block; margin: 2px 0; }
.rnb-file { display: block; font-family: var(--jp-code-font-family, monospace); font-size: 11px; color: var(--rnb-accent);
  overflow-wrap: anywhere; }
.rnb-video { display: block; width: 100%; height: 240px; background: #000; object-fit: contain; }
.rnb-poster { display: block; width: 100%; height: 240px; background: #000; object-fit: contain; }
.rnb-facts { margin: 4px 0; padding: 0; font-size: 12px; }
.rnb-facts > div { display: flex; gap: 10px; }
.rnb-facts dt { flex: 0 0 8em; color: var(--rnb-muted); font-weight: normal; }
.rnb-facts dd { margin: 0; padding: 0; overflow-wrap: anywhere; }
.rnb-enlarge { display: block; padding: 0; border: 0; background: none; cursor: zoom-in; max-width: 100%; }
.rnb-image { display: block; max-width: 100%; height: auto; max-height: 320px; object-fit: contain; }
.rnb-enlarge[aria-pressed="true"] { cursor: zoom-out; }
.rnb-enlarge[aria-pressed="true"] .rnb-image { max-height: none; }
.rnb-card:has(.rnb-enlarge[aria-pressed="true"]) { flex-basis: 100%; }
.rnb-audio-row { display: flex; align-items: center; gap: 8px; height: 40px; }
.rnb-audio { flex: 1; height: 36px; min-width: 0; }
.rnb-wave { display: block; width: 100%; height: 48px; cursor: pointer; }
.rnb-wave rect { fill: var(--rnb-muted); opacity: 0.45; }
.rnb-wave rect.rnb-played { fill: var(--rnb-accent); opacity: 1; }
.rnb-missing { outline: 1px dashed var(--rnb-error); }
.rnb-form { display: grid; gap: 6px; max-width: 720px; }
.rnb-field { display: grid; grid-template-columns: 11em 1fr; gap: 2px 8px; align-items: start; }
.rnb-field > label, .rnb-field > .rnb-label { padding-top: 3px; font-weight: 600; }
.rnb-field .rnb-help, .rnb-field .rnb-problem { grid-column: 2; font-size: 11px; margin: 0; }
.rnb-field input[type="checkbox"] { justify-self: start; margin: 4px 0; }
.rnb-form ul { margin: 0; padding-left: 1.4em; }
.rnb-form ul:empty, .rnb-form p:empty { display: none; }
.rnb-problem { color: var(--rnb-error); }
.rnb-form input[type="text"], .rnb-form input[type="number"], .rnb-form select, .rnb-form textarea,
.rnb-gallery input[type="search"], .rnb-gallery input[type="date"], .rnb-gallery input[type="number"], .rnb-gallery select {
  font: inherit; color: inherit; background: var(--jp-input-background, transparent);
  border: 1px solid var(--jp-input-border-color, var(--rnb-border)); border-radius: var(--rnb-radius); padding: 2px 4px;
  min-width: 0; }
.rnb-form textarea { width: 100%; min-height: 4.5em; resize: vertical; }
.rnb-form [aria-invalid="true"] { border-color: var(--rnb-error); }
.rnb-inline { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.rnb-gallery input[type="number"] { width: 6em; }
.rnb-gallery > .rnb-inline + .rnb-inline { margin-top: 4px; }
.rnb-estimate { font-weight: 600; }
.rnb-code { font-family: var(--jp-code-font-family, monospace); font-size: 12px; white-space: pre-wrap;
  background: var(--rnb-bg-alt); border: 1px solid var(--rnb-border); padding: 6px; margin: 4px 0; overflow-wrap: anywhere; }
.rnb-runs { display: grid; gap: 6px; margin-top: 8px; }
.rnb-gallery .rnb-thumbs { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 6px; margin: 6px 0; }
.rnb-thumb { display: grid; gap: 2px; padding: 4px; text-align: left; font: inherit; color: inherit; cursor: pointer;
  border: 1px solid var(--rnb-border); border-radius: var(--rnb-radius); background: var(--rnb-bg); }
.rnb-thumb[aria-pressed="true"] { border-color: var(--rnb-accent); box-shadow: 0 0 0 1px var(--rnb-accent) inset; }
.rnb-thumb-media { height: 90px; width: 100%; object-fit: cover; background: var(--rnb-bg-alt); display: flex;
  align-items: center; justify-content: center; overflow: hidden; }
.rnb-thumb-media img, .rnb-thumb-media video { width: 100%; height: 90px; object-fit: cover; }
.rnb-thumb-text { font-size: 11px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;
