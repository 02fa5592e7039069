// Players for stored outputs: video (controls, loop, muted autoplay preview, poster), image (fits the
// cell, click to enlarge), audio (controls and duration). A file a browser cannot play (Python sent
// its `facts`: ProRes, HDR HEVC, zips of frames) gets its poster frame and facts, never a <video>. Several outputs sit side by side, each with
// its prompt, model, seed, ratio, duration, cost and a link to the stored file.
import { attachSource, fileUrl, MediaFetcher, SourceOptions } from "./media";
import { formatCredits, formatSeconds, h, injectStyles, MediaEntry, RenderProps, watch } from "./shared";

/** A row of player cards, one per output. */
export function renderCards(entries: MediaEntry[], fetcher: MediaFetcher | null): HTMLElement {
  const grid = h("div", { class: "rnb-grid", attrs: { "data-testid": "rnb-player" } });
  for (const entry of entries) grid.append(renderCard(entry, fetcher));
  return grid;
}

export function renderCard(entry: MediaEntry, fetcher: MediaFetcher | null): HTMLElement {
  const link = h("a", {
    class: "rnb-file",
    text: entry.src,
    attrs: { href: fileUrl(entry), download: entry.name, target: "_blank", rel: "noopener", title: "the stored file" },
  });
  const loading = h("p", { class: "rnb-muted rnb-loading", attrs: { role: "status" } });
  loading.hidden = true;
  const source: SourceOptions = {
    onUrl: (url) => link.setAttribute("href", url),
    onStatus: (text) => {
      loading.textContent = text;
      loading.hidden = !text;
    },
  };
  const card = h(
    "figure",
    { class: "rnb-card", attrs: { "data-kind": entry.kind, "data-shows": entry.facts ? "facts" : "player" } },
    entry.facts ? renderFacts(entry, entry.facts, fetcher) : renderMedia(entry, fetcher, source),
    h(
      "figcaption",
      {},
      loading,
      entry.prompt ? h("p", { class: "rnb-prompt", text: entry.prompt }) : null,
      h("p", { class: "rnb-meta", text: metaLine(entry) }),
      entry.sandbox ? sandboxBadge() : null,
      link,
    ),
  );
  return card;
}

/** "gen4.5 · seed 42 · 1280:720 · 5 s · 60 credits ($0.60)" — only the parts that are known. */
export function metaLine(entry: MediaEntry): string {
  const parts = [
    entry.model,
    entry.seed !== null && entry.seed !== undefined ? `seed ${entry.seed}` : "",
    entry.ratio ?? "",
    entry.duration ? formatSeconds(entry.duration) : "",
    formatCredits(entry.cost_credits, entry.cost_dollars),
  ];
  return parts.filter(Boolean).join(" · ");
}

export function sandboxBadge(): HTMLElement {
  return h("span", {
    class: "rnb-badge",
    text: "sandbox: synthetic outputs",
    attrs: { title: "made by the local sandbox, not by Runway" },
  });
}

function renderMedia(entry: MediaEntry, fetcher: MediaFetcher | null, source: SourceOptions): HTMLElement {
  if (entry.kind === "video") return renderVideo(entry, fetcher, source);
  if (entry.kind === "image") return renderImage(entry, fetcher, source);
  if (entry.kind === "audio") return renderAudio(entry, fetcher, source);
  return h("p", { class: "rnb-muted", text: `no player for ${entry.kind}` });
}

/** The card of a file no browser plays: its first frame (Python made it), what it is, and why no player. */
function renderFacts(entry: MediaEntry, facts: [string, string][], fetcher: MediaFetcher | null): HTMLElement {
  const box = h("div", { class: "rnb-unplayable" });
  if (entry.poster) {
    const img = h("img", { class: "rnb-poster", attrs: { alt: `first frame of ${entry.name}`, "data-testid": "rnb-poster" } });
    attachSource(img, { src: entry.poster, path: entry.poster_path }, fetcher);
    box.append(img);
  } else {
    box.append(h("p", { class: "rnb-muted", text: "no picture to show" }));
  }
  const list = h("dl", { class: "rnb-facts", attrs: { "data-testid": "rnb-facts" } });
  for (const [label, value] of facts) list.append(h("div", {}, h("dt", { text: label }), h("dd", { text: value })));
  box.append(list, h("p", { class: "rnb-meta", text: UNPLAYABLE_NOTE }));
  return box;
}

const UNPLAYABLE_NOTE = "A browser cannot play this file: its first frame and facts are shown; open it with the link.";

function renderVideo(entry: MediaEntry, fetcher: MediaFetcher | null, source: SourceOptions): HTMLElement {
  // muted + autoplay + loop: a silent preview plays at once; the controls unmute it.
  const video = h("video", {
    class: "rnb-video",
    attrs: {
      controls: true,
      loop: true,
      muted: true,
      autoplay: true,
      playsinline: true,
      preload: "metadata",
      "aria-label": `video: ${entry.name}`,
    },
  });
  video.muted = true; // the attribute alone does not mute a created element
  if (entry.poster) {
    // A poster fails silently on a video; loaded as an image it falls back to the kernel like the rest,
    // and a large video shows its first frame while its bytes are still on the way.
    const poster = new Image();
    attachSource(poster, { src: entry.poster, path: entry.poster_path }, fetcher, { onUrl: (url) => video.setAttribute("poster", url) });
    video.setAttribute("poster", poster.getAttribute("src") ?? "");
  }
  attachSource(video, entry, fetcher, source);
  return video;
}

function renderImage(entry: MediaEntry, fetcher: MediaFetcher | null, source: SourceOptions): HTMLElement {
  const img = h("img", {
    class: "rnb-image",
    attrs: { alt: entry.prompt || entry.name, width: entry.width ?? null, height: entry.height ?? null },
  });
  attachSource(img, entry, fetcher, source);
  // A button, so the keyboard can enlarge too; aria-pressed tells a screen reader the state.
  const button = h("button", {
    class: "rnb-enlarge",
    attrs: { type: "button", "aria-pressed": "false", title: "click to enlarge" },
  });
  button.append(img);
  button.addEventListener("click", () => {
    const enlarged = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(enlarged));
    button.title = enlarged ? "click to fit" : "click to enlarge";
  });
  return button;
}

function renderAudio(entry: MediaEntry, fetcher: MediaFetcher | null, source: SourceOptions): HTMLElement {
  const audio = h("audio", { class: "rnb-audio", attrs: { controls: true, preload: "metadata" } });
  const length = h("span", { class: "rnb-muted", text: audioLength(entry.seconds) });
  audio.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(audio.duration)) length.textContent = audioLength(audio.duration);
  });
  attachSource(audio, entry, fetcher, source);
  const row = h("div", { class: "rnb-audio-row" }, audio, length);
  return entry.peaks?.length ? h("div", {}, renderWaveform(entry.peaks, audio), row) : row;
}

const SVG = "http://www.w3.org/2000/svg";

/** Bars from the peaks Python measured; played bars change colour, a click seeks. */
function renderWaveform(peaks: number[], audio: HTMLAudioElement): Element {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "rnb-wave");
  svg.setAttribute("viewBox", `0 0 ${peaks.length} 100`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true"); // the audio element's own controls are the accessible ones
  const bars = peaks.map((peak, i) => {
    const bar = document.createElementNS(SVG, "rect");
    const height = Math.max(2, Math.min(1, peak) * 100);
    bar.setAttribute("x", String(i + 0.15));
    bar.setAttribute("width", "0.7");
    bar.setAttribute("y", String((100 - height) / 2));
    bar.setAttribute("height", String(height));
    svg.append(bar);
    return bar;
  });
  audio.addEventListener("timeupdate", () => {
    const played = audio.duration ? (audio.currentTime / audio.duration) * bars.length : 0;
    bars.forEach((bar, i) => bar.classList.toggle("rnb-played", i < played));
  });
  svg.addEventListener("click", (event: MouseEvent) => {
    const box = svg.getBoundingClientRect();
    if (box.width && Number.isFinite(audio.duration)) audio.currentTime = ((event.clientX - box.left) / box.width) * audio.duration;
  });
  return svg;
}

/** Short clips deserve a tenth of a second: "2.5 s"; longer ones read as "1:05". */
function audioLength(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  return seconds < 60 ? `${seconds.toFixed(1)} s` : formatSeconds(seconds);
}

/** The Player widget: trait `items` (list of MediaEntry). */
function render({ model, el }: RenderProps): () => void {
  injectStyles();
  const fetcher = new MediaFetcher(model);
  const root = h("div", { class: "rnb-root" });
  el.replaceChildren(root);
  const draw = () => root.replaceChildren(renderCards(model.get("items") ?? [], fetcher));
  draw();
  const unwatch = watch(model, ["items"], draw);
  return () => {
    unwatch();
    fetcher.dispose();
  };
}

export default { render };
