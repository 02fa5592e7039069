import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import form, { CHUNK_BYTES, DEBOUNCE_MS } from "../src/form";
import catalog from "./fixtures/catalog.json";
import { FakeModel, mount, visibleText } from "./fake_model";

function setup(draft: object = { model: "gen4.5", endpoint: "/v1/text_to_video", body: {} }) {
  const model = new FakeModel({ catalog, draft, check: {}, uploads: {}, runs: [], notice: "", busy: false });
  const { el, cleanup } = mount(form, model);
  return { model, el, cleanup };
}
const field = (el: HTMLElement, name: string) => el.querySelector(`[data-field="${name}"]`) as HTMLElement | null;
const choose = (select: HTMLSelectElement, value: string) => {
  select.value = value;
  select.dispatchEvent(new Event("change"));
};
const modelSelect = (el: HTMLElement) => el.querySelector("select") as HTMLSelectElement;
const optionValues = (select: HTMLSelectElement) => [...select.options].map((o) => o.value);

describe("GenerateForm", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("groups every model by kind", () => {
    const { el } = setup();
    const groups = [...modelSelect(el).querySelectorAll("optgroup")].map((g) => g.getAttribute("label"));
    expect(groups).toEqual(["video", "image", "audio"]);
    expect(modelSelect(el).options.length).toBe(catalog.models.length);
  });

  it("gen4.5 text-only: duration 2-10 and two ratios", () => {
    const { el } = setup();
    const duration = field(el, "duration")!.querySelector("input")!;
    expect([duration.min, duration.max, duration.value]).toEqual(["2", "10", "5"]);
    expect(visibleText(field(el, "duration")!)).toContain("2–10");
    expect(optionValues(field(el, "ratio")!.querySelector("select")!)).toEqual(["1280:720", "720:1280"]);
    expect(field(el, "promptImage")).toBeNull();
  });

  it("gen4.5 image-to-video adds the image input and six ratios", () => {
    const { el } = setup();
    const endpoint = el.querySelectorAll("select")[1] as HTMLSelectElement;
    choose(endpoint, "/v1/image_to_video");
    expect(field(el, "promptImage")!.querySelector('input[type="file"]')).not.toBeNull();
    expect(field(el, "ratio")!.querySelectorAll("option").length).toBe(6);
  });

  it("veo3.1 shows the audio toggle, on by default, and keyframes on image-to-video", () => {
    const { el, model } = setup();
    choose(modelSelect(el), "veo3.1");
    const audio = field(el, "audio")!.querySelector('input[type="checkbox"]') as HTMLInputElement;
    expect(audio.checked).toBe(true);
    expect(model.get("draft").body.audio).toBe(true);
    audio.checked = false;
    audio.dispatchEvent(new Event("change"));
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(model.get("draft").body.audio).toBe(false);
    choose(el.querySelectorAll("select")[1] as HTMLSelectElement, "/v1/image_to_video");
    expect(visibleText(field(el, "promptImage")!)).toContain("Last frame");
  });

  it("eleven_multilingual_v2 shows the voice presets", () => {
    const { el, model } = setup();
    choose(modelSelect(el), "eleven_multilingual_v2");
    const voices = optionValues(field(el, "voice")!.querySelector("select")!);
    expect(voices.length).toBe(49);
    expect(voices).toContain("Maya");
    expect(model.get("draft").body.voice).toEqual({ type: "runway-preset", presetId: "Maya" });
    expect(field(el, "ratio")).toBeNull();
  });

  it("eleven_voice_dubbing shows the target languages by name", () => {
    const { el } = setup();
    choose(modelSelect(el), "eleven_voice_dubbing");
    const select = field(el, "targetLang")!.querySelector("select")!;
    expect(select.options.length).toBe(29);
    expect(select.value).toBe("es");
    expect([...select.options].map((o) => o.textContent)).toContain("Spanish (es)");
    expect(field(el, "audioUri")!.querySelector('input[type="file"]')!.getAttribute("accept")).toContain("audio/mpeg");
  });

  it("gen4_image takes reference images with tags, three at most", () => {
    const { el } = setup();
    choose(modelSelect(el), "gen4_image");
    const refs = field(el, "referenceImages")!;
    const add = [...refs.querySelectorAll("button")].find((b) => b.textContent === "Add reference image")!;
    add.click();
    add.click();
    expect(refs.querySelectorAll('input[type="file"]').length).toBe(3);
    expect(add.hidden).toBe(true);
    const tag = refs.querySelector('input[aria-label="tag for @mentions"]') as HTMLInputElement;
    expect(tag).not.toBeNull();
  });

  it("sends the draft after a pause in typing, and keeps the prompt across models", () => {
    const { el, model } = setup();
    const saves = model.saves;
    const prompt = field(el, "promptText")!.querySelector("textarea")!;
    prompt.value = "a red fox";
    prompt.dispatchEvent(new Event("input"));
    prompt.value = "a red fox in snow";
    prompt.dispatchEvent(new Event("input"));
    expect(model.saves).toBe(saves);
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(model.saves).toBe(saves + 1);
    expect(model.get("draft")).toEqual({
      model: "gen4.5",
      endpoint: "/v1/text_to_video",
      body: { promptText: "a red fox in snow", ratio: "1280:720", duration: 5 },
    });
    expect(visibleText(field(el, "promptText")!)).toContain("17 / 1000");
    choose(modelSelect(el), "veo3");
    expect(model.get("draft").body.promptText).toBe("a red fox in snow");
  });

  it("shows Python's problems under the fields the person touched, the rest after Generate", () => {
    const { el, model } = setup();
    const ratio = field(el, "ratio")!.querySelector("select")!;
    choose(ratio, "720:1280");
    model.update("check", {
      problems: [
        { field: "promptText", message: "promptText is required" },
        { field: "ratio", message: "ratio '720:1280' is wrong" },
        { field: "model", message: "model is off" },
      ],
      estimate: { credits: 60, dollars: 0.6, basis: "12 credits/s x 5 s" },
    });
    expect(visibleText(field(el, "ratio")!)).toContain("ratio '720:1280' is wrong");
    expect(ratio.getAttribute("aria-invalid")).toBe("true");
    expect(visibleText(field(el, "promptText")!)).not.toContain("required");
    expect(visibleText(el)).toContain("Estimated cost: 60 credits ($0.60) · 12 credits/s x 5 s");
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    expect(model.sent.at(-1)!.content).toMatchObject({ type: "generate", draft: { model: "gen4.5" } });
    expect(visibleText(field(el, "promptText")!)).toContain("promptText is required");
    expect(visibleText(el)).toContain("model is off");
  });

  it("sends an uploaded file as message buffers, in chunks, and shows what arrived", async () => {
    const { el, model } = setup();
    choose(el.querySelectorAll("select")[1] as HTMLSelectElement, "/v1/image_to_video");
    const input = field(el, "promptImage")!.querySelector('input[type="file"]') as HTMLInputElement;
    const bytes = new Uint8Array(CHUNK_BYTES + 10).fill(7);
    Object.defineProperty(input, "files", { value: [new File([bytes], "first.png", { type: "image/png" })] });
    input.dispatchEvent(new Event("change"));
    vi.advanceTimersByTime(DEBOUNCE_MS);
    const ref = model.get("draft").body.promptImage as string;
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

  it("copy as code shows the %runway line and the Python call", () => {
    const { el, model } = setup();
    const toggle = [...el.querySelectorAll("button")].find((b) => b.textContent === "Copy as code")!;
    model.update("check", { problems: [], code: { magic: "%runway video --model gen4.5 'a fox'", python: "task = client..." } });
    expect(el.querySelector('[data-testid="rnb-code-magic"]')!.closest("[hidden]")).not.toBeNull();
    toggle.click();
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(visibleText(el)).toContain("%runway video --model gen4.5 'a fox'");
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
    const prompt = field(el, "promptText")!.querySelector("textarea")!;
    prompt.value = "x";
    prompt.dispatchEvent(new Event("input"));
    cleanup();
    expect(vi.getTimerCount()).toBe(0);
    expect(model.listenerCount()).toBe(0);
  });
});
