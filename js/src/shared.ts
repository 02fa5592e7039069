// What every widget module shares: the model interface anywidget hands us, a tiny DOM builder that
// only ever sets text (never HTML), formatting of times and credits, and the page's stylesheet.
import { STYLES } from "./styles";

/** The part of anywidget's model that these widgets use (a fake one drives the unit tests). */
export interface Model {
  get(name: string): any;
  set(name: string, value: unknown): void;
  on(event: string, callback: (...args: any[]) => void): void;
  off(event?: string | null, callback?: ((...args: any[]) => void) | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
  save_changes(): void;
}

export interface RenderProps {
  model: Model;
  el: HTMLElement;
}

/** One stored output as Python describes it (runway_nb/widgets/_media.py: media_entry). */
export interface MediaEntry {
  src: string; // path relative to the kernel's working directory, e.g. runway_outputs/abc_0.mp4
  path?: string; // the file's absolute path (forward slashes): the files route is built from it
  name: string;
  kind: "video" | "image" | "audio" | string;
  mime?: string;
  poster?: string;
  poster_path?: string;
  width?: number;
  height?: number;
  seconds?: number | null;
  peaks?: number[]; // audio: peak level of equal slices, 0..1
  index?: number;
  task_id?: string;
  prompt?: string;
  model?: string;
  seed?: number | null;
  ratio?: string | null;
  duration?: number | null;
  cost_credits?: number | null;
  cost_dollars?: number | null;
  sandbox?: boolean;
  /** Set for a file a browser cannot play (ProRes, HDR HEVC, zips of frames): [label, value] rows. */
  facts?: [string, string][] | null;
}

/** Python's one table of media types, by lower-case file extension (runway_nb/formats.py: MEDIA_TYPES). */
export type MediaTypes = Record<string, { kind: string; mime: string }>;

/** "video" for "runway_outputs/x.MP4" by the table; null when the extension is not a media type. */
export function kindOfName(name: string, types: MediaTypes): string | null {
  const base = name.split("/").pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot < 0 ? null : (types[base.slice(dot + 1).toLowerCase()]?.kind ?? null);
}

type Child = Node | string | null | undefined | false;
type Props = {
  class?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | null | undefined>;
  on?: Record<string, (event: any) => void>;
};

/** Build an element. Strings become text nodes: user and server text can never become markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const [event, handler] of Object.entries(props.on ?? {})) el.addEventListener(event, handler);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Subscribe to trait changes; returns the function that unsubscribes (call it on cleanup). */
export function watch(model: Model, names: string[], callback: () => void): () => void {
  for (const name of names) model.on(`change:${name}`, callback);
  return () => {
    for (const name of names) model.off(`change:${name}`, callback);
  };
}

/** Subscribe to custom messages from Python; returns the unsubscribe function. */
export function onMessage(model: Model, callback: (msg: any, buffers: DataView[]) => void): () => void {
  const handler = (msg: any, buffers?: DataView[]) => callback(msg, buffers ?? []);
  model.on("msg:custom", handler);
  return () => model.off("msg:custom", handler);
}

let idCounter = 0;
/** A page-unique id, for label/for and aria-describedby pairs. */
export function uid(prefix = "rnb"): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Add the stylesheet to the page once (a second widget, or a hot reload, reuses or refreshes it). */
export function injectStyles(doc: Document = document): void {
  const existing = doc.getElementById("runway-nb-styles");
  if (existing) {
    if (existing.textContent !== STYLES) existing.textContent = STYLES;
    return;
  }
  const style = doc.createElement("style");
  style.id = "runway-nb-styles";
  style.textContent = STYLES;
  (doc.head ?? doc.documentElement).append(style);
}

/** 7 -> "7 s", 65 -> "1:05", 3725 -> "1:02:05". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** 60, 0.6 -> "60 credits ($0.60)"; dollars come from Python (catalog.CREDIT_DOLLARS lives there). */
export function formatCredits(credits: number | null | undefined, dollars?: number | null): string {
  if (credits === null || credits === undefined) return "";
  const unit = credits === 1 ? "credit" : "credits";
  const money = dollars === null || dollars === undefined ? "" : ` ($${dollars.toFixed(2)})`;
  return `${credits} ${unit}${money}`;
}

/** What a person reads for each wire status: THROTTLED means waiting in Runway's queue. */
export const STATUS_LABEL: Record<string, string> = {
  PENDING: "pending",
  THROTTLED: "queued",
  RUNNING: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  CANCELLED: "cancelled",
};

export const ACTIVE_STATUSES = new Set(["PENDING", "THROTTLED", "RUNNING"]);

/** Cut a prompt for a one-line header; the full text stays in the title attribute. */
export function shorten(text: string | null | undefined, max = 90): string {
  const t = (text ?? "").replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
