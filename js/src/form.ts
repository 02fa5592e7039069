// GenerateForm: a model picker with a search box (every model that makes media, grouped by kind and
// provider), the fields that model's shape takes (from the catalog Python sent once), problems next
// to their fields and the cost as you type (Python checks the debounced draft), Generate, "copy as
// code", and a TaskView per run below.
import { build, Control, FieldContext, Problem, Shape } from "./fields";
import { MediaFetcher } from "./media";
import { formatCredits, h, injectStyles, Model, onMessage, RenderProps, uid, watch } from "./shared";
import { mountTaskView, RunSource, RunState } from "./task_view";

interface Operation {
  op: string;
  path: string;
  label: string;
  call: string;
  shape: Shape;
}
export interface Entry {
  id: string;
  model: string | null;
  kind: string;
  provider: string;
  label: string;
  description: string;
  priced: boolean;
  ops: Operation[];
}
interface Catalog {
  kinds: string[];
  models: Entry[];
  shapes: Record<string, Shape>;
  common: unknown[];
  labels: Record<string, string>;
  languages: Record<string, string>;
  accept: Record<string, string>;
  no_price: string;
}

export const DEBOUNCE_MS = 300;
export const CHUNK_BYTES = 2 * 1024 * 1024; // under a server's 10 MB websocket message cap

/** Put back the parts Python sent once ({"$": i} -> common[i]); catalog_json.shared_parts. */
export function expand<T>(value: T, common: unknown[], done = new Map<number, unknown>()): T {
  if (Array.isArray(value)) return value.map((v) => expand(v, common, done)) as T;
  if (value && typeof value === "object") {
    const ref = (value as Record<string, unknown>)["$"];
    if (typeof ref === "number" && Object.keys(value).length === 1) {
      if (!done.has(ref)) done.set(ref, expand(common[ref], common, done));
      return done.get(ref) as T;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, common, done)])) as T;
  }
  return value;
}

/** The entries whose id, label, provider, kind or operations hold every word of the query. */
export function search(entries: Entry[], query: string): Entry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter((e) => {
    const text = [e.id, e.label, e.provider, e.kind, ...e.ops.map((o) => o.label)].join(" ").toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

function render({ model, el }: RenderProps): () => void {
  injectStyles();
  const sent = model.get("catalog");
  const catalog: Catalog = { ...sent, models: expand(sent.models, sent.common), shapes: expand(sent.shapes, sent.common) };
  const fetcher = new MediaFetcher(model);
  const cleanups: (() => void)[] = [() => fetcher.dispose()];

  // -- state: the chosen entry and operation, the wire body, its controls ------------------------
  const start = model.get("draft") ?? {};
  let info = catalog.models.find((m) => m.model === (start.model ?? null) && m.ops.some((o) => o.path === start.endpoint))
    ?? catalog.models.find((m) => m.model === start.model) ?? catalog.models[0];
  let operation = info.ops.find((o) => o.path === start.endpoint) ?? info.ops[0];
  let body: Record<string, unknown> = {};
  let control: Control | null = null;
  let submitted = false;
  let timer: number | undefined;

  // -- the skeleton ------------------------------------------------------------------------------
  const searchBox = h("input", {
    attrs: { type: "search", placeholder: "Search models…", "aria-label": "search models", "data-testid": "rnb-model-search" },
  });
  const modelId = uid("f");
  const modelSelect = h("select", { attrs: { id: modelId, "data-testid": "rnb-model" } });
  const matches = h("span", { class: "rnb-muted", attrs: { "aria-live": "polite" } });
  const description = h("p", { class: "rnb-help rnb-muted" });
  const endpointId = uid("f");
  const endpointSelect = h("select", { attrs: { id: endpointId, "data-testid": "rnb-operation" } });
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
  const magicRow = copyRow("%runway line", magic);
  const codePanel = h("div", {}, magicRow, magic, copyRow("Python", python), python);
  codePanel.hidden = true;
  const form = h(
    "form",
    { class: "rnb-form", attrs: { novalidate: true, "data-testid": "rnb-form" } },
    h("div", { class: "rnb-field" }, h("label", { text: "Model", attrs: { for: modelId } }),
      h("div", { class: "rnb-inline" }, searchBox, modelSelect, matches), description),
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
    resolve: (node) => (node?.type === "ref" ? catalog.shapes[node.name] : node),
    labels: catalog.labels ?? {},
    languages: catalog.languages,
    accept: catalog.accept,
    upload: (file, field, status) => sendFile(model, file, field, status, cleanups),
  };

  // -- the model list: grouped by kind and provider, filtered by the search box ------------------
  function listModels(): void {
    const found = search(catalog.models, searchBox.value);
    modelSelect.replaceChildren();
    for (const kind of catalog.kinds) {
      const providers = [...new Set(found.filter((m) => m.kind === kind).map((m) => m.provider))];
      for (const provider of providers) {
        const group = h("optgroup", { attrs: { label: `${kind} · ${provider}` } });
        for (const m of found.filter((x) => x.kind === kind && x.provider === provider))
          group.append(h("option", { text: m.label === m.id ? m.id : `${m.label} (${m.id})`, attrs: { value: m.id } }));
        modelSelect.append(group);
      }
    }
    matches.textContent = searchBox.value.trim() ? `${found.length} of ${catalog.models.length}` : `${catalog.models.length} models`;
    if (found.length && !found.includes(info)) return choose(found[0]);
    modelSelect.value = info.id;
  }

  function choose(entry: Entry): void {
    info = entry;
    operation = info.ops[0];
    submitted = false;
    showModel();
  }

  // -- building the fields for the chosen model and operation ------------------------------------
  function showModel(): void {
    modelSelect.value = info.id;
    description.textContent = info.description;
    endpointSelect.replaceChildren(...info.ops.map((o) => h("option", { text: o.label, attrs: { value: o.path } })));
    endpointSelect.value = operation.path;
    endpointRow.hidden = info.ops.length < 2;
    // The prompt and seed carry over from model to model; everything else starts from its default.
    const fields = operation.shape.fields ?? {};
    const keep: Record<string, unknown> = {};
    for (const name of ["promptText", "seed"]) if (name in fields && body[name] !== undefined) keep[name] = body[name];
    control = build(operation.shape, "", keep, ctx, (value) => {
      body = (value as Record<string, unknown>) ?? {};
      scheduleDraft();
    });
    body = (control.value?.() as Record<string, unknown>) ?? {}; // pinned, default and carried values
    fieldBox.replaceChildren(control.el);
    sendDraft();
  }

  function draft() {
    const wire: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(body)) if (value !== undefined) wire[name] = value;
    return { model: info.model, endpoint: operation.path, body: wire };
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

  searchBox.addEventListener("input", listModels);
  modelSelect.addEventListener("change", () => choose(catalog.models.find((m) => m.id === modelSelect.value) ?? info));
  endpointSelect.addEventListener("change", () => {
    operation = info.ops.find((o) => o.path === endpointSelect.value) ?? operation;
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
    const problems: Problem[] = (check.problems ?? []).map((p: Problem) => ({ field: String(p.field ?? ""), message: String(p.message) }));
    const other = control ? control.show(problems, "", submitted) : problems;
    general.replaceChildren(...(submitted ? other : []).map((p) => h("li", { text: p.message })));
    warnings.replaceChildren(...(check.warnings ?? []).map((w: string) => h("li", { text: w })));
    const e = check.estimate;
    estimate.textContent = e ? `Estimated cost: ${formatCredits(e.credits, e.dollars)} · ${e.basis}` : (check.price_note ?? "");
    magic.textContent = check.code?.magic ?? "";
    magicRow.hidden = magic.hidden = !magic.textContent;
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

  listModels();
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
