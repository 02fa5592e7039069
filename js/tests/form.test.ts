import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import form, { CHUNK_BYTES, DEBOUNCE_MS, expand, search } from "../src/form";
import catalog from "./fixtures/catalog.json";
import { FakeModel, mount, visibleText } from "./fake_model";

function setup(draft: object = { model: "gen4.5", endpoint: "/v1/text_to_video", body: {} }) {
  const model = new FakeModel({ catalog, draft, check: {}, uploads: {}, runs: [], notice: "", busy: false });
  const { el, cleanup } = mount(form, model);
  return { model, el, cleanup };
}
// A top-level field's row (nested rows carry their own key as data-field too: take the outermost).
const field = (el: HTMLElement, name: string) => el.querySelector(`[data-testid="rnb-form"] > .rnb-fields > .rnb-fields > [data-field="${name}"]`) as HTMLElement | null;
const choose = (select: HTMLSelectElement, value: string) => {
  select.value = value;
  select.dispatchEvent(new Event("change"));
};
const type = (input: HTMLInputElement | HTMLTextAreaElement, value: string) => {
  input.value = value;
  input.dispatchEvent(new Event("input"));
};
const modelSelect = (el: HTMLElement) => el.querySelector('[data-testid="rnb-model"]') as HTMLSelectElement;
const operationSelect = (el: HTMLElement) => el.querySelector('[data-testid="rnb-operation"]') as HTMLSelectElement;
const optionValues = (select: HTMLSelectElement) => [...select.options].map((o) => o.value);
const body = (model: FakeModel) => (vi.advanceTimersByTime(DEBOUNCE_MS), model.get("draft").body);

describe("GenerateForm", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("offers every model, grouped by kind and provider", () => {
    const { el } = setup();
    const groups = [...modelSelect(el).querySelectorAll("optgroup")].map((g) => g.getAttribute("label"));
    expect(groups[0]).toBe("video · Runway");
    expect(groups).toContain("video · Kling");
    expect(groups).toContain("image · OpenAI");
    expect(groups).toContain("audio · ElevenLabs");
    expect(modelSelect(el).options.length).toBe(catalog.models.length);
    expect(catalog.models.length).toBeGreaterThan(64); // the SDK's 64 model ids and the model-less operations
  });

  it("filters the models as you type and switches to a match", () => {
    const { el, model } = setup();
    const box = el.querySelector('[data-testid="rnb-model-search"]') as HTMLInputElement;
    type(box, "kling 3.0");
    const shown = optionValues(modelSelect(el));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((id) => id.includes("kling3.0"))).toBe(true);
    expect(model.get("draft").model).toBe(shown[0]);
    expect(visibleText(el)).toContain(`${shown.length} of ${catalog.models.length}`);
    type(box, "upscale");
    expect(optionValues(modelSelect(el))).toContain("magnific_precision_upscaler_v2");
  });

  it("gen4.5 text-only: duration 2-10 and two ratios, and its output formats", () => {
    const { el } = setup();
    const duration = field(el, "duration")!.querySelector("input")!;
    expect([duration.min, duration.max, duration.value]).toEqual(["2", "10", "5"]);
    expect(visibleText(field(el, "duration")!)).toContain("2–10");
    expect(optionValues(field(el, "ratio")!.querySelector("select")!)).toEqual(["1280:720", "720:1280"]);
    expect(optionValues(field(el, "outputFormat")!.querySelector("select")!)).toContain("prores");
    expect(field(el, "promptImage")).toBeNull();
  });

  it("gen4.5 image-to-video adds the image input", () => {
    const { el } = setup();
    choose(operationSelect(el), "/v1/image_to_video");
    expect(field(el, "promptImage")!.querySelector('input[type="file"]')).not.toBeNull();
    expect(field(el, "ratio")!.querySelectorAll("option").length).toBe(6);
  });

  it("kling3.0_pro image-to-video: a first/last keyframe list with positions, rows added and removed", () => {
    const { el, model } = setup({ model: "kling3.0_pro", endpoint: "/v1/image_to_video", body: {} });
    const image = field(el, "promptImage")!;
    const kind = image.querySelector('select[data-role="member"]') as HTMLSelectElement;
    choose(kind, "1"); // the list member
    const add = image.querySelector('button[data-action="add"]') as HTMLButtonElement;
    expect(image.querySelectorAll(".rnb-item").length).toBe(1);
    add.click();
    const items = image.querySelectorAll(".rnb-item");
    expect(items.length).toBe(2);
    type(items[0].querySelector('[data-field="uri"] input[type="text"]') as HTMLInputElement, "https://example.com/a.png");
    type(items[1].querySelector('[data-field="uri"] input[type="text"]') as HTMLInputElement, "https://example.com/b.png");
    choose(items[1].querySelector('[data-field="position"] select') as HTMLSelectElement, "last");
    expect(body(model).promptImage).toEqual([
      { uri: "https://example.com/a.png", position: "first" },
      { uri: "https://example.com/b.png", position: "last" },
    ]);
    (items[0].querySelector('button[data-action="remove"]') as HTMLButtonElement).click();
    expect(body(model).promptImage).toEqual([{ uri: "https://example.com/b.png", position: "last" }]);
  });

  it("a list stops offering rows at its maximum", () => {
    const { el } = setup({ model: "gen4_image", endpoint: "/v1/text_to_image", body: {} });
    const refs = field(el, "referenceImages")!;
    const add = refs.querySelector('button[data-action="add"]') as HTMLButtonElement;
    while (!add.hidden) add.click();
    const entry = expand(catalog.models as any[], catalog.common).find((m) => m.id === "gen4_image")!;
    const max = entry.ops[0].shape.fields.referenceImages.shape.maxItems;
    expect(max).toBe(3);
    expect(refs.querySelectorAll(".rnb-item").length).toBe(max);
  });

  it("eleven_v3: the voice structure, numbers and a yes/no for an optional boolean", () => {
    const { el, model } = setup({ model: "eleven_v3", endpoint: "/v1/text_to_speech", body: {} });
    const voice = field(el, "voice")!;
    expect(voice.querySelector("select")).not.toBeNull();
    expect(body(model).voice?.type).toBeDefined();
    const boost = field(el, "useSpeakerBoost")!.querySelector("select") as HTMLSelectElement;
    expect(optionValues(boost)).toEqual(["", "true", "false"]);
    choose(boost, "false");
    expect(body(model).useSpeakerBoost).toBe(false);
    expect(field(el, "ratio")).toBeNull();
  });

  it("eleven_voice_dubbing shows the target languages by name", () => {
    const { el } = setup({ model: "eleven_voice_dubbing", endpoint: "/v1/voice_dubbing", body: {} });
    const select = field(el, "targetLang")!.querySelector("select")!;
    expect([...select.options].map((o) => o.textContent)).toContain("Spanish (es)");
    expect(field(el, "audioUri")!.querySelector('input[type="file"]')!.getAttribute("accept")).toContain("audio/mpeg");
  });

  it("magnific upscaler: enum numbers stay numbers, ranges shown", () => {
    const { el, model } = setup({ model: "magnific_precision_upscaler_v2", endpoint: "/v1/image_upscale", body: {} });
    choose(field(el, "scaleFactor")!.querySelector("select")!, "4");
    expect(body(model).scaleFactor).toBe(4);
    expect(visibleText(field(el, "ultraDetail")!)).toContain("0–100");
  });

  it("sends the draft after a pause in typing, and keeps the prompt across models", () => {
    const { el, model } = setup();
    const saves = model.saves;
    const prompt = field(el, "promptText")!.querySelector("textarea")!;
    type(prompt, "a red fox");
    type(prompt, "a red fox in snow");
    expect(model.saves).toBe(saves);
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(model.saves).toBe(saves + 1);
    expect(model.get("draft")).toEqual({
      model: "gen4.5",
      endpoint: "/v1/text_to_video",
      body: { promptText: "a red fox in snow", ratio: "1280:720", duration: 5 },
    });
    expect(visibleText(field(el, "promptText")!)).toContain("17 / 1000");
    choose(modelSelect(el), "kling3.0_pro");
    expect(model.get("draft").body.promptText).toBe("a red fox in snow");
  });

  it("shows Python's problems next to their fields (nested too), as text; the rest after Generate", () => {
    const { el, model } = setup();
    const ratio = field(el, "ratio")!.querySelector("select")!;
    choose(ratio, "720:1280");
    const moderation = field(el, "contentModeration")!;
    choose(moderation.querySelector("select")!, moderation.querySelector("option:last-child")!.getAttribute("value")!);
    model.update("check", {
      problems: [
        { field: "promptText", message: "promptText is required" },
        { field: "ratio", message: "ratio '720:1280' is <b>wrong</b>" },
        { field: "contentModeration.publicFigureThreshold", message: "threshold is off" },
        { field: "model", message: "model is off" },
      ],
      estimate: { credits: 60, dollars: 0.6, basis: "12 credits/s x 5 s" },
    });
    expect(visibleText(field(el, "ratio")!)).toContain("ratio '720:1280' is <b>wrong</b>");
    expect(field(el, "ratio")!.querySelector("b")).toBeNull();
    expect(ratio.getAttribute("aria-invalid")).toBe("true");
    expect(visibleText(moderation.querySelector('[data-field="publicFigureThreshold"]')!)).toContain("threshold is off");
    expect(visibleText(field(el, "promptText")!)).not.toContain("required");
    expect(visibleText(el)).toContain("Estimated cost: 60 credits ($0.60) · 12 credits/s x 5 s");
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    expect(model.sent.at(-1)!.content).toMatchObject({ type: "generate", draft: { model: "gen4.5" } });
    expect(visibleText(field(el, "promptText")!)).toContain("promptText is required");
    expect(visibleText(el)).toContain("model is off");
  });

  it("a model-less operation (a recipe) drafts without a model, its list of product images ready", () => {
    const { el, model } = setup({ model: null, endpoint: "/v1/recipes/product_ad", body: {} });
    expect(modelSelect(el).value).toBe("recipes.product_ad");
    const images = field(el, "productImages")!;
    expect(images.querySelectorAll(".rnb-item").length).toBe(1); // a required list starts with one row
    type(images.querySelector('[data-field="uri"] input[type="text"]') as HTMLInputElement, "https://example.com/p.png");
    expect(model.get("draft").model).toBeNull();
    expect(body(model).productImages).toEqual([{ uri: "https://example.com/p.png" }]);
  });

  it("says when a model's price is not published", () => {
    const { el, model } = setup({ model: "kling3.0_pro", endpoint: "/v1/text_to_video", body: {} });
    model.update("check", { problems: [], estimate: null, price_note: catalog.no_price });
    expect(visibleText(el.querySelector('[data-testid="rnb-estimate"]')!)).toContain("price not published");
  });

  it("sends an uploaded file as message buffers, in chunks, and shows what arrived", async () => {
    const { el, model } = setup();
    choose(operationSelect(el), "/v1/image_to_video");
    const input = field(el, "promptImage")!.querySelector('input[type="file"]') as HTMLInputElement;
    const bytes = new Uint8Array(CHUNK_BYTES + 10).fill(7);
    Object.defineProperty(input, "files", { value: [new File([bytes], "first.png", { type: "image/png" })] });
    input.dispatchEvent(new Event("change"));
    const ref = body(model).promptImage as string;
    expect(ref).toMatch(/^upload:u/);
    await vi.waitFor(() => expect(model.sent.filter((m) => m.content.type === "upload").length).toBe(2));
    const chunks = model.sent.filter((m) => m.content.type === "upload");
    expect(chunks.map((c) => [c.content.seq, c.content.last, c.buffers[0].byteLength])).toEqual([
      [0, false, CHUNK_BYTES],
      [1, true, 10],
    ]);
    expect(chunks[0].content).toMatchObject({ field: "promptImage", name: "first.png", id: ref.slice(7) });
    expect(JSON.stringify(model.get("draft"))).not.toContain("\u0007"); // bytes never in the draft trait
    model.receive({ type: "uploaded", id: ref.slice(7), name: "first.png", kind: "image", format: "png", size: 2097162 });
    expect(visibleText(field(el, "promptImage")!)).toContain("first.png · image png · 2.1 MB");
  });

  it("copy as code shows the Python call, and the %runway line when there is one", () => {
    const { el, model } = setup();
    const toggle = [...el.querySelectorAll("button")].find((b) => b.textContent === "Copy as code")!;
    model.update("check", { problems: [], code: { magic: "%runway video --model gen4.5 'a fox'", python: "task = client..." } });
    expect(el.querySelector('[data-testid="rnb-code-magic"]')!.closest("[hidden]")).not.toBeNull();
    toggle.click();
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(visibleText(el)).toContain("%runway video --model gen4.5 'a fox'");
    model.update("check", { problems: [], code: { magic: "", python: "task = client.text_to_video.create(...)" } });
    expect((el.querySelector('[data-testid="rnb-code-magic"]') as HTMLElement).hidden).toBe(true);
  });

  it("expand puts shared parts back, and search matches every word", () => {
    expect(expand({ a: { $: 0 }, b: [{ $: 0 }] }, [{ type: "media" }])).toEqual({ a: { type: "media" }, b: [{ type: "media" }] });
    const models = expand(catalog.models as any[], catalog.common);
    const found = search(models, "openai");
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((m) => m.provider === "OpenAI" && m.kind === "image")).toBe(true);
    expect(search(models, "google image").every((m) => m.provider === "Google")).toBe(true);
  });

  it("shows a TaskView per run and routes its Cancel with the task id", () => {
    const { el, model } = setup();
    const run = (status: string) => ({ task: { id: "t9", model: "gen4.5", prompt: "a fox", status, progress: 0.5 }, outputs: [], notice: "" });
    model.update("runs", [run("RUNNING")]);
    const view = el.querySelector('[data-task-id="t9"]')!;
    expect(visibleText(view)).toContain("running");
    [...view.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!.click();
    expect(model.sent.at(-1)!.content).toEqual({ type: "cancel", task_id: "t9" });
    model.update("runs", [run("CANCELLED")]);
    expect(el.querySelector('[data-task-id="t9"]')).toBe(view);
    expect(visibleText(view)).toContain("cancelled");
  });

  it("disables Generate while busy and shows the notice", () => {
    const { el, model } = setup();
    model.update("busy", true);
    const generate = el.querySelector('button[type="submit"]') as HTMLButtonElement;
    expect(generate.disabled).toBe(true);
    model.update("busy", false);
    model.update("notice", "RateLimitError: slow down");
    expect(generate.disabled).toBe(false);
    expect(visibleText(el)).toContain("RateLimitError: slow down");
  });

  it("cleans up its listeners and timers", () => {
    const { model, cleanup, el } = setup();
    type(field(el, "promptText")!.querySelector("textarea")!, "x");
    cleanup();
    expect(vi.getTimerCount()).toBe(0);
    expect(model.listenerCount()).toBe(0);
  });
});
