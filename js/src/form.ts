// GenerateForm: model picker (grouped video / image / audio), the fields that model takes (from the
// catalog Python sent once), problems and the cost as you type (Python checks the debounced draft),
// Generate, "copy as code", and a TaskView per run below.
import { buildField, Field, FieldContext, initialValue, Param } from "./fields";
import { MediaFetcher } from "./media";
import { formatCredits, h, injectStyles, MediaTypes, Model, onMessage, RenderProps, uid, watch } from "./shared";
import { mountTaskView, RunSource, RunState } from "./task_view";

interface Endpoint {
  path: string;
  label: string;
  params: Param[];
}
interface ModelInfo {
  id: string;
  kind: string;
  label: string;
  description: string;
  endpoints: Endpoint[];
}
interface Catalog {
  kinds: string[];
  models: ModelInfo[];
  languages: Record<string, string>;
  moderation: string[];
  accept: Record<string, string>;
  media_types?: MediaTypes;
}

export const DEBOUNCE_MS = 300;
export const CHUNK_BYTES = 2 * 1024 * 1024; // under a server's 10 MB websocket message cap

function render({ model, el }: RenderProps): () => void {
  injectStyles();
  const catalog: Catalog = model.get("catalog");
  const fetcher = new MediaFetcher(model);
  const cleanups: (() => void)[] = [() => fetcher.dispose()];

  // -- state: the chosen model and endpoint, the wire values, what the person has touched --------
  const start = model.get("draft") ?? {};
  let info = catalog.models.find((m) => m.id === start.model) ?? catalog.models[0];
  let endpoint = info.endpoints.find((e) => e.path === start.endpoint) ?? info.endpoints[0];
  let values: Record<string, unknown> = {};
  let fields = new Map<string, Field>();
  const touched = new Set<string>();
  let submitted = false;
  let timer: number | undefined;

  // -- the skeleton ------------------------------------------------------------------------------
  const modelId = uid("f");
  const modelSelect = h("select", { attrs: { id: modelId } });
  for (const kind of catalog.kinds) {
    const group = h("optgroup", { attrs: { label: kind } });
    for (const m of catalog.models.filter((x) => x.kind === kind))
      group.append(h("option", { text: `${m.label} (${m.id})`, attrs: { value: m.id } }));
    modelSelect.append(group);
  }
  const description = h("p", { class: "rnb-help rnb-muted" });
  const endpointId = uid("f");
  const endpointSelect = h("select", { attrs: { id: endpointId } });
  const endpointRow = h("div", { class: "rnb-field" }, h("label", { text: "Input", attrs: { for: endpointId } }), endpointSelect);
  const fieldBox = h("div", { class: "rnb-fields" });
  const estimate = h("p", { class: "rnb-estimate", attrs: { "aria-live": "polite", "data-testid": "rnb-estimate" } });
  const warnings = h("ul", { class: "rnb-warnings rnb-muted" });
  const general = h("ul", { class: "rnb-problem", attrs: { "aria-live": "polite" } });
  const generate = h("button", { class: "rnb-button rnb-primary", text: "Generate", attrs: { type: "submit" } });
  const codeToggle = h("button", { class: "rnb-button", text: "Copy as code", attrs: { type: "button", "aria-expanded": "false" } });
  const notice = h("span", { class: "rnb-notice", attrs: { role: "status" } });
  const magic = h("pre", { class: "rnb-code", attrs: { "data-testid": "rnb-code-magic" } });
  const python = h("pre", { class: "rnb-code", attrs: { "data-testid": "rnb-code-python" } });
  const codePanel = h("div", {}, copyRow("%runway line", magic), magic, copyRow("Python", python), python);
  codePanel.hidden = true;
  const form = h(
    "form",
    { class: "rnb-form", attrs: { novalidate: true, "data-testid": "rnb-form" } },
    h("div", { class: "rnb-field" }, h("label", { text: "Model", attrs: { for: modelId } }), modelSelect, description),
    endpointRow,
    fieldBox,
    estimate,
    warnings,
    general,
    h("div", { class: "rnb-inline" }, generate, codeToggle, notice),
    codePanel,
  );
  const runsBox = h("div", { class: "rnb-runs" });
  el.replaceChildren(h("div", { class: "rnb-root" }, form, runsBox));

  const ctx: FieldContext = {
    languages: catalog.languages,
    moderation: catalog.moderation,
    accept: catalog.accept,
    mediaTypes: catalog.media_types ?? {},
    upload: (file, field, status) => sendFile(model, file, field, status, cleanups),
  };

  // -- building the fields for the chosen model and endpoint -------------------------------------
  function showModel(): void {
    modelSelect.value = info.id;
    description.textContent = info.description;
    endpointSelect.replaceChildren(...info.endpoints.map((e) => h("option", { text: e.label, attrs: { value: e.path } })));
    endpointSelect.value = endpoint.path;
    endpointRow.hidden = info.endpoints.length < 2;
    // The prompt and seed carry over from model to model; everything else starts from its default.
    const keep = { promptText: values.promptText, seed: values.seed };
    values = {};
    fields = new Map();
    fieldBox.replaceChildren();
    for (const p of endpoint.params) {
      const carried = keep[p.name as keyof typeof keep];
      values[p.name] = carried !== undefined ? carried : initialValue(p);
      const field = buildField(p, values[p.name], ctx, (value) => {
        values[p.name] = value;
        touched.add(p.name);
        scheduleDraft();
      });
      fields.set(p.name, field);
      fieldBox.append(field.row);
    }
    sendDraft();
  }

  function draft() {
    const body: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) if (value !== undefined) body[name] = value;
    return { model: info.id, endpoint: endpoint.path, body };
  }

  function scheduleDraft(): void {
    window.clearTimeout(timer);
    timer = window.setTimeout(sendDraft, DEBOUNCE_MS);
  }

  function sendDraft(): void {
    window.clearTimeout(timer);
    model.set("draft", draft());
    model.save_changes();
  }

  modelSelect.addEventListener("change", () => {
    info = catalog.models.find((m) => m.id === modelSelect.value) ?? info;
    endpoint = info.endpoints[0];
    touched.clear();
    submitted = false;
    showModel();
  });
  endpointSelect.addEventListener("change", () => {
    endpoint = info.endpoints.find((e) => e.path === endpointSelect.value) ?? endpoint;
    showModel();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitted = true;
    const d = draft();
    model.set("draft", d);
    model.save_changes();
    model.send({ type: "generate", draft: d });
    showCheck();
  });
  codeToggle.addEventListener("click", () => {
    codePanel.hidden = !codePanel.hidden;
    codeToggle.setAttribute("aria-expanded", String(!codePanel.hidden));
  });

  // -- what Python says about the draft ----------------------------------------------------------
  function showCheck(): void {
    const check = model.get("check") ?? {};
    const byField = new Map<string, string[]>();
    const other: string[] = [];
    for (const problem of check.problems ?? []) {
      const root = String(problem.field ?? "").split(".")[0];
      if (fields.has(root)) byField.set(root, [...(byField.get(root) ?? []), problem.message]);
      else other.push(problem.message);
    }
    for (const [name, field] of fields) {
      const show = submitted || touched.has(name);
      field.setProblem(show ? (byField.get(name) ?? []).join(" ") : "");
    }
    general.replaceChildren(...(submitted ? other : []).map((message) => h("li", { text: message })));
    warnings.replaceChildren(...(check.warnings ?? []).map((w: string) => h("li", { text: w })));
    const e = check.estimate;
    estimate.textContent = e ? `Estimated cost: ${formatCredits(e.credits, e.dollars)} · ${e.basis}` : "";
    magic.textContent = check.code?.magic ?? "";
    python.textContent = check.code?.python ?? "";
  }

  function showStatus(): void {
    notice.textContent = model.get("notice") ?? "";
    generate.disabled = Boolean(model.get("busy"));
    generate.textContent = model.get("busy") ? "Starting…" : "Generate";
  }

  // -- one TaskView per run, newest first --------------------------------------------------------
  const views = new Map<string, { host: HTMLElement; listeners: Set<() => void>; unmount: () => void }>();
  function showRuns(): void {
    const runs: RunState[] = model.get("runs") ?? [];
    const order: HTMLElement[] = [];
    for (const run of runs) {
      const id = String(run.task?.id ?? "");
      let view = views.get(id);
      if (!view) {
        const host = h("div", { class: "rnb-run", attrs: { "data-task-id": id } });
        const listeners = new Set<() => void>();
        const source: RunSource = {
          get: () => (model.get("runs") ?? []).find((r: RunState) => String(r.task?.id) === id) ?? run,
          subscribe: (callback) => (listeners.add(callback), () => listeners.delete(callback)),
          send: (message) => model.send({ ...message, task_id: id }),
        };
        view = { host, listeners, unmount: mountTaskView(host, source, fetcher) };
        views.set(id, view);
      } else {
        for (const callback of view.listeners) callback();
      }
      order.push(view.host);
    }
    const current = [...runsBox.children];
    if (order.length !== current.length || order.some((host, i) => host !== current[i])) runsBox.replaceChildren(...order);
    for (const [id, view] of views) {
      if (!order.includes(view.host)) {
        view.unmount();
        views.delete(id);
      }
    }
  }

  showModel();
  showCheck();
  showStatus();
  showRuns();
  cleanups.push(
    watch(model, ["check"], showCheck),
    watch(model, ["notice", "busy"], showStatus),
    watch(model, ["runs"], showRuns),
    () => window.clearTimeout(timer),
    () => views.forEach((v) => v.unmount()),
  );
  return () => cleanups.forEach((cleanup) => cleanup());
}

function copyRow(title: string, pre: HTMLElement): HTMLElement {
  const button = h("button", { class: "rnb-button", text: "Copy", attrs: { type: "button", "aria-label": `copy the ${title}` } });
  button.addEventListener("click", () => {
    navigator.clipboard?.writeText(pre.textContent ?? "").then(
      () => (button.textContent = "Copied"),
      () => (button.textContent = "Select and copy"),
    );
  });
  return h("div", { class: "rnb-inline" }, h("span", { class: "rnb-muted", text: title }), button);
}

let uploadCounter = 0;

/** Send a file to Python in chunks (buffers, never a trait); returns the draft's stand-in for it. */
export function sendFile(
  model: Model,
  file: File,
  field: string,
  status: (text: string, ok: boolean) => void,
  cleanups: (() => void)[],
): string {
  uploadCounter += 1;
  const id = `u${Date.now().toString(36)}${uploadCounter}`;
  status(`sending ${file.name}…`, true);
  const stop = onMessage(model, (msg) => {
    if (msg?.type !== "uploaded" || msg.id !== id) return;
    stop();
    if (msg.error) status(msg.error, false);
    else status(`${msg.name} · ${msg.kind} ${msg.format} · ${(msg.size / 1e6).toFixed(1)} MB`, true);
  });
  cleanups.push(stop);
  file.arrayBuffer().then(
    (buffer) => {
      const total = Math.max(1, Math.ceil(buffer.byteLength / CHUNK_BYTES));
      for (let seq = 0; seq < total; seq++) {
        const chunk = buffer.slice(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES);
        const last = seq === total - 1;
        model.send({ type: "upload", id, field, name: file.name, size: file.size, seq, last }, undefined, [chunk]);
      }
    },
    () => status(`could not read ${file.name}`, false),
  );
  return `upload:${id}`;
}

export default { render };
