"""Avatars, knowledge documents, custom voices and model routers: what an account keeps between tasks.

State lives in memory on the engine's clock. Avatars and voices are PROCESSING for a while
(typical service seconds times the engine's time_scale) and then READY; a ready voice has an MP3
sample and a ready avatar a processed preview image, both from the sandbox's synth. References are
kept honest: an avatar's documents and custom voice must exist, a document lists the avatars that
use it, and an avatar whose voice was deleted shows it as {"deleted": true}.
"""

from __future__ import annotations

import functools
import zlib

from .. import catalog, formats
from ..catalog import overlay
from ..validate import Problem
from .accounts import Refusal
from .collection import Collection, Files, bad_request, stamps
from .schema import body_problems, choices_text

# Typical service seconds (unconfirmed; the API publishes none), scaled by the engine's time_scale.
AVATAR_SECONDS = 60.0
VOICE_SECONDS = 20.0
SAMPLE_TEXT = "Hello! This is a sample of my voice, made in the Runway sandbox."


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def display_name(ident: str) -> str:
    """"tennis-coach" -> "Tennis Coach": presets have ids, the wire also wants names."""
    return ident.replace("-", " ").replace("_", " ").title()


def preset_voice(preset: str) -> dict:
    return {"type": "runway-live-preset", "presetId": preset, "name": display_name(preset),
            "description": f"Runway Live preset voice {display_name(preset)}."}


class Library:
    """The four collections and their rules. Called with the Resources lock held."""

    def __init__(self, engine, files: Files) -> None:
        self.engine, self.files = engine, files
        self.avatars, self.documents = Collection("Avatar"), Collection("Document")
        self.voices, self.routers = Collection("Voice"), Collection("Router")

    def _ready_at(self, typical: float) -> float:
        return self.engine.clock.now() + typical * self.engine.time_scale

    def _check(self, op_id: str, body: dict) -> None:
        found = body_problems(op_id, body)
        if found:
            raise bad_request(found)

    # -- documents ------------------------------------------------------------------------------
    def create_document(self, body: dict, wall: float) -> dict:
        self._check("documents.create", body)
        return self.document(self.documents.add({"name": body["name"], "content": body["content"]}, wall))

    def update_document(self, ident: str, body: dict, wall: float) -> None:
        doc = self.documents.get(ident)
        self._check("documents.update", body)
        doc.update({k: body[k] for k in ("name", "content") if k in body}, _updated=wall)

    def delete_document(self, ident: str) -> None:
        self.documents.remove(ident)
        for avatar in self.avatars.values():
            if ident in avatar["documentIds"]:
                avatar["documentIds"] = [d for d in avatar["documentIds"] if d != ident]

    def document(self, doc: dict, content: bool = True, base_url: str | None = None) -> dict:
        used = [{"id": a["id"], "name": a["name"], "imageUrl": self.avatar_image_url(a, base_url)}
                for a in sorted(self.avatars.values(), key=lambda a: a["_seq"]) if doc["id"] in a["documentIds"]]
        wire = {"id": doc["id"], "name": doc["name"], "type": "text", **stamps(doc), "usedBy": used}
        return {**wire, "content": doc["content"]} if content else wire

    # -- voices ---------------------------------------------------------------------------------
    def create_voice(self, body: dict, wall: float) -> dict:
        self._check("voices.create", body)
        self._check_upload("from.audio", body["from"].get("audio"))
        source = body["from"]
        voice = {"name": body["name"], "description": body.get("description"), "_from": source["type"],
                 "_ready": self._ready_at(VOICE_SECONDS), "_prompt": source.get("prompt", "")}
        return {"id": self.voices.add(voice, wall)["id"]}

    def update_voice(self, ident: str, body: dict, wall: float) -> dict:
        voice = self.voices.get(ident)
        self._check("voices.update", body)
        voice.update({k: body[k] for k in ("name", "description") if k in body}, _updated=wall)
        return self.voice(voice)

    def delete_voice(self, ident: str) -> None:
        self.voices.remove(ident)
        self.files.drop(f"voice-{ident}")

    def voice(self, voice: dict, base_url: str | None = None) -> dict:
        wire = {"id": voice["id"], "name": voice["name"], "description": voice["description"],
                "createdAt": stamps(voice)["createdAt"]}
        if self.engine.clock.now() < voice["_ready"]:
            return {**wire, "status": "PROCESSING"}
        owner = f"voice-{voice['id']}"
        self.files.ensure(owner, "sample.mp3", lambda: self.engine.synth.speech(
            SAMPLE_TEXT, voice=voice["id"], seed=_seed(voice["id"], voice["_prompt"])))
        return {**wire, "status": "READY", "previewUrl": self.files.url(owner, "sample.mp3", base_url)}

    def preview_voice(self, body: dict, base_url: str | None = None) -> dict:
        """POST /v1/voices/preview: a designed voice speaking a sample, made now; nothing is stored."""
        self._check("voices.preview", body)
        seed = _seed(body["model"], body["prompt"])
        owner = f"voice-preview-{seed:08x}"
        self.files.ensure(owner, "preview.mp3", lambda: self.engine.synth.speech(
            SAMPLE_TEXT, voice=body["prompt"], seed=seed))
        seconds = formats.probe_seconds(self.engine.outputs.file(owner, "preview.mp3"))
        return {"url": self.files.url(owner, "preview.mp3", base_url),
                "durationSecs": round(seconds if seconds else max(1.0, len(SAMPLE_TEXT) / 14), 3)}

    # -- avatars --------------------------------------------------------------------------------
    def _check_refs(self, body: dict) -> None:
        found = []
        for i, doc in enumerate(body.get("documentIds") or []):
            if self.documents.find(doc) is None:
                found.append(Problem(f"documentIds.{i}", doc, f"documentIds.{i} {doc!r} is no document of this "
                                     "account; give the id of a document made with POST /v1/documents"))
        voice = body.get("voice") or {}
        if voice.get("type") == "custom" and self.voices.find(voice.get("id")) is None:
            found.append(Problem("voice.id", voice.get("id"), f"voice.id {voice.get('id')!r} is no custom voice of "
                                 "this account; give the id of a voice made with POST /v1/voices"))
        if found:
            raise bad_request(found)

    def _check_upload(self, name: str, uri: object) -> None:
        """A runway:// URI must name an upload this sandbox still holds."""
        if isinstance(uri, str) and uri.startswith("runway://") and self.engine.uploads.lookup(uri) is None:
            raise bad_request([Problem(name, uri, f"{name} {uri!r} names no upload that exists (uploads last "
                                                  "24 hours); upload the file again with POST /v1/uploads")])

    def create_avatar(self, body: dict, wall: float, base_url: str | None = None) -> dict:
        self._check("avatars.create", body)
        self._check_refs(body)
        self._check_upload("referenceImage", body["referenceImage"])
        avatar = {"name": body["name"], "personality": body["personality"], "voice": body["voice"],
                  "documentIds": list(body.get("documentIds") or []), "startScript": body.get("startScript"),
                  "_image": body["referenceImage"], "_ready": self._ready_at(AVATAR_SECONDS)}
        return self.avatar(self.avatars.add(avatar, wall), base_url)

    def update_avatar(self, ident: str, body: dict, wall: float, base_url: str | None = None) -> dict:
        avatar = self.avatars.get(ident)
        self._check("avatars.update", body)
        self._check_refs(body)
        self._check_upload("referenceImage", body.get("referenceImage"))
        for key in ("name", "personality", "voice", "startScript"):
            if key in body:
                avatar[key] = body[key]
        if "documentIds" in body:
            avatar["documentIds"] = list(body["documentIds"])  # "Replaces all current attachments"
        if "referenceImage" in body or "imageProcessing" in body:  # a new image is processed again
            avatar["_image"] = body.get("referenceImage", avatar["_image"])
            avatar["_ready"] = self._ready_at(AVATAR_SECONDS)
            self.files.drop(f"avatar-{ident}")
        avatar["_updated"] = wall
        return self.avatar(avatar, base_url)

    def delete_avatar(self, ident: str) -> None:
        self.avatars.remove(ident)
        self.files.drop(f"avatar-{ident}")

    def avatar_image_url(self, avatar: dict, base_url: str | None = None) -> str | None:
        if self.engine.clock.now() < avatar["_ready"]:
            return None
        owner = f"avatar-{avatar['id']}"
        self.files.ensure(owner, "processed.png", lambda: self.engine.synth.image(
            256, 256, seed=_seed(avatar["id"], avatar["_image"][:200]), prompt=avatar["name"]))
        return self.files.url(owner, "processed.png", base_url)

    def _voice_of(self, spec: dict) -> dict:
        if spec["type"] == "runway-live-preset":
            return preset_voice(spec["presetId"])
        voice = self.voices.find(spec["id"])
        if voice is None:
            return {"type": "custom", "id": spec["id"], "deleted": True}
        return {"type": "custom", "id": spec["id"], "deleted": False, "name": voice["name"],
                "description": voice["description"]}

    def avatar(self, avatar: dict, base_url: str | None = None) -> dict:
        ready = self.engine.clock.now() >= avatar["_ready"]
        image = avatar["_image"]
        return {"id": avatar["id"], **stamps(avatar), "name": avatar["name"], "personality": avatar["personality"],
                "documentIds": list(avatar["documentIds"]), "startScript": avatar["startScript"],
                "referenceImageUri": image if not image.startswith("data:") else None,
                "processedImageUri": self.avatar_image_url(avatar, base_url), "status": "READY" if ready else "PROCESSING",
                "voice": self._voice_of(avatar["voice"])}

    # -- routers --------------------------------------------------------------------------------
    def _check_models(self, settings: dict | None) -> None:
        """"Each id must be a known public video or image model name (unknown ids are rejected)"."""
        ids = ((settings or {}).get("models") or {}).get("ids") or []
        known = router_models()
        found = [Problem(f"settings.models.ids.{i}", x, f"settings.models.ids.{i} {x!r} is no public video or "
                         f"image model; give {choices_text(known)}") for i, x in enumerate(ids) if x not in known]
        if found:
            raise bad_request(found)

    def create_router(self, body: dict, wall: float) -> dict:
        self._check("routers.create", body)
        self._check_models(body.get("settings"))
        if any(r["slug"] == body["slug"] for r in self.routers.values()):
            raise Refusal(409, {"error": f"slug {body['slug']!r} is taken: slugs are unique within the API "
                                         "project; choose another or update the existing Model Router"})
        # "Defaults to cost-optimized allow-all when omitted"
        settings = {"schemaVersion": 1, "optimizeFor": "cost",
                    "models": {"mode": "allow_new_except", "ids": []}}
        _merge(settings, body.get("settings") or {})
        router = {"slug": body["slug"], "name": body.get("name", body["slug"]),
                  "description": body.get("description"), "settings": settings, "version": 1, "_requests": []}
        return self.router(self.routers.add(router, wall))

    def update_router(self, ident: str, body: dict, wall: float) -> dict:
        router = self.routers.get(ident)
        self._check("routers.update", body)
        self._check_models(body.get("settings"))
        router.update({k: body[k] for k in ("name", "description") if k in body}, _updated=wall)
        if "settings" in body:  # "Settings changes append a new version; name and description updates do not"
            _merge(router["settings"], body["settings"])
            router["settings"]["schemaVersion"] = 1
            router["version"] += 1
        return self.router(router)

    def router(self, router: dict) -> dict:
        return {"id": router["id"], **stamps(router), "slug": router["slug"], "name": router["name"],
                "description": router["description"], "settings": router["settings"], "version": router["version"]}


@functools.cache
def router_models() -> tuple[str, ...]:
    """The SDK's model ids that make video or images (retired models kept for old examples are not public)."""
    return tuple(sorted(m for m in catalog.api.model_ids()
                        if any(overlay.output_kind(op.id) in (catalog.VIDEO, catalog.IMAGE)
                               for op in catalog.api.operations_of(m))))


def _merge(into: dict, changes: dict) -> None:
    """The routers' nested merge: objects merge key by key, null removes (maxCreditsPerGeneration)."""
    for key, value in changes.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
