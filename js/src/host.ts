// The page probe: a model the kernel makes once and no output shows. anywidget runs `initialize` as
// soon as the page creates the model, so the kernel hears at once whether Jupyter's files route serves
// the notebook's folder on this page (runway_nb/widgets/_host.py), before any task has ended.
import { reportFilesRoute } from "./media";
import type { Model } from "./shared";

function initialize({ model }: { model: Model }): void {
  reportFilesRoute(model.get("probe"), (files) => model.send({ type: "host", files }));
}

/** Never displayed; should it be, it shows nothing. */
function render(): void {}

export default { initialize, render };
