"""Published workflows and their invocations: a run walks the graph's generation nodes on the clock.

The sandbox publishes two small workflows (one in two versions). A run checks its nodeOutputs
(keys must be node ids of the graph, values typed as the SDK states), then its invocation is PENDING
a moment, RUNNING node after node (each taking the node model's typical time times the engine's
time_scale, finished nodes' outputs already listed), and SUCCEEDED with every node's output URL
and the credits the nodes cost (pricing.estimate). Media are made by the synth of the node's kind
when the invocation is first seen past that node's end. The engine's fault profile applies: a run
drawn to fail (fail_rate) ends FAILED at one of its nodes, with nodeErrors naming it.
"""

from __future__ import annotations

import uuid
import zlib

from .. import catalog, pricing
from ..validate import Problem
from .collection import Collection, Files, bad_request, not_found
from .schema import body_problems
from .task import FAILURE_MESSAGES, iso

PENDING_SECONDS = 2.0
_NS = uuid.UUID("6f1d0c52-4c1e-4a57-9d0e-2b8f8f1f0a11")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _graph(name: str, version: int, generators: list[dict], prompt: str) -> dict:
    prompt_id = _id(name, str(version), "prompt")
    nodes = [{"id": prompt_id, "name": "Prompt", "type": "input",
              "outputs": {"text": {"type": "primitive", "value": prompt}}}]
    edges = []
    for g in generators:
        node = {"id": _id(name, str(version), g["name"]), "type": "generation", **g}
        nodes.append(node)
        edges.append({"source": prompt_id, "sourceOutput": "text", "target": node["id"], "targetInput": "prompt"})
    return {"version": 1, "nodes": nodes, "edges": edges}


# (name, description, versions: [(version, service seconds after start, generation nodes, default prompt)])
_IMAGE = {"name": "Still", "model": "gen4_image", "kind": catalog.IMAGE, "width": 1280, "height": 720,
          "body": {"model": "gen4_image", "ratio": "1280:720"}}
_IMAGE_FAST = {**_IMAGE, "model": "gen4_image_turbo", "body": {"model": "gen4_image_turbo", "ratio": "1280:720"}}
_VIDEO = {"name": "Clip", "model": "gen4_turbo", "kind": catalog.VIDEO, "width": 640, "height": 360, "seconds": 2,
          "body": {"model": "gen4_turbo", "ratio": "1280:720", "duration": 5}}
_VOICE = {"name": "Narration", "model": "eleven_multilingual_v2", "kind": catalog.AUDIO,
          "body": {"model": "eleven_multilingual_v2"}}
SEEDS = (
    ("Product still", "One prompt, one studio image.", [
        (1, 86400.0 * 7, [_IMAGE], "A ceramic mug on a wooden table, soft morning light"),
        (2, 86400.0 * 2, [_IMAGE_FAST], "A ceramic mug on a wooden table, soft morning light"),
    ]),
    ("Teaser with narration", "A short clip and a voice-over from one prompt.", [
        (1, 86400.0 * 3, [_VIDEO, _VOICE], "A paper boat drifting down a rainy street"),
    ]),
)


class Workflows:
    """The published workflows (fixed at start) and the invocations runs create."""

    def __init__(self, engine, files: Files) -> None:
        self.engine, self.files = engine, files
        self.workflows: dict[str, dict] = {}
        self.invocations = Collection("Workflow invocation")
        published = engine.wall()
        for name, description, versions in SEEDS:
            for version, age, generators, prompt in versions:
                wid = _id(name, str(version))
                self.workflows[wid] = {"id": wid, "name": name, "description": description, "version": version,
                                       "createdAt": iso(published - age), "updatedAt": iso(published - age),
                                       "graph": _graph(name, version, generators, prompt)}

    def get(self, ident: str) -> dict:
        if ident not in self.workflows:
            raise not_found("Workflow", ident)
        return self.workflows[ident]

    def listing(self) -> dict:
        groups: dict[str, list[dict]] = {}
        for w in self.workflows.values():
            groups.setdefault(w["name"], []).append(w)
        return {"data": [{"name": name, "versions": [{"id": w["id"], "createdAt": w["createdAt"], "version": w["version"]}
                                                     for w in sorted(ws, key=lambda w: -w["version"])]}
                         for name, ws in groups.items()]}

    def run(self, ident: str, body: dict, wall: float) -> dict:
        workflow = self.get(ident)
        found = body_problems("workflows.run", body)
        nodes = {n["id"]: n for n in workflow["graph"]["nodes"]}
        for key in (body.get("nodeOutputs") or {}) if not found else ():
            if key not in nodes:
                found.append(Problem(f"nodeOutputs.{key}", key, f"nodeOutputs.{key}: {key!r} is no node of workflow "
                                     f"{workflow['name']!r} v{workflow['version']}; give one of {', '.join(nodes)}"))
        if found:
            raise bad_request(found)
        prompt_node = workflow["graph"]["nodes"][0]
        override = (body.get("nodeOutputs") or {}).get(prompt_node["id"], {}).get("text", {})
        prompt = str(override.get("value", prompt_node["outputs"]["text"]["value"]))
        start = self.engine.clock.now() + PENDING_SECONDS * self.engine.time_scale
        steps, credits = [], 0
        for node in workflow["graph"]["nodes"][1:]:
            typical = catalog.typical_seconds(node["model"], node.get("seconds", 0)) * self.engine.time_scale
            start += typical
            steps.append((node, start))
            credits += pricing.estimate(node["model"], {**node["body"], "promptText": prompt}).credits
        fault = self.engine.faults.on_task()
        failing = min(int(fault.fail_at * len(steps)), len(steps) - 1) if fault.failure_code else None
        invocation = {"_t0": self.engine.clock.now(), "_steps": steps, "_prompt": prompt, "_credits": credits,
                      "_failure": (failing, fault.failure_code) if failing is not None else None}
        return {"id": self.invocations.add(invocation, wall)["id"]}

    def invocation(self, inv: dict, base_url: str | None = None) -> dict:
        now = self.engine.clock.now()
        wire = {"id": inv["id"], "createdAt": iso(inv["_created"])}
        begun = inv["_t0"] + PENDING_SECONDS * self.engine.time_scale
        if now < begun:
            return {**wire, "status": "PENDING"}
        done = [(node, end) for node, end in inv["_steps"] if end <= now]
        if inv["_failure"] is not None and len(done) > inv["_failure"][0]:
            return {**wire, **self._failed(inv)}
        output = {node["id"]: [self._output(inv, node, base_url)] for node, _ in done}
        if len(done) < len(inv["_steps"]):
            total = inv["_steps"][-1][1] - begun
            return {**wire, "status": "RUNNING", "output": output, "progress": round(min(0.99, (now - begun) / total), 4)}
        return {**wire, "status": "SUCCEEDED", "output": output, "cost": {"credits": int(inv["_credits"])}}

    @staticmethod
    def _failed(inv: dict) -> dict:
        """The run stopped at its failing node; only the nodes before it were charged."""
        index, code = inv["_failure"]
        node = inv["_steps"][index][0]
        message = FAILURE_MESSAGES.get(code, FAILURE_MESSAGES["INTERNAL"])
        spent = sum(pricing.estimate(n["model"], {**n["body"], "promptText": inv["_prompt"]}).credits
                    for n, _ in inv["_steps"][:index])
        return {"status": "FAILED", "failure": f"Node {node['name']!r} failed: {message}", "failureCode": code,
                "nodeErrors": {node["id"]: {"message": message, "failureCode": code, "nodeName": node["name"]}},
                "cost": {"credits": int(spent)}}

    def _output(self, inv: dict, node: dict, base_url: str | None) -> str:
        owner, synth = f"invocation-{inv['id']}", self.engine.synth
        seed = zlib.crc32(f"{inv['id']}/{node['id']}".encode())
        prompt = inv["_prompt"]
        if node["kind"] == catalog.IMAGE:
            name, make = f"{node['id']}.png", lambda: synth.image(node["width"], node["height"], seed=seed, prompt=prompt)
        elif node["kind"] == catalog.VIDEO:
            name, make = f"{node['id']}.mp4", lambda: synth.video(node["width"], node["height"], node["seconds"],
                                                                  seed=seed, prompt=prompt)
        else:
            name, make = f"{node['id']}.mp3", lambda: synth.speech(prompt, voice=node["name"], seed=seed)
        self.files.ensure(owner, name, make)
        return self.files.url(owner, name, base_url)
