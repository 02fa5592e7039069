import { describe, expect, it, vi } from "vitest";
import player from "../src/player";
import { CHUNK_BYTES } from "../src/media";
import { FakeModel, mount, visibleText } from "./fake_model";

const video = { src: "runway_outputs/a_0.mp4", name: "a_0.mp4", kind: "video", mime: "video/mp4",
  poster: "runway_outputs/a_0.poster.jpg", prompt: "waves at dusk", model: "veo3.1", seed: 42,
  ratio: "1280:720", duration: 8, cost_credits: 320, cost_dollars: 3.2, sandbox: true };
const image = { src: "runway_outputs/b_0.png", name: "b_0.png", kind: "image", mime: "image/png",
  width: 1920, height: 1080, prompt: "a lighthouse", model: "gen4_image", ratio: "1920:1080" };
const audio = { src: "runway_outputs/c_0.mp3", name: "c_0.mp3", kind: "audio", mime: "audio/mpeg",
  seconds: 3.4, prompt: "hello there", model: "eleven_multilingual_v2" };

describe("Player", () => {
  it("shows several outputs side by side with their details and file links", () => {
    const model = new FakeModel({ items: [video, image, audio] });
    const { el } = mount(player, model);
    const cards = el.querySelectorAll(".rnb-card");
    expect(cards.length).toBe(3);
    const text = visibleText(el);
    expect(text).toContain("veo3.1 · seed 42 · 1280:720 · 8 s · 320 credits ($3.20)");
    expect(text).toContain("sandbox: synthetic outputs");
    const links = [...el.querySelectorAll("a.rnb-file")].map((a) => a.getAttribute("href"));
    expect(links).toEqual([video.src, image.src, audio.src]);
  });

  it("video: controls, loop, muted autoplay preview and poster", () => {
    const { el } = mount(player, new FakeModel({ items: [video] }));
    const v = el.querySelector("video")!;
    for (const attr of ["controls", "loop", "autoplay", "muted", "playsinline"]) expect(v.hasAttribute(attr)).toBe(true);
    expect(v.muted).toBe(true);
    expect(v.getAttribute("poster")).toBe(video.poster);
    expect(v.getAttribute("src")).toBe(video.src);
  });

  it("image: fits the cell and a click (or key press on its button) enlarges it", () => {
    const { el } = mount(player, new FakeModel({ items: [image] }));
    const img = el.querySelector("img")!;
    expect(img.getAttribute("alt")).toBe("a lighthouse");
    expect(img.getAttribute("width")).toBe("1920");
    const button = img.closest("button")!;
    expect(button.getAttribute("aria-pressed")).toBe("false");
    button.click();
    expect(button.getAttribute("aria-pressed")).toBe("true");
    button.click();
    expect(button.getAttribute("aria-pressed")).toBe("false");
  });

  it("audio: a player with its duration, and a waveform when Python measured one", () => {
    const { el } = mount(player, new FakeModel({ items: [audio, { ...audio, peaks: [0, 0.5, 1, 0.25] }] }));
    const [plain, waved] = el.querySelectorAll(".rnb-card");
    expect(plain.querySelector("audio")!.hasAttribute("controls")).toBe(true);
    expect(visibleText(plain)).toContain("3.4 s");
    expect(plain.querySelector("svg")).toBeNull();
    const bars = waved.querySelectorAll("svg rect");
    expect([...bars].map((b) => b.getAttribute("height"))).toEqual(["2", "50", "100", "25"]);
    const sound = waved.querySelector("audio")!;
    Object.defineProperty(sound, "duration", { value: 4 });
    sound.currentTime = 2;
    sound.dispatchEvent(new Event("timeupdate"));
    expect([...bars].map((b) => b.classList.contains("rnb-played"))).toEqual([true, true, false, false]);
  });

  it("falls back to the kernel's bytes when the relative path does not load", async () => {
    const model = new FakeModel({ items: [video] });
    const { el } = mount(player, model);
    const v = el.querySelector("video")!;
    v.dispatchEvent(new Event("error"));
    v.dispatchEvent(new Event("error")); // asked once only
    expect(model.sent.map((m) => m.content)).toEqual([
      { type: "host", files: false },
      { type: "media", src: video.src, offset: 0, size: CHUNK_BYTES },
    ]);
    const createObjectURL = vi.spyOn(URL, "createObjectURL").mockReturnValue("blob:fake-1");
    model.receive({ type: "media", src: video.src, ok: true, mime: "video/mp4" }, [new Uint8Array([0, 0, 0, 24]).buffer]);
    await vi.waitFor(() => expect(v.getAttribute("src")).toBe("blob:fake-1"));
    const blob = createObjectURL.mock.calls[0][0] as Blob;
    expect(blob.size).toBe(4);
    expect(blob.type).toBe("video/mp4");
    expect(el.querySelector("a.rnb-file")!.getAttribute("href")).toBe("blob:fake-1");
    expect(el.querySelector("a.rnb-file")!.textContent).toBe(video.src);
    createObjectURL.mockRestore();
  });

  it("marks a file the kernel cannot serve", async () => {
    const model = new FakeModel({ items: [image] });
    const { el } = mount(player, model);
    const img = el.querySelector("img")!;
    img.dispatchEvent(new Event("error"));
    model.receive({ type: "media", src: image.src, ok: false, error: "not found" });
    await vi.waitFor(() => expect(img.classList.contains("rnb-missing")).toBe(true));
  });

  it("file names and prompts are text, never markup", () => {
    const evil = { ...image, name: "<img src=x onerror=alert(1)>.png", src: "runway_outputs/<b>x</b>.png",
      prompt: "<img src=x onerror=alert(1)>" };
    const { el } = mount(player, new FakeModel({ items: [evil] }));
    expect(el.querySelectorAll("img").length).toBe(1); // the player's own image only
    expect(el.querySelector("b")).toBeNull();
    expect(visibleText(el)).toContain("<img src=x onerror=alert(1)>");
  });

  it("redraws when the items change", () => {
    const model = new FakeModel({ items: [] });
    const { el } = mount(player, model);
    expect(el.querySelectorAll(".rnb-card").length).toBe(0);
    model.update("items", [audio, audio]);
    expect(el.querySelectorAll(".rnb-card").length).toBe(2);
  });

  it("a file no browser plays: its poster and facts as text, and no <video>", () => {
    const prores = { src: "runway_outputs/d_0.mov", path: "/srv/nb/runway_outputs/d_0.mov", name: "d_0.mov", kind: "video",
      mime: "video/quicktime", poster: "runway_outputs/d_0.poster.jpg", poster_path: "/srv/nb/runway_outputs/d_0.poster.jpg",
      model: "gen4.5", facts: [["container", "MOV"], ["codec", "ProRes 4444"], ["HDR transfer", "<b>PQ</b> · HDR"]] };
    const zip = { src: "runway_outputs/d_1.zip", name: "d_1.zip", kind: "file", poster: "", facts: [["container", "ZIP"]] };
    const { el } = mount(player, new FakeModel({ items: [prores, zip] }));
    expect(el.querySelector("video")).toBeNull();
    const [card, zipCard] = el.querySelectorAll(".rnb-card");
    expect(card.getAttribute("data-shows")).toBe("facts");
    const poster = card.querySelector("img.rnb-poster")!;
    expect(poster.getAttribute("src")).toBe(prores.poster);
    expect(poster.getAttribute("alt")).toBe("first frame of d_0.mov");
    const rows = [...card.querySelectorAll(".rnb-facts dt")].map((dt) => `${dt.textContent}=${dt.nextElementSibling!.textContent}`);
    expect(rows).toEqual(["container=MOV", "codec=ProRes 4444", "HDR transfer=<b>PQ</b> · HDR"]);
    expect(card.querySelector("b")).toBeNull(); // server text stays text
    expect(card.querySelector("a.rnb-file")!.getAttribute("href")).toBe(prores.src);
    expect(visibleText(card)).toContain("A browser cannot play this file");
    expect(zipCard.querySelector("img")).toBeNull();
    expect(visibleText(zipCard)).toContain("no picture to show");
  });
});
