"""A workflow run followed like a task: `client.workflows.run(...)` answers a handle, not a bare id.

Runway answers a run with the id of a workflow invocation, which is followed at
GET /v1/workflow_invocations/{id} (the SDK's workflow_invocations.retrieve(...).wait_for_task_output()).
Its states, failure and cost read as a task's do; only its output differs: a map of graph node id
to output URLs. So an invocation is a TaskCore with another status path and that map flattened,
in node order, into the output list the journal, the store and the players take. The handle's
`.output` stays the SDK's map. The API has no way to cancel or delete an invocation.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .catalog import api
from .tasks import TaskCore

RUN_OP, RETRIEVE_OP = "workflows.run", "workflow_invocations.retrieve"
NO_CANCEL = ("Runway's API has no way to cancel or delete a workflow invocation (runwayml 5.24.0 offers "
             "only workflow_invocations.retrieve); it runs to its end")


def is_run(endpoint: str | None) -> bool:
    """Whether a create path (a journal row's endpoint) started a workflow invocation."""
    op = api.operation_for("POST", endpoint) if endpoint else None
    return op is not None and op.id == RUN_OP


def core_class(endpoint: str | None) -> type[TaskCore]:
    """The core that follows what a POST to `endpoint` started."""
    return InvocationCore if is_run(endpoint) else TaskCore


class InvocationCore(TaskCore):
    """A workflow invocation's state and poller (TaskCore's, at the invocation's path)."""

    status_path = "/v1/workflow_invocations/{}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.node_outputs: dict[str, list[str]] | None = None  # the API's map, once an answer had one
        super().__init__(*args, **kwargs)

    def _apply(self, wire: dict) -> None:
        output = wire.get("output")
        if isinstance(output, dict):  # the API's map (while RUNNING: the nodes done so far)
            self.node_outputs = {str(node): [str(u) for u in urls or ()] for node, urls in output.items()}
            wire = {**wire, "output": [u for urls in self.node_outputs.values() for u in urls]}
        super()._apply(wire)

    def wire_output(self) -> Any:
        return dict(self.node_outputs) if self.node_outputs is not None else list(self.output)

    async def cancel(self) -> bool:
        raise errors.RunwayNBError(NO_CANCEL)

    async def delete(self) -> None:
        raise errors.RunwayNBError(NO_CANCEL)
