"""The linked web-app workspace's reports: per-generation credit usage and the audit log.

A sandbox has no web app, so it links one small made-up workspace with a fixed history (a few
logins, an invite, some generations and a refund over the last ten days, relative to when the
sandbox started). Both lists are newest first, filtered by the window and lists the SDK states
(comma-separated, up to 50 items, actions from the documented set), and paged with cursors.
"""

from __future__ import annotations

import re
import uuid

from ..catalog import api
from ..validate import Problem
from .collection import bad_request, not_found, page
from .schema import Query
from .task import iso

ORGANIZATION_ID = "org_sandbox"
WORKSPACE = {"workspaceId": 1001, "workspaceName": "Sandbox workspace"}
USERS = (("ada@example.com", "ada"), ("lin@example.com", "lin"))
_NS = uuid.UUID("0b6c3f4e-7a55-4d1c-8d77-5a0f0e9e2c31")
DAY = 86400.0

# (days ago, user index, tool, credits; negative = refund)
_USAGE = ((9.5, 0, "Gen-4.5", 50), (8.2, 1, "Gen-4 Image", 5), (6.1, 0, "Gen-4 Turbo", 25), (6.0, 0, "Gen-4 Turbo", -25),
          (4.4, 1, "Veo 3.1 Fast", 60), (2.7, 0, "Gen-4 Image Turbo", 2), (1.3, 1, "Gen-4.5", 100),
          (0.4, 0, "ElevenLabs Multilingual v2", 1))
# (days ago, user index, action, resource type, metadata)
_AUDIT = ((10.0, 0, "WorkspaceCreated", "workspace", {"Workspace name": WORKSPACE["workspaceName"]}),
          (9.9, 0, "MemberInvited", "membership", {"Invited member": USERS[1][0], "Role": "editor"}),
          (9.8, 1, "InviteAccepted", "membership", {"Role": "editor"}),
          (9.5, 0, "GenerationCreated", "generation", {"Model": "gen4.5"}),
          (5.0, 1, "UserLogin", "user", {"Login method": "password"}),
          (3.0, 0, "AccountLinkCreated", "account_link", {"Via public API": True}),
          (1.3, 1, "GenerationCreated", "generation", {"Model": "gen4.5"}),
          (0.2, 0, "UserLogin", "user", {"Login method": "sso"}))


def audit_actions() -> tuple[str, ...]:
    """The actions the SDK's `actions` docstring allows ("Allowed values: `UserLogin`, ...")."""
    op = api.operation("organization.webapp.audit_logs.list")
    return tuple(re.findall(r"`(\w+)`", api.shape(op.params_shape)["fields"]["actions"]["doc"]))


def _key(row: dict) -> tuple:
    return (row["_created"], row["_seq"])


class Webapp:
    """Fixed rows, dated from the sandbox's start on its wall clock."""

    def __init__(self, engine) -> None:
        start = engine.wall()
        self.usage_rows = [
            {"_created": start - ago * DAY, "_seq": i, **WORKSPACE, "email": USERS[u][0], "tool": tool,
             "credits": float(credits), "type": "refund" if credits < 0 else "charge"}
            for i, (ago, u, tool, credits) in enumerate(_USAGE)]
        self.audit = {}
        for i, (ago, u, action, resource, meta) in enumerate(_AUDIT):
            event = str(uuid.uuid5(_NS, f"{i}/{action}"))
            self.audit[event] = {"_created": start - ago * DAY, "_seq": i, "eventId": event, "action": action,
                                 "actorDeleted": False, "actorEmail": USERS[u][0], "actorUsername": USERS[u][1],
                                 "_resource": resource, "_meta": meta, **WORKSPACE}

    def _common(self, q: Query) -> tuple[list[int] | None, str | None]:
        org = q.text("organizationId")
        workspaces = q.csv("workspaceIds", max_items=50)
        ids = []
        for w in workspaces or []:
            if not w.isdigit():
                q.problems.append(Problem("workspaceIds", w, f"workspaceIds item {w!r} is not a workspace id; "
                                          "give numeric ids separated by commas"))
            else:
                ids.append(int(w))
        return (ids if workspaces is not None else None), org

    def _check_org(self, org: str | None) -> None:
        if org is not None and org != ORGANIZATION_ID:
            raise not_found("Organization", org)

    def list_usage(self, params) -> dict:
        q = Query(params)
        limit, cursor = q.int("limit", required=True), q.text("cursor")
        start, end = q.time("from", required=True, dates=True), q.time("to", required=True, dates=True)
        workspaces, org = self._common(q)
        if q.problems:
            raise bad_request(q.problems)
        self._check_org(org)
        rows = [r for r in self.usage_rows if start <= r["_created"] < end
                and (workspaces is None or r["workspaceId"] in workspaces)]
        return page(rows, limit, cursor, self._usage_row, key=_key)

    @staticmethod
    def _usage_row(r: dict) -> dict:
        return {k: v for k, v in r.items() if not k.startswith("_")} | {"timestamp": iso(r["_created"])}

    def list_audit(self, params) -> dict:
        q = Query(params)
        limit, cursor = q.int("limit", required=True), q.text("cursor")
        start, end = q.time("from"), q.time("to")
        actions = q.csv("actions", max_items=50, values=audit_actions())
        emails = q.csv("actorEmails", max_items=50)
        workspaces, org = self._common(q)
        if q.problems:
            raise bad_request(q.problems)
        self._check_org(org)
        rows = [e for e in self.audit.values()
                if (start is None or e["_created"] >= start) and (end is None or e["_created"] < end)
                and (actions is None or e["action"] in actions) and (emails is None or e["actorEmail"] in emails)
                and (workspaces is None or e["workspaceId"] in workspaces)]
        return page(rows, limit, cursor, self._audit_row, key=_key)

    @staticmethod
    def _audit_row(e: dict) -> dict:
        return {k: v for k, v in e.items() if not k.startswith("_")} | {"timestamp": iso(e["_created"])}

    def audit_entry(self, event_id: str, params) -> dict:
        self._check_org(params.get("organizationId"))
        e = self.audit.get(event_id)
        if e is None:
            raise not_found("Audit log entry", event_id)
        return {**self._audit_row(e), "clientIpAddress": "203.0.113.7", "metadata": e["_meta"],
                "requestId": str(uuid.uuid5(_NS, "request/" + event_id)), "resourceId": None,
                "resourceType": e["_resource"], "userAgent": "Mozilla/5.0 (sandbox)"}
