"""Realtime avatar sessions and the conversations they leave behind, on the engine's clock.

The sandbox has no WebRTC, so a simulated caller joins every session: NOT_READY while provisioning,
READY (a session key) until the caller connects, RUNNING while they talk (maxDuration, or 30 s when
unset, at most that), then COMPLETED. The session id is the conversation id (as the API says); the
conversation shows the transcript (the start script, spoken by the avatar) and, once ended, a
recording made by the synth. DELETE cancels a live session; a deleted conversation is gone.
All phases are typical service seconds times the engine's time_scale.
"""

from __future__ import annotations

import secrets
import zlib
from datetime import UTC, datetime, timedelta

from ..validate import Problem
from .collection import Collection, Files, bad_request, not_found, page
from .library import Library, display_name
from .schema import Query, body_problems
from .task import iso

PROVISION_SECONDS = 8.0
CONNECT_SECONDS = 4.0
TALK_SECONDS = 30  # when maxDuration is not set
KEY_SECONDS = 60.0  # how long a READY session's key lasts (scaled like the rest)
USAGE_MAX_DAYS = 90  # "The date range must not exceed 90 days"


class Sessions:
    """Realtime sessions by id; conversations are the same records seen another way."""

    def __init__(self, engine, files: Files, library: Library) -> None:
        self.engine, self.files, self.library = engine, files, library
        self.sessions = Collection("Realtime session")

    def _at(self, session: dict, seconds: float) -> float:
        return session["_t0"] + seconds * self.engine.time_scale

    def _phases(self, s: dict) -> tuple[float, float, float]:
        """Clock times the session becomes READY, RUNNING and COMPLETED."""
        ready = self._at(s, PROVISION_SECONDS)
        running = self._at(s, PROVISION_SECONDS + CONNECT_SECONDS)
        return ready, running, running + s["_talk"] * self.engine.time_scale

    def status(self, s: dict, now: float) -> str:
        if s["_cancelled"] is not None:
            return "CANCELLED"
        ready, running, done = self._phases(s)
        return ("NOT_READY" if now < ready else "READY" if now < running else "RUNNING" if now < done
                else "COMPLETED")

    # -- realtime sessions --------------------------------------------------------------------------
    def create(self, body: dict, wall: float) -> dict:
        found = body_problems("realtime_sessions.create", body)
        avatar = body.get("avatar") if isinstance(body, dict) else None
        if not found and avatar["type"] == "custom" and self.library.avatars.find(avatar["avatarId"]) is None:
            found = [Problem("avatar.avatarId", avatar["avatarId"], f"avatar.avatarId {avatar['avatarId']!r} is no "
                             "avatar of this account; give the id of an avatar made with POST /v1/avatars")]
        if found:
            raise bad_request(found)
        custom = self.library.avatars.find(avatar.get("avatarId"))
        script = body.get("startScript", custom["startScript"] if custom else None)
        talk = min(body["maxDuration"], TALK_SECONDS) if "maxDuration" in body else TALK_SECONDS
        session = {"_avatar": avatar, "_name": custom["name"] if custom else display_name(avatar.get("presetId", "")),
                   "_script": script, "_tools": body.get("tools", []), "_max": body.get("maxDuration"),
                   "_talk": max(0, talk), "_t0": self.engine.clock.now(), "_cancelled": None,
                   "_key": "rts_" + secrets.token_urlsafe(24), "_gone": False}
        return {"id": self.sessions.add(session, wall)["id"]}

    def session(self, s: dict) -> dict:
        now = self.engine.clock.now()
        status = self.status(s, now)
        wire = {"id": s["id"], "createdAt": iso(s["_created"]), "status": status}
        if status == "NOT_READY":
            return {**wire, "queued": False}
        if status == "READY":
            ready = self._phases(s)[0]
            return {**wire, "sessionKey": s["_key"],
                    "expiresAt": iso(self.engine.wall(ready + KEY_SECONDS * self.engine.time_scale))}
        if status == "COMPLETED":
            return {**wire, "duration": s["_talk"]}
        return wire

    def cancel(self, ident: str) -> None:
        s = self.sessions.get(ident)
        if self.status(s, self.engine.clock.now()) in ("NOT_READY", "READY", "RUNNING"):
            s["_cancelled"] = self.engine.clock.now()

    # -- conversations ------------------------------------------------------------------------------
    def conversation_record(self, ident: str) -> dict:
        s = self.sessions.find(ident)
        if s is None or s["_gone"]:
            raise not_found("Conversation", ident)
        return s

    def delete_conversation(self, ident: str) -> None:
        s = self.conversation_record(ident)
        s["_gone"] = True  # "Permanently delete a conversation, including its transcript and recording"
        self.files.drop(f"conversation-{ident}")

    def _times(self, s: dict) -> tuple[float | None, float | None]:
        """Clock times the talk started and ended (None when it has not)."""
        now = self.engine.clock.now()
        _, running, done = self._phases(s)
        end = min(done, s["_cancelled"]) if s["_cancelled"] is not None else done
        started = running if min(now, end) >= running else None
        ended = end if now >= end and started is not None else None
        return started, ended

    def _avatar(self, s: dict, listing: bool) -> dict:
        spec = s["_avatar"]
        if spec["type"] == "runway-preset":
            wire = {"type": "runway-preset", "presetId": spec["presetId"]}
            return {**wire, "name": display_name(spec["presetId"])} if listing else wire
        avatar = self.library.avatars.find(spec["avatarId"])
        wire = {"type": "custom", "id": avatar["id"] if avatar else None, "name": avatar["name"] if avatar else None}
        return wire if listing else {**wire, "imageUrl": self.library.avatar_image_url(avatar) if avatar else None}

    def _status(self, s: dict) -> str:
        status = self.status(s, self.engine.clock.now())
        return "ended" if status in ("COMPLETED", "CANCELLED") else "in_progress"

    def _duration(self, s: dict) -> int | None:
        started, ended = self._times(s)
        if started is None:
            return None
        until = ended if ended is not None else self.engine.clock.now()
        return int(round((until - started) / self.engine.time_scale))

    def summary(self, s: dict) -> dict:
        return {"id": s["id"], "avatar": self._avatar(s, True), "createdAt": iso(s["_created"]),
                "duration": self._duration(s), "hasTools": bool(s["_tools"]), "name": f"Conversation with {s['_name']}",
                "status": self._status(s)}

    def conversation(self, s: dict, base_url: str | None = None) -> dict:
        started, ended = self._times(s)
        wall = self.engine.wall
        transcript = []
        if started is not None and s["_script"]:
            transcript.append({"role": "assistant", "content": s["_script"], "timestamp": iso(wall(started))})
        recording = None
        if ended is not None and s["_script"]:
            owner = f"conversation-{s['id']}"
            self.files.ensure(owner, "recording.mp3", lambda: self.engine.synth.speech(
                s["_script"], voice=s["_name"], seed=zlib.crc32(s["id"].encode())))
            recording = self.files.url(owner, "recording.mp3", base_url)
        status = self._status(s)
        wire = {"id": s["id"], "avatar": self._avatar(s, False), "createdAt": iso(s["_created"]),
                "duration": self._duration(s), "maxDuration": s["_max"], "name": f"Conversation with {s['_name']}",
                "recordingUrl": recording, "startedAt": iso(wall(started)) if started is not None else None,
                "status": status, "transcript": transcript,
                "tools": [{"name": t["name"], "description": t["description"], "type": t["type"]} for t in s["_tools"]]}
        return {**wire, "endedAt": iso(wall(ended)) if ended is not None else None} if status == "ended" else wire

    def list_conversations(self, params) -> dict:
        q = Query(params)
        limit, cursor, avatar = q.int("limit", required=True), q.text("cursor"), q.text("avatar")
        start, end = q.time("startDate"), q.time("endDate")
        if q.problems:
            raise bad_request(q.problems)
        shown = [s for s in self.sessions.values() if not s["_gone"]
                 and (avatar is None or s["_avatar"].get("avatarId") == avatar)
                 and (start is None or s["_created"] >= start) and (end is None or s["_created"] < end)]
        return page(shown, limit, cursor, self.summary)

    # -- usage ----------------------------------------------------------------------------------
    def usage(self, params) -> dict:
        """GET /v1/avatar_usage: sessions started and measured seconds, per UTC day, zero days included."""
        q = Query(params)
        start, end = q.time("startDate", required=True), q.time("endDate", required=True)
        if not q.problems and end <= start:
            q.problems.append(Problem("endDate", params["endDate"], f"endDate {params['endDate']!r} must be after "
                                      f"startDate {params['startDate']!r}"))
        elif not q.problems and end - start > USAGE_MAX_DAYS * 86400:
            q.problems.append(Problem("endDate", params["endDate"], f"endDate {params['endDate']!r} is more than "
                                      f"{USAGE_MAX_DAYS} days after startDate {params['startDate']!r}; give a shorter range"))
        if q.problems:
            raise bad_request(q.problems)
        first = datetime.fromtimestamp(start, UTC).date()
        last = datetime.fromtimestamp(end - 1e-6, UTC).date()
        days = {first + timedelta(d): [0, 0] for d in range((last - first).days + 1)}
        measured = []
        for s in self.sessions.values():
            if not start <= s["_created"] < end:
                continue
            day = days[datetime.fromtimestamp(s["_created"], UTC).date()]
            day[1] += 1
            if self._times(s)[1] is not None:
                seconds = self._duration(s) or 0
                day[0] += seconds
                measured.append(seconds)
        total = sum(measured)
        return {"byDay": [{"date": d.isoformat(), "seconds": sec, "sessions": n} for d, (sec, n) in days.items()],
                "totalSeconds": total, "totalSessions": sum(n for _, n in days.values()),
                "avgDurationSeconds": round(total / len(measured)) if measured else 0}
