import { afterEach, describe, expect, it, vi } from "vitest";
import { CHUNK_BYTES, MediaFetcher, reportFilesRoute } from "../src/media";
import host from "../src/host";
import { FakeModel, mount } from "./fake_model";

/** What Python's MediaServer answers for a slice request of a file made of `bytes`. */
function answer(model: FakeModel, src: string, bytes: Uint8Array, request: any): void {
  const slice = bytes.slice(request.offset, request.offset + request.size);
  model.receive({ type: "media", src, ok: true, mime: "video/mp4", offset: request.offset, total: bytes.length },
    [slice.buffer]);
}

/** Bytes that differ from slice to slice, so a misplaced slice shows. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >> 20)) % 251;
  return bytes;
}

function same(buffer: ArrayBuffer, bytes: Uint8Array): boolean {
  return Buffer.from(buffer).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function mediaRequests(model: FakeModel): any[] {
  return model.sent.map((m) => m.content).filter((c) => c.type === "media");
}

function setConfig(config: Record<string, unknown> | null): void {
  document.getElementById("jupyter-config-data")?.remove();
  if (!config) return;
  const script = document.createElement("script");
  script.id = "jupyter-config-data";
  script.type = "application/json";
  script.textContent = JSON.stringify(config);
  document.head.append(script);
}

afterEach(() => {
  setConfig(null);
  vi.restoreAllMocks();
});

describe("MediaFetcher: a file through the kernel, slice by slice", () => {
  it("asks for a few slices at a time, in order, and assembles every byte into one blob", async () => {
    const model = new FakeModel();
    const fetcher = new MediaFetcher(model);
    const bytes = pattern(5 * CHUNK_BYTES + 123);
    const seen: [number, number | null][] = [];
    let made: Blob | undefined;
    vi.spyOn(URL, "createObjectURL").mockImplementation((b) => {
      made = b as Blob;
      return "blob:whole";
    });
    const done = fetcher.fetch("runway_outputs/big.mp4", (received, total) => seen.push([received, total]));
    expect(mediaRequests(model)).toEqual([{ type: "media", src: "runway_outputs/big.mp4", offset: 0, size: CHUNK_BYTES }]);
    answer(model, "runway_outputs/big.mp4", bytes, mediaRequests(model)[0]);
    // The first answer told the size: now up to four slices are in flight, never the whole file at once.
    expect(mediaRequests(model).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4].map((i) => i * CHUNK_BYTES));
    for (let i = 1; i < mediaRequests(model).length; i++) answer(model, "runway_outputs/big.mp4", bytes, mediaRequests(model)[i]);
    const fetched = await done;
    expect(mediaRequests(model).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * CHUNK_BYTES));
    expect(fetched).toEqual({ url: "blob:whole", bytes: bytes.length, chunks: 6 });
    expect(made!.type).toBe("video/mp4");
    expect(same(await made!.arrayBuffer(), bytes)).toBe(true);
    expect(seen.at(-1)).toEqual([bytes.length, bytes.length]);
    expect(seen[0]).toEqual([CHUNK_BYTES, bytes.length]);
  });

  it("puts slices that answer out of order in their place", async () => {
    const model = new FakeModel();
    const fetcher = new MediaFetcher(model);
    const bytes = pattern(3 * CHUNK_BYTES);
    let made: Blob | undefined;
    vi.spyOn(URL, "createObjectURL").mockImplementation((b) => ((made = b as Blob), "blob:x"));
    const done = fetcher.fetch("a.mp4");
    answer(model, "a.mp4", bytes, mediaRequests(model)[0]);
    const [, second, third] = mediaRequests(model);
    answer(model, "a.mp4", bytes, third);
    answer(model, "a.mp4", bytes, second);
    await done;
    expect(same(await made!.arrayBuffer(), bytes)).toBe(true);
  });

  it("an empty file, and a kernel that answers with the whole file at once (no offset)", async () => {
    const model = new FakeModel();
    const fetcher = new MediaFetcher(model);
    vi.spyOn(URL, "createObjectURL").mockReturnValue("blob:y");
    const empty = fetcher.fetch("empty.mp3");
    model.receive({ type: "media", src: "empty.mp3", ok: true, mime: "audio/mpeg", offset: 0, total: 0 }, [new ArrayBuffer(0)]);
    expect(await empty).toEqual({ url: "blob:y", bytes: 0, chunks: 1 });
    const whole = fetcher.fetch("old.png");
    model.receive({ type: "media", src: "old.png", ok: true, mime: "image/png" }, [new Uint8Array([1, 2, 3]).buffer]);
    expect(await whole).toEqual({ url: "blob:y", bytes: 3, chunks: 1 });
  });

  it("a refusal rejects, and a later attempt asks again", async () => {
    const model = new FakeModel();
    const fetcher = new MediaFetcher(model);
    const first = fetcher.fetch("gone.mp4");
    model.receive({ type: "media", src: "gone.mp4", ok: false, error: "cannot read gone.mp4" });
    await expect(first).rejects.toThrow("cannot read gone.mp4");
    void fetcher.fetch("gone.mp4").catch(() => {});
    expect(mediaRequests(model)).toHaveLength(2);
    fetcher.dispose();
  });
});

describe("telling Python whether the files route works", () => {
  it("reports once per widget", () => {
    const model = new FakeModel();
    const fetcher = new MediaFetcher(model);
    fetcher.report(false);
    fetcher.report(true);
    expect(model.sent.map((m) => m.content)).toEqual([{ type: "host", files: false }]);
  });

  it("the page probe tries its file on the files route as soon as the page makes its model", async () => {
    setConfig({ baseUrl: "/", rootUri: "file:///home/ada" });
    const calls: [string, RequestInit | undefined][] = [];
    vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      throw new TypeError("Failed to fetch"); // the route is blocked
    }));
    const model = new FakeModel({ probe: { src: "demo.ipynb", path: "/home/ada/nb/demo.ipynb" } });
    host.initialize({ model });
    await vi.waitFor(() => expect(model.sent.map((m) => m.content)).toEqual([{ type: "host", files: false }]));
    expect(calls[0][0]).toBe("/files/nb/demo.ipynb");
    expect(calls[0][1]?.method).toBe("HEAD");
    const quiet = new FakeModel({ probe: {} });
    host.initialize({ model: quiet }); // no file to try: nothing is said
    expect(quiet.sent).toEqual([]);
    vi.unstubAllGlobals();
  });

  it("a route that answers says yes; a page that is not Jupyter's says no without asking", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 200 })));
    setConfig({ baseUrl: "/user/ada/", rootUri: "file:///home/ada" });
    const said: boolean[] = [];
    reportFilesRoute({ src: "a.ipynb", path: "/home/ada/a.ipynb" }, (files) => said.push(files));
    await vi.waitFor(() => expect(said).toEqual([true]));
    expect((fetch as any).mock.calls[0][0]).toBe("/user/ada/files/a.ipynb");
    setConfig(null);
    reportFilesRoute({ src: "a.ipynb", path: "/home/ada/a.ipynb" }, (files) => said.push(files));
    expect(said).toEqual([true, false]);
    expect(fetch).toHaveBeenCalledTimes(1);
    vi.unstubAllGlobals();
  });
});
