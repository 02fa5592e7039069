// Where a player's bytes come from. A widget's page URL is not the notebook's folder
// (/lab/workspaces/<id>/tree/..., /notebooks/...), so a relative path there gets the app's HTML page.
// On Jupyter's own pages (JupyterLab, Notebook 7: they carry <script id="jupyter-config-data">) the
// stored file's absolute path becomes the server's files route, `<baseUrl>files/<path under the root>`.
// Elsewhere (VS Code, Colab, nbconvert) the relative path is tried as it is. If the browser cannot load
// the file either way, the kernel is asked for the bytes in 1 MB slices (a few in flight at a time),
// each slice moved into a Blob as it lands, so the page's JS heap holds a few MB however big the file;
// the player gets a blob URL of the whole. Media never travels in a synced trait.
//
// Each widget also tells Python once whether the files route served it ({type: "host", files}): a
// finished TaskView swaps itself for plain HTML only where that HTML can play (runway_nb/widgets/_host.py).
import { Model, onMessage } from "./shared";

export const CHUNK_BYTES = 1024 * 1024;
const IN_FLIGHT = 4;
const REPLY_TIMEOUT_MS = 120_000; // a cell that holds the kernel delays the answers; a dead kernel never answers

/** A file that came through the kernel: its blob URL and how it travelled. */
export interface Fetched {
  url: string;
  bytes: number;
  chunks: number;
}

/** Hears the progress of a transfer: bytes so far, and the total once the first slice told it. */
export type Progress = (received: number, total: number | null) => void;

interface Transfer {
  src: string;
  parts: Blob[];
  received: number;
  chunks: number;
  total: number | null;
  mime: string;
  next: number;
  inFlight: number;
  listeners: Progress[];
  resolve: (fetched: Fetched) => void;
  reject: (error: Error) => void;
  timer: number;
}

/** Asks Python for files' bytes ({type: "media", src, offset, size}) and caches one blob URL per file. */
export class MediaFetcher {
  private fetched = new Map<string, Promise<Fetched>>();
  private transfers = new Map<string, Transfer>();
  private objectUrls: string[] = [];
  private reported = false;
  private stop: () => void;

  constructor(private model: Model) {
    this.stop = onMessage(model, (msg, buffers) => this.receive(msg, buffers));
  }

  /** The file's bytes as a blob URL; `progress` hears each slice as it lands. */
  url(src: string, progress?: Progress): Promise<string> {
    return this.fetch(src, progress).then((f) => f.url);
  }

  fetch(src: string, progress?: Progress): Promise<Fetched> {
    let fetched = this.fetched.get(src);
    const running = this.transfers.get(src);
    if (running && progress) running.listeners.push(progress);
    if (!fetched) {
      fetched = new Promise<Fetched>((resolve, reject) => {
        const transfer: Transfer = { src, parts: [], received: 0, chunks: 0, total: null, mime: "", next: 0,
          inFlight: 0, listeners: progress ? [progress] : [], resolve, reject, timer: 0 };
        this.transfers.set(src, transfer);
        this.ask(transfer);
      });
      fetched.catch(() => this.fetched.delete(src)); // a later attempt may succeed (kernel back)
      this.fetched.set(src, fetched);
    }
    return fetched;
  }

  /** Tell Python, once per widget, whether Jupyter's files route served a file on this page. */
  report(files: boolean): void {
    if (this.reported) return;
    this.reported = true;
    this.model.send({ type: "host", files });
  }

  private ask(t: Transfer): void {
    const offset = t.next;
    t.next += CHUNK_BYTES;
    t.inFlight += 1;
    this.restartTimer(t);
    this.model.send({ type: "media", src: t.src, offset, size: CHUNK_BYTES });
  }

  private restartTimer(t: Transfer): void {
    window.clearTimeout(t.timer);
    t.timer = window.setTimeout(() => this.fail(t.src, "no answer from the kernel"), REPLY_TIMEOUT_MS);
  }

  private receive(msg: any, buffers: DataView[]): void {
    const t = msg?.type === "media" ? this.transfers.get(msg.src) : undefined;
    if (!t) return;
    if (!msg.ok || !buffers.length) return this.fail(msg.src, msg.error || "file not available");
    const view = buffers[0];
    // Into a Blob at once: its bytes leave the JS heap for the browser's blob store.
    const part = new Blob([new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength)]);
    t.inFlight -= 1;
    t.chunks += 1;
    t.received += part.size;
    t.mime = msg.mime || t.mime;
    if (typeof msg.offset === "number" && typeof msg.total === "number") {
      t.total = msg.total;
      t.parts[Math.floor(msg.offset / CHUNK_BYTES)] = part;
    } else {
      t.total = part.size; // an answer with the whole file (a kernel from before slices)
      t.parts = [part];
    }
    for (const listener of t.listeners) listener(t.received, t.total);
    if (t.received >= (t.total ?? 0)) return this.finish(t);
    this.restartTimer(t);
    while (t.inFlight < IN_FLIGHT && t.next < (t.total ?? 0)) this.ask(t);
  }

  private finish(t: Transfer): void {
    this.transfers.delete(t.src);
    window.clearTimeout(t.timer);
    const url = URL.createObjectURL(new Blob(t.parts, { type: t.mime }));
    t.parts = [];
    this.objectUrls.push(url);
    t.resolve({ url, bytes: t.received, chunks: t.chunks });
  }

  private fail(src: string, reason: string): void {
    const t = this.transfers.get(src);
    if (!t) return;
    this.transfers.delete(src);
    window.clearTimeout(t.timer);
    t.parts = [];
    t.reject(new Error(reason));
  }

  dispose(): void {
    this.stop();
    for (const src of [...this.transfers.keys()]) this.fail(src, "closed");
    for (const url of this.objectUrls) URL.revokeObjectURL(url);
  }
}

/** Where the notebook server is: its URL prefix and the folder it serves (absolute, forward slashes). */
export interface JupyterServer {
  baseUrl: string;
  root: string;
}

let configCache: { el: Element | null; server: JupyterServer | null } | null = null;

/**
 * The server described by the page's jupyter-config-data, or null when the page is not Jupyter's
 * (or says too little). JupyterLab gives `serverRoot` and `rootUri`; Notebook 7 gives `rootUri` only.
 */
export function jupyterServer(doc: Document = document): JupyterServer | null {
  const el = doc.getElementById("jupyter-config-data");
  if (configCache && configCache.el === el && doc === document) return configCache.server;
  let server: JupyterServer | null = null;
  try {
    const config = el ? JSON.parse(el.textContent || "{}") : null;
    const root = config && (rootFromUri(config.rootUri) ?? (typeof config.serverRoot === "string" ? config.serverRoot : null));
    if (root && typeof config.baseUrl === "string" && !root.startsWith("~")) {
      server = { baseUrl: config.baseUrl, root: root.replace(/\\/g, "/") };
    }
  } catch {
    server = null; // unreadable config: behave as outside Jupyter
  }
  if (doc === document) configCache = { el, server };
  return server;
}

function rootFromUri(uri: unknown): string | null {
  if (typeof uri !== "string" || !uri.startsWith("file://")) return null;
  try {
    const path = decodeURIComponent(new URL(uri).pathname);
    return /^\/[A-Za-z]:/.test(path) ? path.slice(1) : path; // file:///C:/x -> C:/x
  } catch {
    return null;
  }
}

/**
 * `<baseUrl>files/<path under root>`, each segment URL-encoded; null when the file is not under the
 * server's root (the server could not serve it). Windows drive paths compare without case.
 */
export function filesUrl(path: string, server: JupyterServer): string | null {
  const file = path.replace(/\\/g, "/");
  const root = server.root.replace(/\\/g, "/").replace(/\/+$/, "");
  const fold = /^[A-Za-z]:/.test(root) ? (s: string) => s.toLowerCase() : (s: string) => s;
  if (!fold(file).startsWith(fold(root) + "/")) return null;
  const segments = file.slice(root.length + 1).split("/").filter(Boolean);
  if (!segments.length || segments.some((s) => s === "." || s === "..")) return null;
  const base = server.baseUrl.endsWith("/") ? server.baseUrl : `${server.baseUrl}/`;
  return `${base}files/${segments.map(encodeURIComponent).join("/")}`;
}

/** A stored file as Python describes it: the relative `src` (also the kernel's key) and its absolute `path`. */
export interface StoredFile {
  src: string;
  path?: string;
}

/** The URL to load a stored file from on this page: the files route on Jupyter's pages, else `src`. */
export function fileUrl(file: StoredFile, server: JupyterServer | null = jupyterServer()): string {
  if (!file.path || isRemote(file.src) || !server) return file.src;
  return filesUrl(file.path, server) ?? file.src;
}

/** Whether the files route serves `url` on this page: a HEAD request, answered 2xx. */
export async function filesRouteServes(url: string): Promise<boolean> {
  try {
    const answer = await fetch(url, { method: "HEAD", cache: "no-store", credentials: "same-origin" });
    return answer.ok;
  } catch {
    return false; // blocked, or no such route: the request never got an answer
  }
}

/**
 * Try the files route with one file (the page probe's file beside the notebook) and say what came of
 * it; outside Jupyter's pages there is no files route to try. Nothing is said without a file to try.
 */
export function reportFilesRoute(probe: StoredFile | null | undefined, report: (files: boolean) => void): void {
  if (!probe?.path) return;
  const server = jupyterServer();
  const url = server ? filesUrl(probe.path, server) : null;
  if (!url) return report(false);
  void filesRouteServes(url).then(report);
}

export interface SourceOptions {
  /** Hears the URL finally used (the file link follows it). */
  onUrl?: (url: string) => void;
  /** Hears what a person should read while the bytes come through the kernel ("" when there is nothing). */
  onStatus?: (text: string) => void;
}

/**
 * Point a media element at a stored file: its URL on this page first (fileUrl), the kernel's bytes if
 * that fails. The element says where its bytes came from (data-source: file or kernel) and, from the
 * kernel, in how many slices (data-chunks) and how many bytes (data-bytes).
 */
export function attachSource(
  el: HTMLImageElement | HTMLMediaElement,
  file: StoredFile,
  fetcher: MediaFetcher | null,
  options: SourceOptions | ((url: string) => void) = {},
): void {
  const { onUrl, onStatus } = typeof options === "function" ? { onUrl: options, onStatus: undefined } : options;
  const src = file.src;
  const fromPage = !isRemote(src);
  let fellBack = false;
  el.addEventListener(el instanceof HTMLImageElement ? "load" : "loadeddata", () => {
    if (!fellBack && fromPage) fetcher?.report(true);
  }, { once: true });
  el.addEventListener("error", () => {
    if (fellBack || !fetcher || !fromPage) return;
    fellBack = true;
    fetcher.report(false);
    el.dataset.source = "kernel";
    onStatus?.("loading through the kernel…");
    fetcher.fetch(src, (received, total) => onStatus?.(`loading through the kernel: ${megabytes(received, total)}`)).then(
      (fetched) => {
        el.dataset.chunks = String(fetched.chunks);
        el.dataset.bytes = String(fetched.bytes);
        el.src = fetched.url;
        onStatus?.("");
        onUrl?.(fetched.url);
      },
      (error: Error) => {
        el.classList.add("rnb-missing");
        onStatus?.(`could not load ${file.src}: ${error.message}`);
      },
    );
  });
  el.dataset.source = "file";
  el.setAttribute("src", fileUrl(file));
}

function megabytes(received: number, total: number | null): string {
  const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
  return total ? `${mb(received)} of ${mb(total)} MB` : `${mb(received)} MB`;
}

function isRemote(src: string): boolean {
  return /^(https?:|blob:|data:)/i.test(src);
}
