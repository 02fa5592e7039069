// Where a player's bytes come from. First the stored file's relative path (JupyterLab's HTML outputs
// and most servers resolve it); if the browser cannot load it (VS Code, Colab, a widget page whose
// URL is not the notebook's folder), ask the kernel once for the bytes as a binary buffer and play
// them from a blob URL. Media never travels in a synced trait, so saved notebooks stay small.
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

/**
 * Point a media element at a stored file: relative path first, the kernel's bytes if that fails.
 * `onUrl` hears the URL finally used (the file link follows it).
 */
export function attachSource(
  el: HTMLImageElement | HTMLMediaElement,
  src: string,
  fetcher: MediaFetcher | null,
  onUrl?: (url: string) => void,
): void {
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
  el.setAttribute("src", src);
}

function isRemote(src: string): boolean {
  return /^(https?:|blob:|data:)/i.test(src);
}
