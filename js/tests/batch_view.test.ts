import { describe, expect, it } from "vitest";
import batchView, { absolutePath } from "../src/batch_view";
import { FakeModel, mount, visibleText } from "./fake_model";

const summary = (extra: object = {}) => ({
  total: 4,
  counts: { QUEUED: 1, RUNNING: 1, SUCCEEDED: 1, FAILED: 1 },
  spent_credits: 8, spent_dollars: 0.08, to_come_credits: 16, to_come_dollars: 0.16, eta: 12, done: false,
  ...extra,
});
const rows = [
  ["", "QUEUED", "", ""],
  ["t1", "RUNNING", "", ""],
  ["t2", "SUCCEEDED", "runway_outputs/t2_0.png", "image"],
  ["t3", "FAILED", "", ""],
];
const cells = (el: HTMLElement) => [...el.querySelectorAll<HTMLButtonElement>(".rnb-cell")];

describe("BatchView", () => {
  it("shows counts, credits, ETA and one cell per task with the thumbnails stored so far", () => {
    const model = new FakeModel({ summary: summary(), rows, base: "/home/me/nb", selected: {} });
    const { el } = mount(batchView, model);
    const text = visibleText(el);
    expect(text).toContain("4 tasks:");
    expect(text).toContain("1 not sent yet");
    expect(text).toContain("1 running");
    expect(text).toContain("8 credits ($0.08) spent · 16 credits ($0.16) to come");
    expect(text).toContain("about 12 s left");
    expect(cells(el).map((c) => c.dataset.status)).toEqual(["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"]);
    const img = cells(el)[2].querySelector("img")!;
    expect(img.getAttribute("src")).toBe("runway_outputs/t2_0.png");
    expect(img.getAttribute("loading")).toBe("lazy");
  });

  it("redraws only the cells whose row changed", () => {
    const model = new FakeModel({ summary: summary(), rows, base: "/nb", selected: {} });
    const { el } = mount(batchView, model);
    const before = cells(el).map((c) => c.firstChild);
    const next = rows.map((r) => [...r]);
    next[1] = ["t1", "SUCCEEDED", "runway_outputs/t1_0.poster.jpg", "video"];
    model.update("rows", next);
    const after = cells(el).map((c) => c.firstChild);
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).not.toBe(before[1]);
    expect(cells(el)[1].querySelector("img")!.getAttribute("src")).toBe("runway_outputs/t1_0.poster.jpg");
  });

  it("Cancel all and opening a task are messages; the task's own view appears below", () => {
    const model = new FakeModel({ summary: summary(), rows, base: "/nb", selected: {} });
    const { el } = mount(batchView, model);
    const cancel = [...el.querySelectorAll("button")].find((b) => b.textContent === "Cancel all")!;
    cancel.click();
    expect(model.sent.at(-1)!.content).toEqual({ type: "cancel_all" });
    cells(el)[1].click();
    expect(model.sent.at(-1)!.content).toEqual({ type: "open", index: 1 });
    model.update("selected", { index: 1, task: { id: "t1", model: "gen4.5", status: "RUNNING", progress: 0.5,
      prompt: "<b>not markup</b>" }, outputs: [], notice: "" });
    const detail = el.querySelector('[data-testid="rnb-batch-detail"]')!;
    expect(visibleText(detail as HTMLElement)).toContain("<b>not markup</b>");
    expect(detail.querySelector("b")).toBeNull();
    const taskCancel = [...detail.querySelectorAll("button")].find((b) => b.textContent === "Cancel")!;
    taskCancel.click();
    expect(model.sent.at(-1)!.content).toEqual({ type: "cancel", index: 1 });
  });

  it("hides Cancel all once nothing is left to cancel", () => {
    const model = new FakeModel({ summary: summary({ counts: { SUCCEEDED: 4 }, done: true }), rows, base: "/nb", selected: {} });
    const { el } = mount(batchView, model);
    const cancel = [...el.querySelectorAll("button")].find((b) => b.textContent === "Cancel all")!;
    expect(cancel.hidden).toBe(true);
    expect(visibleText(el)).toContain("done");
  });

  it("joins the working directory and an encoded relative src", () => {
    expect(absolutePath("/home/me/nb/", "runway_outputs/a%20b.png")).toBe("/home/me/nb/runway_outputs/a b.png");
  });
});
