import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import taskView from "../src/task_view";
import { FakeModel, mount, visibleText } from "./fake_model";

const running = {
  id: "t1",
  model: "gen4.5",
  prompt: "a red fox running through snow",
  status: "RUNNING",
  progress: 0.25,
  elapsed: 10,
  eta: 30,
  estimated_credits: 60,
  estimated_dollars: 0.6,
  cost_credits: null,
  sandbox: true,
};
const run = (task: object, outputs: object[] = [], notice = "") => ({ task: { ...running, ...task }, outputs, notice });

describe("TaskView", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows model, prompt, status, progress and the estimate", () => {
    const model = new FakeModel({ run: run({}) });
    const { el } = mount(taskView, model);
    const text = visibleText(el);
    expect(text).toContain("gen4.5");
    expect(text).toContain("a red fox running through snow");
    expect(text).toContain("running");
    expect(text).toContain("est. 60 credits ($0.60)");
    expect(el.querySelector('[role="progressbar"]')!.getAttribute("aria-valuenow")).toBe("25");

    model.update("run", run({ progress: 0.8 }));
    expect(el.querySelector('[role="progressbar"]')!.getAttribute("aria-valuenow")).toBe("80");
    expect((el.querySelector(".rnb-progress-fill") as HTMLElement).style.width).toBe("80%");
  });

  it("labels THROTTLED as queued", () => {
    const model = new FakeModel({ run: run({ status: "THROTTLED", progress: 0 }) });
    const { el } = mount(taskView, model);
    expect(el.querySelector('[data-testid="rnb-status"]')!.textContent).toBe("queued");
  });

  it("ticks elapsed time and ETA between updates", () => {
    const model = new FakeModel({ run: run({}) });
    const { el } = mount(taskView, model);
    const times = () => el.querySelector(".rnb-times")!.textContent;
    expect(times()).toBe("10 s elapsed · about 30 s left");
    vi.advanceTimersByTime(5000);
    expect(times()).toBe("15 s elapsed · about 25 s left");
    vi.advanceTimersByTime(60_000);
    expect(times()).toBe("1:15 elapsed · about 0 s left");
  });

  it("stops ticking when the task ends and when the view is removed", () => {
    const model = new FakeModel({ run: run({}) });
    const { cleanup } = mount(taskView, model);
    expect(vi.getTimerCount()).toBe(1);
    model.update("run", run({ status: "CANCELLED" }));
    expect(vi.getTimerCount()).toBe(0);
    model.update("run", run({ status: "RUNNING" }));
    cleanup();
    expect(vi.getTimerCount()).toBe(0);
    expect(model.listenerCount()).toBe(0);
  });

  it("Cancel sends its message once and says it is cancelling", () => {
    const model = new FakeModel({ run: run({}) });
    const { el } = mount(taskView, model);
    const button = [...el.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!;
    button.click();
    expect(model.sent.map((m) => m.content)).toEqual([{ type: "cancel" }]);
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe("Cancelling…");
    model.update("run", run({}, [], "could not cancel: connection refused"));
    expect(button.disabled).toBe(false);
    expect(visibleText(el)).toContain("could not cancel: connection refused");
    model.update("run", run({ status: "CANCELLED" }));
    expect(button.hidden).toBe(true);
  });

  it("shows the failure message with its code", () => {
    const model = new FakeModel({ run: run({}) });
    const { el } = mount(taskView, model);
    model.update("run", run({ status: "FAILED", failure: "The prompt was flagged.", failure_code: "SAFETY.INPUT.TEXT" }));
    const alert = el.querySelector('[role="alert"]')!;
    expect(alert.textContent).toBe("Failed: The prompt was flagged. (SAFETY.INPUT.TEXT)");
    expect((alert as HTMLElement).hidden).toBe(false);
    expect(el.querySelector('[role="progressbar"]')!.hasAttribute("hidden")).toBe(true);
  });

  it("becomes the player on SUCCEEDED, with the stored file's relative src", () => {
    const model = new FakeModel({ run: run({}) });
    const { el } = mount(taskView, model);
    expect(el.querySelector("video")).toBeNull();
    model.update("run", run({ status: "SUCCEEDED", progress: 1, cost_credits: 60, cost_dollars: 0.6 }));
    expect(visibleText(el)).toContain("saving outputs");
    const output = { src: "runway_outputs/t1_0.mp4", name: "t1_0.mp4", kind: "video", mime: "video/mp4",
      model: "gen4.5", prompt: "a red fox", seed: 7, ratio: "1280:720", duration: 5, cost_credits: 60, cost_dollars: 0.6 };
    model.update("run", run({ status: "SUCCEEDED", progress: 1, cost_credits: 60, cost_dollars: 0.6 }, [output]));
    const video = el.querySelector("video")!;
    expect(video.getAttribute("src")).toBe("runway_outputs/t1_0.mp4");
    expect(visibleText(el)).not.toContain("saving outputs");
    expect(visibleText(el)).toContain("60 credits ($0.60)");
    expect(visibleText(el)).not.toContain("est.");
    // a state change that keeps the outputs does not rebuild the player (it would restart playback)
    model.update("run", run({ status: "SUCCEEDED", progress: 1, cost_credits: 60, elapsed: 12 }, [output]));
    expect(el.querySelector("video")).toBe(video);
  });

  it("on SUCCEEDED a ProRes output is its poster and facts, not a <video>", () => {
    const model = new FakeModel({ run: run({}) });
    const { el } = mount(taskView, model);
    const prores = { src: "runway_outputs/t1_0.mov", name: "t1_0.mov", kind: "video", poster: "runway_outputs/t1_0.poster.jpg",
      facts: [["container", "MOV"], ["codec", "ProRes 4444"]] };
    model.update("run", run({ status: "SUCCEEDED", progress: 1, cost_credits: 34 }, [prores]));
    expect(el.querySelector("video")).toBeNull();
    expect(el.querySelector("[data-testid='rnb-poster']")!.getAttribute("src")).toBe(prores.poster);
    expect(el.querySelector("[data-testid='rnb-facts']")!.textContent).toBe("containerMOVcodecProRes 4444");
  });

  it("shows the sandbox badge only for sandbox tasks", () => {
    const model = new FakeModel({ run: run({ sandbox: false }) });
    const { el } = mount(taskView, model);
    expect(visibleText(el)).not.toContain("sandbox: synthetic outputs");
    model.update("run", run({ sandbox: true }));
    expect(visibleText(el)).toContain("sandbox: synthetic outputs");
  });

  it("puts prompt and failure text in as text, never as markup", () => {
    const evil = "<img src=x onerror=alert(1)>";
    const model = new FakeModel({ run: run({ prompt: evil, status: "FAILED", failure: evil, failure_code: "<b>X</b>" }) });
    const { el } = mount(taskView, model);
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("b")).toBeNull();
    expect(visibleText(el)).toContain(evil);
  });
});
