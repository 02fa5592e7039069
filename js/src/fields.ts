// One input per catalog field type. Each builder returns the field's row and reports the wire value
// (camelCase body shape) through onChange; `undefined` means "leave the field out of the body".
import { h, kindOfName, MediaTypes, uid } from "./shared";

export interface Param {
  name: string;
  label: string;
  type: string;
  required: boolean;
  choices: (string | number)[];
  min: number | null;
  max: number | null;
  default: any;
  media: string[];
  positions: string[];
  max_len: number | null;
  min_items: number;
  max_items: number | null;
  help: string;
}

export interface FieldContext {
  languages: Record<string, string>;
  moderation: string[];
  accept: Record<string, string>;
  /** Python's table of media types by file extension (formats.MEDIA_TYPES), sent once with the catalog. */
  mediaTypes: MediaTypes;
  /** Sends a file to Python; resolves to "upload:<id>" at once and reports progress and the outcome. */
  upload: (file: File, field: string, status: (text: string, ok: boolean) => void) => string;
}

export interface Field {
  row: HTMLElement;
  setProblem(message: string): void;
}

type OnChange = (value: unknown) => void;

/** The row every field shares: label, control(s), help line, problem line (announced when it changes). */
function row(p: Param, control: HTMLElement, inputId: string): Field {
  const helpId = uid("help");
  const problemId = uid("problem");
  const label = h("label", { text: p.label + (p.required ? " *" : ""), attrs: { for: inputId } });
  const help = h("p", { class: "rnb-help rnb-muted", text: p.help, attrs: { id: helpId } });
  const problem = h("p", { class: "rnb-problem", attrs: { id: problemId, "aria-live": "polite" } });
  problem.hidden = true;
  const el = h("div", { class: "rnb-field", attrs: { "data-field": p.name } }, label, control, help, problem);
  const inputs = () => [...control.querySelectorAll("input, select, textarea"), control].filter(
    (n): n is HTMLElement => n instanceof HTMLInputElement || n instanceof HTMLSelectElement || n instanceof HTMLTextAreaElement,
  );
  for (const input of inputs()) input.setAttribute("aria-describedby", `${helpId} ${problemId}`);
  return {
    row: el,
    setProblem(message: string) {
      problem.textContent = message;
      problem.hidden = !message;
      for (const input of inputs()) input.setAttribute("aria-invalid", String(Boolean(message)));
    },
  };
}

/** The starting value of a field, as it goes on the wire (undefined: omitted). */
export function initialValue(p: Param): unknown {
  if (p.type === "voice") return { type: "runway-preset", presetId: p.default ?? p.choices[0] };
  if (p.type === "bool") return p.default === null || p.default === undefined ? undefined : p.default;
  if (p.default !== null && p.default !== undefined && (p.required || p.type === "enum" || p.type === "int"))
    return p.default;
  return undefined;
}

export function buildField(p: Param, value: unknown, ctx: FieldContext, onChange: OnChange): Field {
  switch (p.type) {
    case "text":
      return textField(p, value, onChange);
    case "enum":
      return enumField(p, value, ctx, onChange);
    case "int":
    case "number":
      return numberField(p, value, onChange);
    case "bool":
      return boolField(p, value, onChange);
    case "voice":
      return voiceField(p, value, onChange);
    case "moderation":
      return moderationField(p, value, ctx, onChange);
    case "uri":
      return mediaField(p, ctx, (uri) => onChange(uri));
    case "typed_uri":
      return mediaField(p, ctx, (uri) => onChange(uri === undefined ? undefined : { type: guessKind(uri, p.media, ctx.mediaTypes), uri }));
    case "references":
      return mediaField(p, ctx, (uri) => onChange(uri === undefined ? undefined : [{ type: "image", uri }]));
    case "prompt_image":
      return promptImageField(p, ctx, onChange);
    case "reference_images":
      return referenceImagesField(p, ctx, onChange);
    default:
      return textField({ ...p, max_len: null }, value, onChange);
  }
}

function textField(p: Param, value: unknown, onChange: OnChange): Field {
  const id = uid("f");
  const area = h("textarea", { attrs: { id, rows: 3 } });
  area.value = typeof value === "string" ? value : "";
  const count = h("span", { class: "rnb-muted rnb-count" });
  // JavaScript's length is UTF-16 code units: the unit Runway counts a prompt in.
  const recount = () => (count.textContent = p.max_len ? `${area.value.length} / ${p.max_len}` : "");
  area.addEventListener("input", () => {
    recount();
    onChange(area.value === "" ? undefined : area.value);
  });
  recount();
  return row(p, h("div", {}, area, count), id);
}

function enumField(p: Param, value: unknown, ctx: FieldContext, onChange: OnChange): Field {
  const id = uid("f");
  const select = h("select", { attrs: { id } });
  if (!p.required && (p.default === null || p.default === undefined)) select.append(h("option", { text: "(default)", attrs: { value: "" } }));
  for (const choice of p.choices) {
    const text = p.name === "targetLang" ? `${ctx.languages[String(choice)] ?? choice} (${choice})` : String(choice);
    select.append(h("option", { text, attrs: { value: String(choice) } }));
  }
  select.value = value === undefined ? "" : String(value);
  select.addEventListener("change", () => {
    const choice = p.choices.find((c) => String(c) === select.value);
    onChange(choice === undefined ? undefined : choice); // numbers stay numbers (Veo durations)
  });
  return row(p, select, id);
}

function numberField(p: Param, value: unknown, onChange: OnChange): Field {
  const id = uid("f");
  const input = h("input", {
    attrs: { id, type: "number", min: p.min, max: p.max, step: p.type === "int" ? 1 : "any", placeholder: numberHint(p) },
  });
  input.value = typeof value === "number" ? String(value) : "";
  const range = p.min !== null && p.max !== null && p.max < 1e6 ? `${p.min}–${p.max}` : "";
  input.addEventListener("input", () => {
    const text = input.value.trim();
    // A half-typed number goes to Python as typed, so the person hears what is wrong with it.
    onChange(text === "" ? undefined : Number.isFinite(Number(text)) ? Number(text) : text);
  });
  return row(p, h("div", { class: "rnb-inline" }, input, range ? h("span", { class: "rnb-muted rnb-range", text: range }) : null), id);
}

/** What an empty number field means: a random seed, the model's default, or the service's choice. */
function numberHint(p: Param): string {
  if (p.name === "seed") return "random";
  return p.default !== null && p.default !== undefined ? `default ${p.default}` : "optional";
}

function boolField(p: Param, value: unknown, onChange: OnChange): Field {
  const id = uid("f");
  const box = h("input", { attrs: { id, type: "checkbox" } });
  box.checked = value === true;
  // A field with a default (Veo's audio) is always sent; one without is sent only when switched on.
  box.addEventListener("change", () => onChange(box.checked ? true : p.default === null || p.default === undefined ? undefined : false));
  return row(p, box, id);
}

function voiceField(p: Param, value: any, onChange: OnChange): Field {
  const id = uid("f");
  const select = h("select", { attrs: { id } });
  for (const choice of p.choices) select.append(h("option", { text: String(choice), attrs: { value: String(choice) } }));
  select.value = value?.presetId ?? String(p.default ?? p.choices[0]);
  select.addEventListener("change", () => onChange({ type: "runway-preset", presetId: select.value }));
  return row(p, select, id);
}

function moderationField(p: Param, value: any, ctx: FieldContext, onChange: OnChange): Field {
  const id = uid("f");
  const select = h("select", { attrs: { id } }, h("option", { text: "(default)", attrs: { value: "" } }));
  for (const choice of p.choices.length ? p.choices.map(String) : ctx.moderation) select.append(h("option", { text: choice, attrs: { value: choice } }));
  select.value = value?.publicFigureThreshold ?? "";
  select.addEventListener("change", () => onChange(select.value ? { publicFigureThreshold: select.value } : undefined));
  return row(p, select, id);
}

/** A file picker (sent to Python) or a URL; reports "upload:<id>", the URL, or undefined. */
function filePicker(p: Param, ctx: FieldContext, id: string, onChange: (uri: string | undefined) => void): HTMLElement {
  const accept = p.media.map((kind) => ctx.accept[kind]).filter(Boolean).join(",");
  const file = h("input", { attrs: { id, type: "file", accept: accept || null } });
  const url = h("input", { attrs: { type: "text", placeholder: "or https://… URL", "aria-label": `${p.label} URL` } });
  const status = h("span", { class: "rnb-muted rnb-upload-status", attrs: { "aria-live": "polite" } });
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (!chosen) return onChange(url.value.trim() || undefined);
    url.value = "";
    onChange(
      ctx.upload(chosen, p.name, (text, ok) => {
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
  return h("div", { class: "rnb-inline" }, file, url, status);
}

function mediaField(p: Param, ctx: FieldContext, onChange: (uri: string | undefined) => void): Field {
  const id = uid("f");
  return row(p, filePicker(p, ctx, id, onChange), id);
}

/** First frame, and a last frame where the model takes one (Veo 3.1 keyframes). */
function promptImageField(p: Param, ctx: FieldContext, onChange: OnChange): Field {
  const id = uid("f");
  let first: string | undefined;
  let last: string | undefined;
  const report = () =>
    onChange(
      last === undefined
        ? first
        : [
            ...(first === undefined ? [] : [{ uri: first, position: "first" }]),
            { uri: last, position: "last" },
          ],
    );
  const control = h("div", {}, filePicker(p, ctx, id, (uri) => ((first = uri), report())));
  if (p.positions.includes("last")) {
    const lastId = uid("f");
    control.append(
      h("label", { class: "rnb-muted", text: "Last frame (optional)", attrs: { for: lastId } }),
      filePicker({ ...p, label: "Last frame" }, ctx, lastId, (uri) => ((last = uri), report())),
    );
  }
  return row(p, control, id);
}

/** Up to max_items reference images, each with an optional @Tag for the prompt. */
function referenceImagesField(p: Param, ctx: FieldContext, onChange: OnChange): Field {
  const id = uid("f");
  const items: { uri?: string; tag?: string }[] = [];
  const list = h("div", { class: "rnb-refs" });
  const add = h("button", { class: "rnb-button", text: "Add reference image", attrs: { type: "button" } });
  const report = () => {
    const chosen = items.filter((i) => i.uri).map((i) => (i.tag ? { uri: i.uri, tag: i.tag } : { uri: i.uri }));
    onChange(chosen.length ? chosen : undefined);
  };
  const addItem = () => {
    const item: { uri?: string; tag?: string } = {};
    items.push(item);
    const itemId = items.length === 1 ? id : uid("f");
    const tag = h("input", { attrs: { type: "text", placeholder: "Tag", "aria-label": "tag for @mentions", size: 10 } });
    tag.addEventListener("input", () => ((item.tag = tag.value.trim() || undefined), report()));
    list.append(h("div", { class: "rnb-inline" }, filePicker(p, ctx, itemId, (uri) => ((item.uri = uri), report())), tag));
    add.hidden = p.max_items !== null && items.length >= p.max_items;
  };
  add.addEventListener("click", addItem);
  addItem();
  return row(p, h("div", {}, list, add), id);
}

function guessKind(uri: string, media: string[], types: MediaTypes): string {
  if (uri.startsWith("upload:")) return media[0]; // Python puts the sniffed kind in its place
  const kind = kindOfName(uri.split("?")[0], types);
  return kind && media.includes(kind) ? kind : media[0];
}
