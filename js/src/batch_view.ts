// BatchView: one view for a batch of many tasks. Counts by status, credits spent and to come, ETA,
// Cancel all, and a grid with one cell per task that fills with thumbnails as results are stored.
// Pressing a cell opens that task's own view (the TaskView's face: status, progress, cancel, player).
//
// Python sends `rows` ([id, status, thumbnail src, kind] per task) at most once a second and
// `summary` a few times a second; only the cells whose row changed are touched, and thumbnails load
// lazily (loading="lazy"), so a grid of 500 costs little more than the cells on screen.
import { attachSource, MediaFetcher } from "./media";
import { mountTaskView, RunSource, RunState } from "./task_view";
import { formatCredits, formatSeconds, h, injectStyles, RenderProps, STATUS_LABEL, watch } from "./shared";

/** [task id ("" until created), status, thumbnail src relative to `base` ("" until stored), kind]. */
export type Row = [string, string, string, string];

export interface Summary {
  total?: number;
  counts?: Record<string, number>;
  spent_credits?: number;
  spent_dollars?: number;
  to_come_credits?: number;
  to_come_dollars?: number;
  eta?: number | null;
  done?: boolean;
  cancelled?: boolean;
  storing?: number;
  notice?: string;
}

const LABEL: Record<string, string> = { ...STATUS_LABEL, QUEUED: "not sent yet", THROTTLED: "queued at Runway" };
const ACTIVE = new Set(["QUEUED", "PENDING", "THROTTLED", "RUNNING"]);

const BATCH_STYLES = `
.rnb-batch .rnb-cells { display: grid; grid-template-columns: repeat(auto-fill, minmax(72px, 1fr)); gap: 3px;
  margin: 6px 0; max-height: 420px; overflow-y: auto; }
.rnb-cell { position: relative; height: 48px; padding: 0; border: 1px solid var(--rnb-border); cursor: pointer;
  border-radius: var(--rnb-radius); background: var(--rnb-bg-alt); overflow: hidden; font: inherit; color: inherit; }
.rnb-cell img { width: 100%; height: 100%; object-fit: cover; display: block; }
.rnb-cell span { font-size: 10px; }
.rnb-cell[data-status="RUNNING"] { border-color: var(--rnb-accent); }
.rnb-cell[data-status="FAILED"] { border-color: var(--rnb-error); }
.rnb-cell[data-status="CANCELLED"], .rnb-cell[data-status="THROTTLED"] { border-color: var(--rnb-warn); }
.rnb-cell[aria-pressed="true"] { outline: 2px solid var(--rnb-accent); outline-offset: 1px; }
.rnb-counts { display: flex; gap: 10px; flex-wrap: wrap; }
`;

function injectBatchStyles(doc: Document = document): void {
  if (doc.getElementById("runway-nb-batch-styles")) return;
  const style = doc.createElement("style");
  style.id = "runway-nb-batch-styles";
  style.textContent = BATCH_STYLES;
  (doc.head ?? doc.documentElement).append(style);
}

/** Join the working directory and a relative, URL-encoded src into the file's absolute path. */
export function absolutePath(base: string, src: string): string {
  let rel = src;
  try {
    rel = decodeURIComponent(src);
  } catch {
    // not encoded: use as is
  }
  return `${base.replace(/\/+$/, "")}/${rel}`;
}

function render({ model, el }: RenderProps): () => void {
  injectStyles();
  injectBatchStyles();
  const fetcher = new MediaFetcher(model);
  const counts = h("div", { class: "rnb-counts", attrs: { role: "status", "data-testid": "rnb-batch-counts" } });
  const money = h("span", { class: "rnb-cost" });
  const eta = h("span", { class: "rnb-muted" });
  const cancelAll = h("button", { class: "rnb-button", text: "Cancel all", attrs: { type: "button" } });
  const notice = h("p", { class: "rnb-notice" });
  const grid = h("div", { class: "rnb-cells", attrs: { role: "list", "data-testid": "rnb-batch-grid" } });
  const detail = h("div", { class: "rnb-batch-detail", attrs: { "data-testid": "rnb-batch-detail" } });
  el.replaceChildren(
    h("div", { class: "rnb-root rnb-batch", attrs: { "data-testid": "rnb-batch-view" } },
      counts, h("div", { class: "rnb-row" }, money, eta, cancelAll), notice, grid, detail),
  );

  const cells: HTMLButtonElement[] = [];
  const shown: string[] = []; // per cell: the row it shows, as a key
  let open = -1;
  let unmountDetail: (() => void) | null = null;

  cancelAll.addEventListener("click", () => {
    cancelAll.disabled = true;
    cancelAll.textContent = "Cancelling…";
    model.send({ type: "cancel_all" });
  });

  function cell(index: number): HTMLButtonElement {
    const button = h("button", { class: "rnb-cell", attrs: { type: "button", role: "listitem", "aria-pressed": "false" } });
    button.addEventListener("click", () => select(open === index ? -1 : index));
    return button;
  }

  function drawCell(button: HTMLButtonElement, index: number, row: Row): void {
    const [id, status, src, kind] = row;
    button.dataset.status = status;
    button.dataset.index = String(index);
    button.dataset.taskId = id;
    button.title = `${index}: ${LABEL[status] ?? status.toLowerCase()}${id ? ` · ${id}` : ""}`;
    if (src) {
      const img = h("img", { attrs: { alt: "", loading: "lazy", decoding: "async" } });
      attachSource(img, { src, path: absolutePath(model.get("base") || "", src) }, fetcher);
      button.replaceChildren(img);
    } else {
      const text = status === "SUCCEEDED" ? (kind === "audio" ? "♪" : "…") : (LABEL[status] ?? status.toLowerCase());
      button.replaceChildren(h("span", { text }));
    }
  }

  function drawRows(): void {
    const rows: Row[] = model.get("rows") ?? [];
    while (cells.length < rows.length) {
      const button = cell(cells.length);
      cells.push(button);
      shown.push("");
      grid.append(button);
    }
    rows.forEach((row, i) => {
      const key = row.join("\u0000");
      if (shown[i] !== key) {
        shown[i] = key;
        drawCell(cells[i], i, row);
      }
    });
  }

  function drawSummary(): void {
    const s: Summary = model.get("summary") ?? {};
    const parts = Object.entries(s.counts ?? {}).map(([status, n]) =>
      h("span", { attrs: { "data-status": status }, text: `${n} ${LABEL[status] ?? status.toLowerCase()}` }));
    counts.replaceChildren(h("strong", { text: `${s.total ?? 0} tasks:` }), ...parts);
    const spent = formatCredits(s.spent_credits ?? 0, s.spent_dollars);
    const toCome = s.to_come_credits ? ` · ${formatCredits(s.to_come_credits, s.to_come_dollars)} to come` : "";
    money.textContent = `${spent} spent${toCome}`;
    eta.textContent = s.done ? "done" : s.eta !== null && s.eta !== undefined ? `about ${formatSeconds(s.eta)} left` : "";
    const active = Object.entries(s.counts ?? {}).some(([status, n]) => ACTIVE.has(status) && n > 0);
    cancelAll.hidden = !active || !!s.done;
    notice.textContent = s.notice ?? "";
    notice.hidden = !s.notice;
  }

  function select(index: number): void {
    if (open >= 0 && cells[open]) cells[open].setAttribute("aria-pressed", "false");
    open = index;
    if (open >= 0 && cells[open]) cells[open].setAttribute("aria-pressed", "true");
    unmountDetail?.();
    unmountDetail = null;
    detail.replaceChildren();
    model.send({ type: "open", index });
    if (index < 0) return;
    const source: RunSource = {
      get: (): RunState => {
        const sel = model.get("selected") ?? {};
        return sel.index === index ? sel : { task: { status: "PENDING" }, outputs: [], notice: "loading…" };
      },
      subscribe: (callback) => watch(model, ["selected"], callback),
      send: (message) => model.send({ ...message, index }),
    };
    unmountDetail = mountTaskView(detail, source, fetcher);
  }

  drawSummary();
  drawRows();
  const unwatchSummary = watch(model, ["summary"], drawSummary);
  const unwatchRows = watch(model, ["rows"], drawRows);
  return () => {
    unwatchSummary();
    unwatchRows();
    unmountDetail?.();
    fetcher.dispose();
  };
}

export default { render };
