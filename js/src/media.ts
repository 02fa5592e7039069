// Where a player's bytes come from. A widget's page URL is not the notebook's folder
// (/lab/workspaces/<id>/tree/..., /notebooks/...), so a relative path there gets the app's HTML page.
// On Jupyter's own pages (JupyterLab, Notebook 7: they carry <script id="jupyter-config-data">) the
// stored file's absolute path becomes the server's files route, `<baseUrl>files/<path under the root>`.
// Elsewhere (VS Code, Colab, nbconvert) the relative path is tried as it is. If the browser cannot load
// the file either way, the kernel is asked once for the bytes as a binary buffer, played from a blob
// URL. Media never travels in a synced trait, so saved notebooks stay small.
import { Model, onMessage } from "./shared";

const REPLY_TIMEOUT_MS = 20_000;

type Waiter = { resolve: (url: string) => void; reject: (error: Error) => void; timer: number };

/** Asks Python for a file's bytes (message {type: "media", src}) and caches one blob URL per file. */
export class MediaFetcher {
  private urls = new Map<string, Promise<string>>();
  private waiters = new Map<string, Waiter>();
  private objectUrls: string[] = [];
  private stop: () => void;

  constructor(private model: Model) {
    this.stop = onMessage(model, (msg, buffers) => this.receive(msg, buffers));
  }

  url(src: string): Promise<string> {
    let url = this.urls.get(src);
    if (!url) {
      url = new Promise<string>((resolve, reject) => {
        const timer = window.setTimeout(() => this.fail(src, "no answer from the kernel"), REPLY_TIMEOUT_MS);
        this.waiters.set(src, { resolve, reject, timer });
      });
      url.catch(() => this.urls.delete(src)); // a later attempt may succeed (kernel back)
      this.urls.set(src, url);
      this.model.send({ type: "media", src });
    }
    return url;
  }

  private receive(msg: any, buffers: DataView[]): void {
    if (msg?.type !== "media" || !this.waiters.has(msg.src)) return;
    if (!msg.ok || !buffers.length) return this.fail(msg.src, msg.error || "file not available");
    const waiter = this.waiters.get(msg.src)!;
    this.waiters.delete(msg.src);
    window.clearTimeout(waiter.timer);
    const view = buffers[0];
    const bytes = new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength);
    const objectUrl = URL.createObjectURL(new Blob([bytes], { type: msg.mime || "" }));
    this.objectUrls.push(objectUrl);
    waiter.resolve(objectUrl);
  }

  private fail(src: string, reason: string): void {
    const waiter = this.waiters.get(src);
    if (!waiter) return;
    this.waiters.delete(src);
    window.clearTimeout(waiter.timer);
    waiter.reject(new Error(reason));
  }

  dispose(): void {
    this.stop();
    for (const src of [...this.waiters.keys()]) this.fail(src, "closed");
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

/**
 * Point a media element at a stored file: its URL on this page first (fileUrl), the kernel's bytes if
 * that fails. `onUrl` hears the URL finally used (the file link follows it).
 */
export function attachSource(
  el: HTMLImageElement | HTMLMediaElement,
  file: StoredFile,
  fetcher: MediaFetcher | null,
  onUrl?: (url: string) => void,
): void {
  const src = file.src;
  let fellBack = false;
  el.addEventListener("error", () => {
    if (fellBack || !fetcher || isRemote(src)) return;
    fellBack = true;
    el.dataset.source = "kernel";
    fetcher.url(src).then(
      (url) => {
        el.src = url;
        onUrl?.(url);
      },
      () => el.classList.add("rnb-missing"),
    );
  });
  el.dataset.source = "file";
  el.setAttribute("src", fileUrl(file));
}

function isRemote(src: string): boolean {
  return /^(https?:|blob:|data:)/i.test(src);
}
