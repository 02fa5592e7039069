// The built bundles (npm run build) render on their own: what anywidget actually loads.
// Skipped before a build, so `npm test` works on a fresh checkout.
import { describe, expect, it } from "vitest";
import { FakeModel, mount, visibleText } from "./fake_model";

async function load(name: string): Promise<any> {
  const path = `../../runway_nb/static/${name}.js`;
  try {
    return (await import(/* @vite-ignore */ path)).default;
  } catch {
    return null;
  }
}

const taskView = await load("task_view");

describe.skipIf(!taskView)("built bundles", () => {
  it("task_view.js renders a task and injects its styles once", async () => {
    const model = new FakeModel({ run: { task: { model: "gen4.5", status: "THROTTLED", prompt: "x" }, outputs: [] } });
    const { el } = mount(taskView, model);
    expect(visibleText(el)).toContain("queued");
    mount(taskView, model);
    expect(document.querySelectorAll("#runway-nb-styles").length).toBe(1);
  });

  it("every widget bundle exports render", async () => {
    for (const name of ["task_view", "batch_view", "player", "form", "gallery", "host"]) {
      const widget = await load(name);
      expect(typeof widget?.render, name).toBe("function");
    }
  });
});
