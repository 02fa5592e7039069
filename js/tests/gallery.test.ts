import { describe, expect, it } from "vitest";
import gallery from "../src/gallery";
import { FakeModel, mount, visibleText } from "./fake_model";

const entry = (id: string, kind: string, src: string, extra: object = {}) => ({
  src, name: src.split("/").pop(), kind, task_id: id, model: "m", prompt: "p", ...extra,
});
const items = [
  { task_id: "aaa111", model: "gen4.5", kind: "video", prompt: "a red fox in snow", created_at: 1_700_000_000, cost_credits: 60,
    outputs: [entry("aaa111", "video", "runway_outputs/aaa111_0.mp4", { poster: "runway_outputs/aaa111_0.poster.jpg", model: "gen4.5" })] },
  { task_id: "bbb222", model: "gen4_image", kind: "image", prompt: "a lighthouse at dusk", created_at: 1_700_000_100, cost_credits: 8,
    outputs: [entry("bbb222", "image", "runway_outputs/bbb222_0.png", { model: "gen4_image" })] },
  { task_id: "ccc333", model: "eleven_multilingual_v2", kind: "audio", prompt: "hello <img src=x onerror=alert(1)>", created_at: null, cost_credits: 1,
    outputs: [entry("ccc333", "audio", "runway_outputs/ccc333_0.mp3", { seconds: 2 })] },
];

const thumbs = (el: HTMLElement) => [...el.querySelectorAll<HTMLButtonElement>(".rnb-thumb")];
const ids = (el: HTMLElement) => thumbs(el).map((t) => t.dataset.taskId);
const pick = (select: HTMLSelectElement, value: string) => {
  select.value = value;
  select.dispatchEvent(new Event("change"));
};

describe("Gallery", () => {
  it("shows a thumbnail per result: image, video poster, audio length", () => {
    const { el } = mount(gallery, new FakeModel({ items }));
    expect(ids(el)).toEqual(["aaa111", "bbb222", "ccc333"]);
    const [video, image, audio] = thumbs(el);
    expect(video.querySelector("img")!.getAttribute("src")).toBe("runway_outputs/aaa111_0.poster.jpg");
    expect(image.querySelector("img")!.getAttribute("src")).toBe("runway_outputs/bbb222_0.png");
    expect(visibleText(audio)).toContain("♪ 2 s");
    expect(visibleText(el)).toContain("3 of 3 results");
  });

  it("filters by kind, model and text", () => {
    const { el } = mount(gallery, new FakeModel({ items }));
    const [kind, model] = el.querySelectorAll("select");
    pick(kind as HTMLSelectElement, "image");
    expect(ids(el)).toEqual(["bbb222"]);
    pick(kind as HTMLSelectElement, "");
    pick(model as HTMLSelectElement, "gen4.5");
    expect(ids(el)).toEqual(["aaa111"]);
    pick(model as HTMLSelectElement, "");
    const search = el.querySelector('input[type="search"]') as HTMLInputElement;
    search.value = "LIGHTHOUSE";
    search.dispatchEvent(new Event("input"));
    expect(ids(el)).toEqual(["bbb222"]);
    search.value = "ccc";
    search.dispatchEvent(new Event("input"));
    expect(ids(el)).toEqual(["ccc333"]);
  });

  it("one selected result is shown again; two or more side by side", () => {
    const { el } = mount(gallery, new FakeModel({ items }));
    const viewer = el.querySelector('[data-testid="rnb-gallery-viewer"]')!;
    thumbs(el)[1].click();
    expect(viewer.querySelectorAll(".rnb-card").length).toBe(1);
    expect(viewer.querySelector("img")!.getAttribute("src")).toBe("runway_outputs/bbb222_0.png");
    thumbs(el)[0].click();
    expect(viewer.querySelectorAll(".rnb-card").length).toBe(2);
    expect(visibleText(el)).toContain("Comparing 2 results");
    expect(thumbs(el)[0].getAttribute("aria-pressed")).toBe("true");
    [...el.querySelectorAll("button")].find((b) => b.textContent === "Clear selection")!.click();
    expect(viewer.querySelectorAll(".rnb-card").length).toBe(0);
  });

  it("Refresh asks Python to read the journal again, and new items appear", () => {
    const model = new FakeModel({ items: items.slice(0, 1) });
    const { el } = mount(gallery, model);
    [...el.querySelectorAll("button")].find((b) => b.textContent === "Refresh")!.click();
    expect(model.sent.map((m) => m.content)).toEqual([{ type: "refresh" }]);
    model.update("items", items);
    expect(ids(el).length).toBe(3);
  });

  it("prompts are text, never markup", () => {
    const { el } = mount(gallery, new FakeModel({ items }));
    thumbs(el)[2].click();
    expect(el.querySelectorAll("img").length).toBe(2); // the two thumbnails' own images
    expect(visibleText(el)).toContain("hello <img src=x onerror=alert(1)>");
  });
});
