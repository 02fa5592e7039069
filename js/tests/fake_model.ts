// A stand-in for anywidget's model: traits, change events, custom messages both ways.
import type { Model } from "../src/shared";

type Callback = (...args: any[]) => void;

export class FakeModel implements Model {
  sent: { content: any; buffers: any[] }[] = [];
  saves = 0;
  private traits: Record<string, any>;
  private listeners = new Map<string, Set<Callback>>();

  constructor(traits: Record<string, any> = {}) {
    this.traits = structuredClone(traits);
  }
  get(name: string): any {
    return this.traits[name];
  }
  set(name: string, value: unknown): void {
    this.traits[name] = value;
    this.emit(`change:${name}`, value);
  }
  on(event: string, callback: Callback): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(callback);
  }
  off(event?: string | null, callback?: Callback | null): void {
    if (!event) return this.listeners.clear();
    if (!callback) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(callback);
  }
  send(content: unknown, _callbacks?: unknown, buffers: any[] = []): void {
    this.sent.push({ content, buffers });
  }
  save_changes(): void {
    this.saves += 1;
  }
  /** Python changed a trait. */
  update(name: string, value: unknown): void {
    this.set(name, structuredClone(value));
  }
  /** Python sent a custom message (buffers arrive as DataView, as in a real front end). */
  receive(content: unknown, buffers: ArrayBuffer[] = []): void {
    this.emit("msg:custom", content, buffers.map((b) => new DataView(b)));
  }
  listenerCount(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
  private emit(event: string, ...args: unknown[]): void {
    for (const callback of [...(this.listeners.get(event) ?? [])]) callback(...args);
  }
}

/** Render a widget module into a fresh element; returns the element and the cleanup function. */
export function mount(widget: { render: (props: any) => any }, model: FakeModel) {
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el });
  return { el, cleanup: typeof cleanup === "function" ? cleanup : () => {} };
}

/** The text a person sees (hidden elements left out). */
export function visibleText(el: Element): string {
  const parts: string[] = [];
  const walk = (node: Node) => {
    if (node instanceof HTMLElement && (node.hidden || node.tagName === "STYLE")) return;
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? "");
    node.childNodes.forEach(walk);
  };
  walk(el);
  return parts.join(" ").replace(/\s+/g, " ").trim();
}
