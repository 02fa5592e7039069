"""The sandbox's API routes are Runway's: each is an operation of the pinned SDK (catalog.api)."""

from __future__ import annotations

from runway_nb import catalog
from runway_nb.catalog import api
from runway_nb.sandbox import create_app


def _api_routes() -> set[tuple[str, str]]:
    routes = set()
    for route in create_app().routes:
        if route.path.startswith("/_sandbox/"):  # the sandbox's own files and counters, not Runway's API
            continue
        routes |= {(method, route.path) for method in route.methods if method != "HEAD"}
    return routes


def test_every_api_route_is_an_sdk_operation():
    served = {(method, path): api.operation_for(method, path) for method, path in _api_routes()}
    assert all(served.values()), sorted(k for k, v in served.items() if v is None)
    names = {op.id for op in served.values()}
    assert {"tasks.retrieve", "tasks.delete", "uploads.create_ephemeral", "organization.retrieve",
            "organization.retrieve_usage", "text_to_video.create"} <= names


def test_every_model_route_starts_a_task_and_takes_the_models_served_there():
    for method, path in _api_routes():
        op = api.operation_for(method, path)
        if op.models and op.id not in ("realtime_sessions.create", "voices.preview"):  # models, no task
            assert op.creates_task, op.id
            # the models runway_nb serves on this path, bar the two the SDK no longer names
            assert set(catalog.models_on(path)) - {"veo3", "gen4_aleph"} <= set(op.models), path
