// One control per shape node (the pinned SDK's request shapes, sent by catalog_json.py): structures
// as labelled rows, lists as rows to add and remove, unions as a choice of member, enums as selects,
// numbers with their ranges, booleans, media as a file picker or URL, anything else as JSON. Each
// control reports its wire value (camelCase) through onChange; `undefined` leaves it out of the body.
import { h, uid } from "./shared";

export type Shape = Record<string, any>;
export interface FieldSpec {
  required: boolean;
  help?: string;
  default?: unknown;
  shape: Shape;
}
export interface Problem {
  field: string;
  message: string;
}

export interface FieldContext {
  /** A ref's named structure (catalog.shapes); any other node as it is. */
  resolve: (node: Shape) => Shape;
  labels: Record<string, string>;
  languages: Record<string, string>;
  accept: Record<string, string>;
  /** Sends a file to Python; returns "upload:<id>" at once and reports progress and the outcome. */
  upload: (file: File, field: string, status: (text: string, ok: boolean) => void) => string;
}

export interface Control {
  el: HTMLElement;
  /** Show the problems at or under `path` where they belong; returns those it did not place. */
  show(problems: Problem[], path: string, visible: boolean): Problem[];
  /** What it holds now (structures: the pinned, default and given values before any change). */
  value?: () => unknown;
}

type OnChange = (value: unknown) => void;

export const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
const under = (p: Problem, path: string) => p.field === path || p.field.startsWith(path + ".");

export function label(name: string, ctx: FieldContext): string {
  if (ctx.labels[name]) return ctx.labels[name];
  const words = name.replace(/([A-Z])/g, " $1").replace(/_/g, " ").toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A required enum with one value (a typed item's `type`, a union member's tag): always that value. */
function fixedValue(spec: FieldSpec, ctx: FieldContext): unknown {
  const node = ctx.resolve(spec.shape);
  return spec.required && node.type === "enum" && node.values.length === 1 ? node.values[0] : undefined;
}

/** The starting value of a field: its known default, a required enum's first choice, else nothing. */
export function initialValue(spec: FieldSpec, ctx: FieldContext): unknown {
  if (spec.default !== undefined && spec.default !== null) return spec.default;
  const node = ctx.resolve(spec.shape);
  if (spec.required && node.type === "enum") return node.values[0];
  return undefined;
}

export function build(node: Shape, name: string, value: unknown, ctx: FieldContext, onChange: OnChange, spec?: FieldSpec): Control {
  node = ctx.resolve(node);
  switch (node.type) {
    case "structure":
      return structure(node, value, ctx, onChange, spec?.required ?? true);
    case "list":
      return list(node, name, value, ctx, onChange, spec?.required ?? false);
    case "union":
      return union(node, name, value, ctx, onChange, spec?.required ?? false);
    case "enum":
      return leaf(enumSelect(node, name, value, ctx, onChange, spec));
    case "integer":
    case "number":
      return leaf(numberInput(node, name, value, onChange, spec));
    case "boolean":
      return leaf(booleanInput(value, onChange, spec));
    case "media":
      return leaf(filePicker(node.kinds ?? [], name, value, ctx, onChange));
    case "string":
      return leaf(textInput(node, name, value, onChange));
    default:
      return leaf(jsonInput(value, onChange));
  }
}

const leaf = (el: HTMLElement): Control => ({ el, show: (problems) => problems });

/** The row every field shares: label, control, help line, problem line (text only). */
function row(name: string, spec: FieldSpec, control: Control, ctx: FieldContext) {
  const problemLine = h("p", { class: "rnb-problem", attrs: { "aria-live": "polite" } });
  problemLine.hidden = true;
  const head = h("label", { text: label(name, ctx) + (spec.required ? " *" : "") });
  const first = control.el.matches("input, select, textarea") ? control.el : control.el.querySelector("input, select, textarea");
  if (first) head.setAttribute("for", first.id || (first.id = uid("f")));
  const helpLine = spec.help ? h("p", { class: "rnb-help rnb-muted", text: spec.help, attrs: { id: uid("help") } }) : null;
  problemLine.id = uid("problem");
  first?.setAttribute("aria-describedby", `${helpLine ? helpLine.id + " " : ""}${problemLine.id}`);
  const el = h("div", { class: "rnb-field", attrs: { "data-field": name } }, head, control.el, helpLine, problemLine);
  return {
    el,
    touched: false,
    show(problems: Problem[], path: string, visible: boolean) {
      const left = control.show(problems, path, visible || this.touched);
      const shown = visible || this.touched ? left.map((p) => p.message).join(" ") : "";
      problemLine.textContent = shown;
      problemLine.hidden = !shown;
      el.toggleAttribute("data-invalid", Boolean(shown));
      first?.setAttribute("aria-invalid", String(Boolean(shown)));
    },
  };
}

function structure(node: Shape, value: unknown, ctx: FieldContext, onChange: OnChange, required: boolean): Control {
  const given = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const obj: Record<string, unknown> = {};
  const fixed = new Set<string>();
  const rows: { key: string; r: ReturnType<typeof row> }[] = [];
  const box = h("div", { class: "rnb-fields" });
  const current = () => (Object.keys(obj).some((k) => !fixed.has(k)) || required ? { ...obj } : undefined);
  const report = () => onChange(current());
  for (const [key, spec] of Object.entries(node.fields as Record<string, FieldSpec>)) {
    const pinned = fixedValue(spec, ctx);
    if (pinned !== undefined) {
      obj[key] = pinned;
      fixed.add(key);
      continue;
    }
    const start = given[key] !== undefined ? given[key] : initialValue(spec, ctx);
    if (start !== undefined) obj[key] = start;
    const entry = { key, r: null as unknown as ReturnType<typeof row> };
    const control = build(spec.shape, key, start, ctx, (v) => {
      if (v === undefined) delete obj[key];
      else obj[key] = v;
      entry.r.touched = true;
      report();
    }, spec);
    if (start === undefined && control.value?.() !== undefined) obj[key] = control.value!(); // a required union's first member
    entry.r = row(key, spec, control, ctx);
    rows.push(entry);
    box.append(entry.r.el);
  }
  return {
    el: box,
    value: current,
    show(problems, path, visible) {
      for (const { key, r } of rows) r.show(problems.filter((p) => under(p, join(path, key))), join(path, key), visible);
      return problems.filter((p) => !rows.some(({ key }) => under(p, join(path, key))));
    },
  };
}

function list(node: Shape, name: string, value: unknown, ctx: FieldContext, onChange: OnChange, required: boolean): Control {
  const items: { value: unknown; control: Control; el: HTMLElement }[] = [];
  const box = h("div", { class: "rnb-list" });
  const add = h("button", { class: "rnb-button", text: `Add ${label(name, ctx).toLowerCase()}`, attrs: { type: "button", "data-action": "add" } });
  const max: number | null = node.maxItems ?? null;
  const report = () => {
    const chosen = items.map((i) => i.value).filter((v) => v !== undefined);
    onChange(chosen.length ? chosen : undefined);
  };
  const refresh = () => {
    add.hidden = max !== null && items.length >= max;
    items.forEach((item, n) => item.el.setAttribute("data-index", String(n)));
  };
  const addItem = (start: unknown) => {
    const item = { value: start, control: null as unknown as Control, el: null as unknown as HTMLElement };
    item.control = build(node.items, name, start, ctx, (v) => ((item.value = v), report()), { required: true, shape: node.items });
    const remove = h("button", { class: "rnb-button", text: "Remove", attrs: { type: "button", "data-action": "remove" } });
    remove.addEventListener("click", () => {
      items.splice(items.indexOf(item), 1);
      item.el.remove();
      refresh();
      report();
    });
    item.el = h("div", { class: "rnb-item" }, item.control.el, remove);
    items.push(item);
    box.append(item.el);
    refresh();
  };
  add.addEventListener("click", () => (addItem(undefined), report()));
  const given = Array.isArray(value) ? value : [];
  given.forEach(addItem);
  const least = Math.max(node.minItems ?? 0, required ? 1 : 0);
  while (items.length < least) addItem(undefined);
  refresh();
  return {
    el: h("div", {}, box, add),
    value: () => {
      const chosen = items.map((i) => i.value).filter((v) => v !== undefined);
      return chosen.length ? chosen : undefined;
    },
    show(problems, path, visible) {
      // Wire index i is the i-th item that has a value (empty rows are left out of the body).
      const sent = items.filter((i) => i.value !== undefined);
      let left = problems.filter((p) => !sent.some((_, i) => under(p, join(path, i))));
      sent.forEach((item, i) => (left = left.concat(item.control.show(problems.filter((p) => under(p, join(path, i))), join(path, i), visible))));
      return left;
    },
  };
}

function tagOf(member: Shape, key: string, ctx: FieldContext): string {
  const spec = member.fields?.[key];
  return spec ? String(ctx.resolve(spec.shape).values?.[0]) : "";
}

function describe(member: Shape, ctx: FieldContext): string {
  const node = ctx.resolve(member);
  if (node.type === "media") return `one ${(node.kinds ?? ["file"]).join(" or ")}`;
  if (node.type === "list") {
    const item = ctx.resolve(node.items);
    const keys = item.type === "structure" ? Object.keys(item.fields).join(", ") : item.type;
    return `list (${keys})`;
  }
  if (node.type === "structure") return Object.keys(node.fields).join(", ");
  if (node.type === "enum") return node.values.join(" / ");
  return node.type;
}

function union(node: Shape, name: string, value: unknown, ctx: FieldContext, onChange: OnChange, required: boolean): Control {
  const members = (node.of as Shape[]).map((m) => ctx.resolve(m));
  const key: string | undefined = node.discriminator;
  const names = members.map((m) => (key ? tagOf(m, key, ctx) : describe(m, ctx)));
  const select = h("select", { attrs: { id: uid("f"), "aria-label": `${label(name, ctx)}: kind`, "data-role": "member" } });
  if (!required) select.append(h("option", { text: "(none)", attrs: { value: "" } }));
  names.forEach((text, i) => select.append(h("option", { text, attrs: { value: String(i) } })));
  const holder = h("div", { class: "rnb-member" });
  let control: Control | null = null;
  const choose = (index: number, start: unknown) => {
    holder.replaceChildren();
    control = null;
    if (index < 0) return onChange(undefined);
    control = build(members[index], name, start, ctx, onChange, { required: true, shape: members[index] });
    holder.append(control.el);
  };
  const held = () => control?.value?.();
  const tag = key && value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  let index = key ? names.indexOf(String(tag)) : members.findIndex((m) => fits(m, value));
  if (index < 0 && (required || value !== undefined)) index = 0;
  select.value = index < 0 ? "" : String(index);
  choose(index, index < 0 ? undefined : value);
  select.addEventListener("change", () => {
    choose(select.value === "" ? -1 : Number(select.value), undefined);
    if (control) onChange(held()); // the new member's pinned tag and defaults (or nothing yet)
  });
  return {
    el: h("div", {}, select, holder),
    value: held,
    show: (problems, path, visible) => (control ? control.show(problems, path, visible) : problems),
  };
}

function fits(member: Shape, value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return member.type === "list";
  if (typeof value === "object") return member.type === "structure" || member.type === "map";
  return typeof value === "string" ? ["media", "string", "enum"].includes(member.type) : member.type !== "list";
}

function enumSelect(node: Shape, name: string, value: unknown, ctx: FieldContext, onChange: OnChange, spec?: FieldSpec): HTMLElement {
  const select = h("select", { attrs: { id: uid("f") } });
  if (!spec?.required) select.append(h("option", { text: "(default)", attrs: { value: "" } }));
  for (const choice of node.values) {
    const text = name === "targetLang" ? `${ctx.languages[String(choice)] ?? choice} (${choice})` : String(choice);
    select.append(h("option", { text, attrs: { value: String(choice) } }));
  }
  select.value = value === undefined ? "" : String(value);
  select.addEventListener("change", () => onChange((node.values as unknown[]).find((c) => String(c) === select.value))); // numbers stay numbers
  return select;
}

function numberInput(node: Shape, name: string, value: unknown, onChange: OnChange, spec?: FieldSpec): HTMLElement {
  const hint = name === "seed" ? "random" : spec?.default !== undefined ? `default ${spec.default}` : spec?.required ? "required" : "optional";
  const input = h("input", {
    attrs: { id: uid("f"), type: "number", min: node.min ?? null, max: node.max ?? null, step: node.type === "integer" ? 1 : "any", placeholder: hint },
  });
  input.value = typeof value === "number" ? String(value) : "";
  const range = node.min !== undefined && node.max !== undefined && node.max < 1e6 ? `${node.min}–${node.max}` : "";
  input.addEventListener("input", () => {
    const text = input.value.trim();
    // A half-typed number goes to Python as typed, so the person hears what is wrong with it.
    onChange(text === "" ? undefined : Number.isFinite(Number(text)) ? Number(text) : text);
  });
  return h("div", { class: "rnb-inline" }, input, range ? h("span", { class: "rnb-muted rnb-range", text: range }) : null);
}

function booleanInput(value: unknown, onChange: OnChange, spec?: FieldSpec): HTMLElement {
  const known = spec?.required || (spec?.default !== undefined && spec?.default !== null);
  if (known) {
    const box = h("input", { attrs: { id: uid("f"), type: "checkbox" } });
    box.checked = value === true;
    box.addEventListener("change", () => onChange(box.checked));
    return box;
  }
  // No stated default: leave it to the service unless the person says yes or no.
  const select = h("select", { attrs: { id: uid("f") } },
    h("option", { text: "(default)", attrs: { value: "" } }), h("option", { text: "yes", attrs: { value: "true" } }),
    h("option", { text: "no", attrs: { value: "false" } }));
  select.value = value === undefined ? "" : String(value);
  select.addEventListener("change", () => onChange(select.value === "" ? undefined : select.value === "true"));
  return select;
}

function textInput(node: Shape, name: string, value: unknown, onChange: OnChange): HTMLElement {
  const long = /prompt|text|description|script/i.test(name) || (node.maxLength ?? 0) > 200;
  const input = long ? h("textarea", { attrs: { id: uid("f"), rows: 3 } }) : h("input", { attrs: { id: uid("f"), type: "text" } });
  input.value = typeof value === "string" ? value : "";
  const count = h("span", { class: "rnb-muted rnb-count" });
  // JavaScript's length is UTF-16 code units: the unit Runway counts a prompt in.
  const recount = () => (count.textContent = node.maxLength ? `${input.value.length} / ${node.maxLength}` : "");
  input.addEventListener("input", () => {
    recount();
    onChange(input.value === "" ? undefined : input.value);
  });
  recount();
  return h("div", {}, input, count);
}

function jsonInput(value: unknown, onChange: OnChange): HTMLElement {
  const area = h("textarea", { attrs: { id: uid("f"), rows: 2, placeholder: "JSON" } });
  area.value = value === undefined ? "" : JSON.stringify(value);
  area.addEventListener("input", () => {
    const text = area.value.trim();
    if (!text) return onChange(undefined);
    try {
      onChange(JSON.parse(text));
    } catch {
      onChange(text); // Python says what is wrong with it
    }
  });
  return area;
}

/** A file picker (sent to Python) or a URL; reports "upload:<id>", the URL, or undefined. */
function filePicker(kinds: string[], name: string, value: unknown, ctx: FieldContext, onChange: OnChange): HTMLElement {
  const accept = kinds.map((kind) => ctx.accept[kind]).filter(Boolean).join(",");
  const file = h("input", { attrs: { id: uid("f"), type: "file", accept: accept || null, "aria-label": `${label(name, ctx)} file` } });
  const url = h("input", { attrs: { type: "text", placeholder: "or https://… URL", "aria-label": `${label(name, ctx)} URL` } });
  const status = h("span", { class: "rnb-muted rnb-upload-status", attrs: { "aria-live": "polite" } });
  if (typeof value === "string" && !value.startsWith("upload:")) url.value = value;
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (!chosen) return onChange(url.value.trim() || undefined);
    url.value = "";
    onChange(
      ctx.upload(chosen, name, (text, ok) => {
        status.textContent = text;
        status.classList.toggle("rnb-problem", !ok);
      }),
    );
  });
  url.addEventListener("input", () => {
    if (url.value.trim()) {
      file.value = "";
      status.textContent = "";
    }
    onChange(url.value.trim() || undefined);
  });
  return h("div", { class: "rnb-inline rnb-media", attrs: { "data-kinds": kinds.join(" ") } }, file, url, status);
}
