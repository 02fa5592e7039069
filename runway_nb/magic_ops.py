"""What %runway does for the catalog and the API's non-task resources: the models table, custom
voices, workflows. Plain functions over a Session (no IPython), each answering a printable Table.

Task-creating subcommands go through magic_actions.submit (one plan, one check); these send one
request each, checked first against the operation's shape (catalog.api), so a bad body is refused
naming the field before anything is sent.
"""

from __future__ import annotations

from typing import Any

from . import catalog, shapes
from .catalog import api, overlay
from .magic_actions import Table
from .magic_models import VOICE_DESIGN_MODELS, ArgsError, apply_sets, models_on, price_text

# What the operations that start no task make (overlay.OUTPUT_KIND covers those that do): a voice
# design model speaks a preview (runwayml 5.24.0: VoicePreviewResponse.url, "audio preview").
NON_TASK_KIND = {"voices.preview": catalog.AUDIO, "voices.create": catalog.AUDIO, "realtime_sessions.create": catalog.VIDEO}
NON_TASK_MAGIC = {"voices.preview": "%runway voices design"}


# -- the models table --------------------------------------------------------------------------------
def models_table(kind: str | None = None) -> Table:
    """Every model of the catalog, grouped by kind then provider: where %runway reaches it, its price
    (hand-kept, or "price not published"), and whether the current API has retired it."""
    from .magic_args import SUBS

    sub_of: dict[str, list[str]] = {}
    for s in SUBS.values():
        for path in s.paths:
            for m in models_on(path):
                sub_of.setdefault(m, []).append(s.name)
    kinds: dict[str, set[str]] = {}
    for m, model in catalog.MODELS.items():
        kinds.setdefault(m, set()).add(model.kind)
    for op in api.operations().values():
        for m in op.models:
            made = overlay.output_kind(op.id) or NON_TASK_KIND.get(op.id)
            if made:
                kinds.setdefault(m, set()).add(made)
            if op.id in NON_TASK_MAGIC:
                sub_of.setdefault(m, []).append(NON_TASK_MAGIC[op.id].removeprefix("%runway "))
    rows = []
    for m, ks in kinds.items():
        k = sorted(ks, key=catalog.KINDS.index)[0] if ks <= set(catalog.KINDS) else sorted(ks)[0]
        if kind and kind not in ks:
            continue
        facts = overlay.facts(m)
        ops = [op.id.removesuffix(".create") for op in api.operations_of(m)] or [
            e.path.rsplit("/", 1)[-1] for e in catalog.MODELS[m].endpoints]
        rows.append({"kind": k, "provider": facts.provider, "model": m,
                     "magic": ", ".join(f"%runway {s}" for s in dict.fromkeys(sub_of.get(m, ()))) or "RunwayML()",
                     "price": price_text(m), "status": f"retired ({facts.retired})" if facts.retired else "",
                     "operations": ", ".join(ops)})
    rows.sort(key=lambda r: (catalog.KINDS.index(r["kind"]) if r["kind"] in catalog.KINDS else 9,
                             r["provider"], r["model"]))
    retired = sum(1 for r in rows if r["status"])
    title = (f"{len(rows)} models (runwayml {api.sdk_version()} + the seed's hand-kept table; {retired} retired); "
             "1 credit = $0.01; unpublished prices show as the server's estimate once a task starts")
    return Table(rows, ("kind", "provider", "model", "magic", "price", "status", "operations"), title)


# -- requests checked against their shape ---------------------------------------------------------
def _check(op_id: str, body: dict, model: str | None = None) -> None:
    """Refuse a non-task body the SDK's types would refuse, naming the field, before it is sent."""
    op = api.operation(op_id)
    node = api.variant(op_id, model) if model else op.params_shape
    if model and node is None:
        raise ArgsError(f"--model {model!r} is not one {op_id} takes; choose {', '.join(op.models)}")
    if isinstance(node, str):
        node = api.shape(node)
    if node is None:
        return
    found = shapes.problems(node, body, "", f"{op_id}" + (f" ({model})" if model else ""))
    if found:
        raise ArgsError("\n".join(p.message for p in found))


def _record_table(record: Any, title: str) -> Table:
    data = record.to_dict() if hasattr(record, "to_dict") else dict(record or {})
    return Table([{"field": k, "value": v} for k, v in data.items()], ("field", "value"), title)


# -- voices ------------------------------------------------------------------------------------------
def voices(session: Any, action: str, words: list[str], *, model: str | None = None, audio: Any = None,
           description: str | None = None, limit: int = 20) -> Table:
    """voices [list] | preview PROMPT | design NAME PROMPT (or --audio CLIP) | delete ID."""
    client = session.client()
    if action == "list":
        page = client.voices.list(limit=limit)
        rows = [{"id": v.get("id"), "name": v.get("name"), "status": v.get("status"),
                 "created": v.get("createdAt"), "description": v.get("description") or "",
                 "preview": v.get("previewUrl") or v.get("failureReason") or ""} for v in page.data]
        return Table(rows, ("id", "name", "status", "created", "description", "preview"),
                     f"{len(rows)} custom voice(s); use one where a model takes a custom voice: --voice ID")
    if action == "delete":
        if len(words) != 1:
            raise ArgsError("voices delete ID: give one voice id (%runway voices lists them)")
        client.voices.delete(words[0])
        return Table([{"id": words[0], "status": "deleted"}], ("id", "status"))
    model = model or VOICE_DESIGN_MODELS[0]
    if action == "preview":
        body = {"model": model, "prompt": " ".join(words)}
        _check("voices.preview", body, model)
        answer = client.voices.preview(**body)
        return _record_table(answer, f"a preview of the voice ({model}); design it to keep it: "
                                     "%runway voices design NAME <the same description>")
    if action == "design":
        if not words:
            raise ArgsError("voices design NAME DESCRIPTION... (or NAME --audio CLIP): give the voice a name")
        name, prompt = words[0], " ".join(words[1:])
        if audio is not None:
            from . import media

            uri = media.prepare_sync(audio, field="from.audio", kinds=("audio",), http=client._core.http)
            source = {"type": "audio", "audio": uri}
        else:
            source = {"type": "text", "model": model, "prompt": prompt}
        body = {"name": name, "from": source, **({"description": description} if description else {})}
        _check("voices.create", {**body, "from": {**source, "audio": "https://x.invalid/a.mp3"}}
               if audio is not None else body)
        answer = client.voices.create(name=name, from_=source, description=description)
        return _record_table(answer, f"voice {name!r} created; it is ready when %runway voices shows READY")
    raise ArgsError(f"voices {action!r}: choose list, preview, design or delete")


# -- workflows ---------------------------------------------------------------------------------------
def _node_outputs(sets: list[str]) -> dict:
    """--set NODE.KEY=VALUE -> nodeOutputs {NODE: {KEY: {type, ...}}}: a plain value is a primitive, a
    URL an image/video/audio by its extension, an object (JSON) is sent as written."""
    from .magic_inputs import EXTENSIONS

    raw: dict = {}
    apply_sets(raw, sets, None, "workflows.run")
    out: dict = {}
    for node, outputs in raw.items():
        if not isinstance(outputs, dict):
            raise ArgsError(f"--set {node}={outputs!r}: write --set NODE_ID.OUTPUT_KEY=VALUE")
        for key, value in outputs.items():
            if isinstance(value, dict):
                out.setdefault(node, {})[key] = value
                continue
            kind = EXTENSIONS.get(str(value).rsplit(".", 1)[-1].lower()) if isinstance(value, str) and \
                str(value).startswith(("https://", "runway://", "data:")) else None
            out.setdefault(node, {})[key] = {"type": kind, "uri": value} if kind else {"type": "primitive",
                                                                                      "value": value}
    return out


def workflow(session: Any, ref: str | None, sets: list[str] | None = None) -> Any:
    """No id: the published workflows (a Table). An id: run it (nodeOutputs from --set), checked first
    and kept within the budget, and answer the invocation as a followed magic Result."""
    from .magic_actions import check_budget

    client = session.client()
    if ref is None:
        answer = client.workflows.list()
        rows = [{"name": w.get("name"), "latest": (w.get("versions") or [{}])[0].get("id"),
                 "version": (w.get("versions") or [{}])[0].get("version"), "versions": len(w.get("versions") or [])}
                for w in answer.get("data") or []]
        return Table(rows, ("name", "latest", "version", "versions"),
                     "published workflows; run one: %runway workflow ID [--set NODE.KEY=VALUE]")
    body = {"nodeOutputs": _node_outputs(sets or [])} if sets else {}
    _check("workflows.run", body)
    check_budget(session, None, f"workflow {ref}")  # Runway states a workflow's cost only once it has run
    folder = session.settings.output_folder
    task = session.client(folder).workflows.run(ref, **({"node_outputs": body["nodeOutputs"]} if body else {}))
    return session.track(task, None, folder)
