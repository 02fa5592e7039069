// Gallery: past results as thumbnails. The search (kind, provider, model, operation, text, dates,
// credits) runs in the kernel against the whole journal; pages of results arrive as the grid is scrolled to its end. Pressing a
// thumbnail selects it, and the selection is shown below: one result again, or several side by side.
import { attachSource, MediaFetcher } from "./media";
import { renderCards } from "./player";
import { formatSeconds, h, injectStyles, MediaEntry, RenderProps, shorten, uid, watch } from "./shared";

export interface GalleryItem {
  task_id: string;
  model: string;
  kind: string;
  operation?: string; // text_to_video, generate.video, recipes.product_ad, ...
  prompt: string;
  created_at: number | null; // epoch seconds
  cost_credits: number | null; // what the server reported at the end
  estimate_credits?: number | null; // the estimate, when no final cost is known
  outputs: MediaEntry[];
}

/** The server's final cost where known, else the estimate, marked as such. */
export function costText(item: GalleryItem): string {
  const credits = (n: number) => `${n} credit${n === 1 ? "" : "s"}`;
  if (item.cost_credits !== null && item.cost_credits !== undefined) return credits(item.cost_credits);
  const estimate = item.estimate_credits;
  return estimate === null || estimate === undefined ? "" : `~${credits(estimate)} (estimate)`;
}

function render({ model, el }: RenderProps): () => void {
  injectStyles();
  const fetcher = new MediaFetcher(model);
  const selected = new Set<string>();

  const kindId = uid("g");
  const providerId = uid("g");
  const modelId = uid("g");
  const textId = uid("g");
  const operationId = uid("g");
  const [sinceId, untilId, minId, maxId] = [uid("g"), uid("g"), uid("g"), uid("g")];
  const kindSelect = h("select", { attrs: { id: kindId } });
  const providerSelect = h("select", { attrs: { id: providerId } });
  const modelSelect = h("select", { attrs: { id: modelId } });
  const operationSelect = h("select", { attrs: { id: operationId } });
  const text = h("input", { attrs: { id: textId, type: "search", placeholder: "prompt or task id" } });
  // Dates are whole days (the "to" day included); credits are the final cost, else the estimate.
  const since = h("input", { attrs: { id: sinceId, type: "date", "data-testid": "rnb-gallery-since" } });
  const until = h("input", { attrs: { id: untilId, type: "date", "data-testid": "rnb-gallery-until" } });
  const minCredits = h("input", { attrs: { id: minId, type: "number", min: "0", step: "any", "data-testid": "rnb-gallery-min-credits" } });
  const maxCredits = h("input", { attrs: { id: maxId, type: "number", min: "0", step: "any", "data-testid": "rnb-gallery-max-credits" } });
  const refresh = h("button", { class: "rnb-button", text: "Refresh", attrs: { type: "button" } });
  const clear = h("button", { class: "rnb-button", text: "Clear selection", attrs: { type: "button" } });
  const count = h("span", { class: "rnb-muted", attrs: { role: "status" } });
  const grid = h("div", { class: "rnb-thumbs", attrs: { role: "list", "data-testid": "rnb-gallery-grid" } });
  const more = h("button", { class: "rnb-button", text: "Older results", attrs: { type: "button", "data-testid": "rnb-gallery-more" } });
  const viewerTitle = h("p", { class: "rnb-model" });
  const viewer = h("div", { class: "rnb-viewer", attrs: { "data-testid": "rnb-gallery-viewer" } });
  el.replaceChildren(
    h(
      "div",
      { class: "rnb-root rnb-gallery" },
      h(
        "div",
        { class: "rnb-inline" },
        h("label", { text: "Kind", attrs: { for: kindId } }),
        kindSelect,
        h("label", { text: "Provider", attrs: { for: providerId } }),
        providerSelect,
        h("label", { text: "Model", attrs: { for: modelId } }),
        modelSelect,
        h("label", { text: "Operation", attrs: { for: operationId } }),
        operationSelect,
        h("label", { text: "Search", attrs: { for: textId } }),
        text,
      ),
      h(
        "div",
        { class: "rnb-inline" },
        h("label", { text: "From", attrs: { for: sinceId } }),
        since,
        h("label", { text: "To", attrs: { for: untilId } }),
        until,
        h("label", { text: "Credits from", attrs: { for: minId } }),
        minCredits,
        h("label", { text: "to", attrs: { for: maxId } }),
        maxCredits,
        refresh,
        clear,
        count,
      ),
      grid,
      more,
      viewerTitle,
      viewer,
    ),
  );

  const items = (): GalleryItem[] => model.get("items") ?? [];

  function fillSelect(select: HTMLSelectElement, values: string[], all: string): void {
    const keep = select.value;
    select.replaceChildren(h("option", { text: all, attrs: { value: "" } }), ...values.map((v) => h("option", { text: v, attrs: { value: v } })));
    select.value = values.includes(keep) ? keep : "";
  }

  function drawGrid(): void {
    const shown = items();
    const total: number = model.get("total") ?? shown.length;
    const skipped: number = model.get("skipped") ?? 0;
    const problem: string = model.get("problem") ?? "";
    grid.replaceChildren(...shown.map(thumb));
    count.textContent = problem || `${shown.length ? `${skipped + 1}–${skipped + shown.length}` : "0"} of ${total} result${total === 1 ? "" : "s"}` +
      (selected.size ? ` · ${selected.size} selected` : "");
    count.classList.toggle("rnb-problem", Boolean(problem));
    more.hidden = !model.get("has_more");
  }

  let typing: ReturnType<typeof setTimeout> | undefined;
  function ask(): void {
    clearTimeout(typing);
    const query: Record<string, string | number> = {};
    if (kindSelect.value) query.kind = kindSelect.value;
    if (providerSelect.value) query.provider = providerSelect.value;
    if (modelSelect.value) query.model = modelSelect.value;
    if (operationSelect.value) query.operation = operationSelect.value;
    const words = text.value.trim();
    if (words) query.text = words;
    if (since.value) query.since = since.value; // YYYY-MM-DD, the kernel's local day
    if (until.value) query.until = until.value;
    for (const [key, input] of [["min_credits", minCredits], ["max_credits", maxCredits]] as const) {
      const amount = input.value.trim() === "" ? NaN : Number(input.value);
      if (Number.isFinite(amount)) query[key] = amount;
    }
    model.set("query", query);
    model.save_changes();
  }

  function typed(): void {
    clearTimeout(typing);
    typing = setTimeout(ask, 250);
  }

  // The next page comes when the end of the grid scrolls into view (or the button is pressed).
  let asked = false;
  function askMore(): void {
    if (asked || !model.get("has_more")) return;
    asked = true;
    model.send({ type: "more" });
  }
  const sentinel = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver(
    (seen) => { if (seen.some((s) => s.isIntersecting)) askMore(); });
  sentinel?.observe(more);

  function thumb(item: GalleryItem): HTMLElement {
    const first = item.outputs[0];
    const when = item.created_at ? new Date(item.created_at * 1000).toLocaleString() : "";
    const button = h(
      "button",
      {
        class: "rnb-thumb",
        attrs: { type: "button", role: "listitem", "aria-pressed": String(selected.has(item.task_id)), "data-task-id": item.task_id, title: item.prompt },
      },
      thumbMedia(first),
      h("span", { class: "rnb-thumb-text rnb-model", text: item.model }),
      h("span", { class: "rnb-thumb-text", text: shorten(item.prompt, 60) }),
      h("span", { class: "rnb-thumb-text rnb-muted", text: [item.operation, when].filter(Boolean).join(" · ") }),
      h("span", { class: "rnb-thumb-text rnb-muted", text: costText(item), attrs: { "data-testid": "rnb-gallery-cost" } }),
    );
    button.addEventListener("click", () => {
      if (selected.has(item.task_id)) selected.delete(item.task_id);
      else selected.add(item.task_id);
      button.setAttribute("aria-pressed", String(selected.has(item.task_id)));
      drawGrid();
      drawViewer();
    });
    return button;
  }

  function thumbMedia(entry: MediaEntry | undefined): HTMLElement {
    const box = h("span", { class: "rnb-thumb-media" });
    const picture =
      entry?.kind === "image"
        ? entry
        : entry?.poster // a video's, or a frame zip's (a file no browser plays)
          ? { src: entry.poster, path: entry.poster_path }
          : null;
    if (picture) {
      const img = h("img", { attrs: { alt: "", loading: "lazy" } });
      attachSource(img, picture, fetcher);
      box.append(img);
    } else {
      box.textContent = entry?.kind === "audio" ? `♪ ${formatSeconds(entry.seconds)}` : (entry?.kind ?? "");
    }
    return box;
  }

  function drawViewer(): void {
    const chosen = items().filter((item) => selected.has(item.task_id));
    viewerTitle.textContent = chosen.length > 1 ? `Comparing ${chosen.length} results` : "";
    viewer.replaceChildren(...(chosen.length ? [renderCards(chosen.flatMap((item) => item.outputs), fetcher)] : []));
  }

  function onItems(): void {
    const all = items();
    asked = false;
    for (const id of [...selected]) if (!all.some((item) => item.task_id === id)) selected.delete(id);
    fillSelect(kindSelect, ["video", "image", "audio"], "all kinds");
    fillSelect(providerSelect, model.get("providers") ?? [], "all providers");
    fillSelect(modelSelect, model.get("models") ?? [], "all models");
    fillSelect(operationSelect, model.get("operations") ?? [], "all operations");
    drawGrid();
    drawViewer();
  }

  kindSelect.addEventListener("change", ask);
  providerSelect.addEventListener("change", ask);
  modelSelect.addEventListener("change", ask);
  operationSelect.addEventListener("change", ask);
  for (const date of [since, until]) date.addEventListener("change", ask);
  for (const amount of [minCredits, maxCredits]) amount.addEventListener("input", typed);
  text.addEventListener("input", typed);
  more.addEventListener("click", askMore);
  refresh.addEventListener("click", () => model.send({ type: "refresh" }));
  clear.addEventListener("click", () => {
    selected.clear();
    drawGrid();
    drawViewer();
  });

  onItems();
  const unwatch = watch(model, ["items", "total", "has_more", "models", "providers", "operations", "problem"], onItems);
  return () => {
    unwatch();
    sentinel?.disconnect();
    clearTimeout(typing);
    fetcher.dispose();
  };
}

export default { render };
