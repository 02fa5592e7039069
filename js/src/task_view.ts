// A task while it runs: model, prompt, status, progress, elapsed time and ETA, cost, Cancel, and the
// failure in plain words. When it succeeds the view becomes the player for its outputs.
//
// Python sends a state only when it changes (a few times a second at most); the clock ticks here,
// from a start time derived on arrival (now - elapsed), so the browser's and the kernel's clocks
// need not agree and the kernel need not send every second.
import { MediaFetcher } from "./media";
import { renderCards, sandboxBadge } from "./player";
import {
  ACTIVE_STATUSES,
  formatCredits,
  formatSeconds,
  h,
  injectStyles,
  RenderProps,
  shorten,
  STATUS_LABEL,
  watch,
  type MediaEntry,
} from "./shared";

/** What Python publishes for one task (runway_nb/widgets/_binding.py: TaskBinding.state). */
export interface TaskState {
  id?: string;
  model?: string;
  prompt?: string;
  status?: string;
  progress?: number | null;
  elapsed?: number | null;
  eta?: number | null;
  estimated_credits?: number | null;
  estimated_dollars?: number | null;
  cost_credits?: number | null;
  cost_dollars?: number | null;
  failure?: string | null;
  failure_code?: string | null;
  sandbox?: boolean;
}

export interface RunState {
  task: TaskState;
  outputs: MediaEntry[];
  notice?: string;
}

/** Where a view reads its state and sends its messages: a widget's trait, or one run of the form. */
export interface RunSource {
  get(): RunState;
  subscribe(callback: () => void): () => void;
  send(message: Record<string, unknown>): void;
}

const TICK_MS = 1000;

export function mountTaskView(host: HTMLElement, source: RunSource, fetcher: MediaFetcher | null): () => void {
  const modelName = h("span", { class: "rnb-model" });
  const prompt = h("span", { class: "rnb-prompt-line" });
  const badge = sandboxBadge();
  const status = h("span", { class: "rnb-status", attrs: { role: "status", "data-testid": "rnb-status" } });
  const fill = h("div", { class: "rnb-progress-fill" });
  const bar = h(
    "div",
    { class: "rnb-progress", attrs: { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 } },
    fill,
  );
  const times = h("span", { class: "rnb-times rnb-muted" });
  const cost = h("span", { class: "rnb-cost" });
  const cancel = h("button", { class: "rnb-button", text: "Cancel", attrs: { type: "button" } });
  const failure = h("p", { class: "rnb-failure", attrs: { role: "alert" } });
  const notice = h("p", { class: "rnb-notice" });
  const saving = h("p", { class: "rnb-muted", text: "saving outputs…" });
  const player = h("div", { class: "rnb-player-slot" });
  const view = h(
    "div",
    { class: "rnb-task", attrs: { "data-testid": "rnb-task-view" } },
    h("div", { class: "rnb-row rnb-head" }, modelName, prompt, badge),
    h("div", { class: "rnb-row" }, status, bar, times, cost, cancel),
    failure,
    notice,
    saving,
    player,
  );
  host.replaceChildren(view);

  let clock = { elapsed: 0, eta: null as number | null, at: Date.now(), active: false };
  let shownOutputs = "";
  let ticker: number | undefined;

  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    cancel.textContent = "Cancelling…";
    source.send({ type: "cancel" });
  });

  function tick(): void {
    if (!clock.active) return;
    const since = (Date.now() - clock.at) / 1000;
    const elapsed = formatSeconds(clock.elapsed + since);
    const left = clock.eta === null ? "" : ` · about ${formatSeconds(Math.max(0, clock.eta - since))} left`;
    times.textContent = `${elapsed} elapsed${left}`;
  }

  function update(): void {
    const { task = {}, outputs = [], notice: message = "" } = source.get() ?? ({} as RunState);
    const state = task.status ?? "PENDING";
    const active = ACTIVE_STATUSES.has(state);
    view.dataset.status = state;

    modelName.textContent = task.model ?? "";
    prompt.textContent = shorten(task.prompt);
    prompt.title = task.prompt ?? "";
    badge.hidden = !task.sandbox;
    status.textContent = STATUS_LABEL[state] ?? state.toLowerCase();
    status.dataset.status = state;

    const percent = Math.round(100 * Math.min(1, Math.max(0, task.progress ?? (state === "SUCCEEDED" ? 1 : 0))));
    fill.style.width = `${percent}%`;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-label", `progress ${percent}%`);
    bar.hidden = !active;

    clock = { elapsed: task.elapsed ?? 0, eta: task.eta ?? null, at: Date.now(), active };
    if (active) tick();
    else times.textContent = task.elapsed ? `took ${formatSeconds(task.elapsed)}` : "";
    if (active && ticker === undefined) ticker = window.setInterval(tick, TICK_MS);
    if (!active && ticker !== undefined) {
      window.clearInterval(ticker);
      ticker = undefined;
    }

    cost.textContent =
      task.cost_credits !== null && task.cost_credits !== undefined
        ? formatCredits(task.cost_credits, task.cost_dollars)
        : task.estimated_credits !== null && task.estimated_credits !== undefined
          ? `est. ${formatCredits(task.estimated_credits, task.estimated_dollars)}`
          : "";

    cancel.hidden = !active;
    if (message) {
      cancel.disabled = false; // the cancel failed: say why and let the person try again
      cancel.textContent = "Cancel";
    }
    notice.textContent = message;
    notice.hidden = !message;

    const failed = state === "FAILED";
    failure.hidden = !failed;
    if (failed) {
      const code = task.failure_code ? ` (${task.failure_code})` : "";
      failure.textContent = `Failed: ${task.failure || "the task failed"}${code}`;
    }

    saving.hidden = !(state === "SUCCEEDED" && outputs.length === 0);
    const key = state === "SUCCEEDED" ? JSON.stringify(outputs) : "";
    if (key !== shownOutputs) {
      shownOutputs = key;
      player.replaceChildren(...(key && outputs.length ? [renderCards(outputs, fetcher)] : []));
    }
  }

  update();
  const unsubscribe = source.subscribe(update);
  return () => {
    unsubscribe();
    if (ticker !== undefined) window.clearInterval(ticker);
  };
}

/** The TaskView widget: trait `run` ({task, outputs, notice}); message {type: "cancel"}. */
function render({ model, el }: RenderProps): () => void {
  injectStyles();
  const fetcher = new MediaFetcher(model);
  const source: RunSource = {
    get: () => model.get("run"),
    subscribe: (callback) => watch(model, ["run"], callback),
    send: (message) => model.send(message),
  };
  const root = h("div", { class: "rnb-root" });
  el.replaceChildren(root);
  const unmount = mountTaskView(root, source, fetcher);
  return () => {
    unmount();
    fetcher.dispose();
  };
}

export default { render };
