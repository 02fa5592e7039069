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
    expect(visibleText(el)).toContain("1–3 of 3 results");
  });

  it("asks the kernel to search the whole journal by kind, provider, model and text", async () => {
    const model = new FakeModel({ items, models: ["gen4.5", "gen4_image"], providers: ["Runway"], total: 3 });
    const { el } = mount(gallery, model);
    const [kind, provider, which] = el.querySelectorAll("select");
    expect([...(which as HTMLSelectElement).options].map((o) => o.value)).toEqual(["", "gen4.5", "gen4_image"]);
    pick(kind as HTMLSelectElement, "image");
    expect(model.get("query")).toEqual({ kind: "image" });
    pick(provider as HTMLSelectElement, "Runway");
    pick(which as HTMLSelectElement, "gen4_image");
    expect(model.get("query")).toEqual({ kind: "image", provider: "Runway", model: "gen4_image" });
    const search = el.querySelector('input[type="search"]') as HTMLInputElement;
    search.value = "  lighthouse ";
    search.dispatchEvent(new Event("input"));
    await new Promise((done) => setTimeout(done, 300)); // typing settles first
    expect(model.get("query")).toEqual({ kind: "image", provider: "Runway", model: "gen4_image", text: "lighthouse" });
    expect(model.saves).toBe(4);
    model.update("items", items.slice(1, 2));
    model.update("total", 1);
    expect(ids(el)).toEqual(["bbb222"]);
    expect(visibleText(el)).toContain("1–1 of 1 result");
  });

  it("asks the kernel for an operation, a date range and a credit range", async () => {
    const model = new FakeModel({ items, operations: ["image_to_video", "text_to_image"], total: 3 });
    const { el } = mount(gallery, model);
    const operation = el.querySelectorAll("select")[3] as HTMLSelectElement;
    expect([...operation.options].map((o) => o.value)).toEqual(["", "image_to_video", "text_to_image"]);
    pick(operation, "text_to_image");
    expect(model.get("query")).toEqual({ operation: "text_to_image" });
    const field = (id: string) => el.querySelector<HTMLInputElement>(`[data-testid="rnb-gallery-${id}"]`)!;
    expect([field("since").type, field("until").type, field("min-credits").type]).toEqual(["date", "date", "number"]);
    field("since").value = "2023-11-14";
    field("since").dispatchEvent(new Event("change"));
    field("until").value = "2023-11-15";
    field("until").dispatchEvent(new Event("change"));
    expect(model.get("query")).toEqual({ operation: "text_to_image", since: "2023-11-14", until: "2023-11-15" });
    field("min-credits").value = "5";
    field("min-credits").dispatchEvent(new Event("input"));
    field("max-credits").value = "10.5";
    field("max-credits").dispatchEvent(new Event("input"));
    await new Promise((done) => setTimeout(done, 300)); // typing settles first: one search, not two
    expect(model.get("query")).toEqual({ operation: "text_to_image", since: "2023-11-14", until: "2023-11-15", min_credits: 5, max_credits: 10.5 });
    expect(model.saves).toBe(4);
    field("min-credits").value = "";
    field("min-credits").dispatchEvent(new Event("input"));
    await new Promise((done) => setTimeout(done, 300));
    expect(model.get("query")).not.toHaveProperty("min_credits");
  });

  it("each tile shows the final cost, else the estimate marked as one, and the operation", () => {
    const withEstimate = [{ ...items[0], operation: "image_to_video" }, { ...items[1], cost_credits: null, estimate_credits: 5 },
      { ...items[2], cost_credits: null, estimate_credits: null }, { ...items[2], task_id: "ddd444", cost_credits: 1 }];
    const { el } = mount(gallery, new FakeModel({ items: withEstimate }));
    const costs = thumbs(el).map((t) => t.querySelector('[data-testid="rnb-gallery-cost"]')!.textContent);
    expect(costs).toEqual(["60 credits", "~5 credits (estimate)", "", "1 credit"]);
    expect(visibleText(thumbs(el)[0])).toContain("image_to_video");
  });

  it("a query the kernel could not read says why, as text", () => {
    const model = new FakeModel({ items: [], total: 0 });
    const { el } = mount(gallery, model);
    model.update("problem", "since='<b>x</b>' is not a date");
    const status = el.querySelector('[role="status"]')!;
    expect(status.textContent).toBe("since='<b>x</b>' is not a date");
    expect(status.querySelector("b")).toBeNull();
    model.update("problem", "");
    expect(status.textContent).toContain("0 of 0 results");
  });

  it("older pages are asked for once, while the kernel says there are more", () => {
    const model = new FakeModel({ items, total: 500, has_more: true });
    const { el } = mount(gallery, model);
    const more = el.querySelector<HTMLButtonElement>('[data-testid="rnb-gallery-more"]')!;
    expect(more.hidden).toBe(false);
    more.click();
    more.click();
    expect(model.sent.map((m) => m.content)).toEqual([{ type: "more" }]);
    model.update("items", [...items, ...items.map((i) => ({ ...i, task_id: i.task_id + "x" }))]);
    more.click();
    expect(model.sent.length).toBe(2);
    model.update("has_more", false);
    expect(more.hidden).toBe(true);
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
