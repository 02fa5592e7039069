"""One exception tree, with the official `runwayml` SDK's names, so `except APIError` code ports as is.

Every message says what went wrong and what would be right. None ever contains the API key: the
request kept on an error is a copy without its Authorization header (see http.py).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "RunwayNBError", "RunwayNBWarning", "APIError", "APIStatusError", "BadRequestError",
    "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError",
    "UnprocessableEntityError", "RateLimitError", "InternalServerError", "APIConnectionError",
    "APITimeoutError", "TaskMayExistError", "TaskError", "TaskFailedError", "TaskTimeoutError",
    "TaskCancelledError", "ValidationError", "MissingAPIKeyError", "MediaError", "IncompleteDownload",
    "JournalError",
]  # fmt: skip


class RunwayNBError(Exception):
    """The root: `except RunwayNBError` catches everything runway_nb raises on purpose."""


class RunwayNBWarning(UserWarning):
    """Advice that does not stop a request: prompt lint, a model newer than the catalog, the sandbox."""


class APIError(RunwayNBError):
    """A call to the API did not succeed. `.status_code` is None when no answer arrived."""

    status_code: int | None = None

    def __init__(self, message: str, request: Any = None, *, body: object | None = None,
                 status_code: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        if status_code is not None:
            self.status_code = status_code
        self.request_id = request_id


class APIStatusError(APIError):
    """The API answered with a 4xx or 5xx status; `.response` is the httpx response."""

    def __init__(self, message: str, *, response: Any = None, body: object | None = None,
                 status_code: int | None = None, request_id: str | None = None) -> None:
        code = status_code if status_code is not None else getattr(response, "status_code", None)
        super().__init__(message, getattr(response, "request", None), body=body, status_code=code,
                         request_id=request_id)
        self.response = response


class BadRequestError(APIStatusError):
    status_code = 400


class AuthenticationError(APIStatusError):
    status_code = 401


class PermissionDeniedError(APIStatusError):
    status_code = 403


class NotFoundError(APIStatusError):
    status_code = 404


class ConflictError(APIStatusError):
    status_code = 409


class UnprocessableEntityError(APIStatusError):
    status_code = 422


class RateLimitError(APIStatusError):
    status_code = 429


class InternalServerError(APIStatusError):
    """A 5xx answer (after the retries that were safe to make)."""


_BY_STATUS = {cls.status_code: cls for cls in (BadRequestError, AuthenticationError, PermissionDeniedError,
                                               NotFoundError, ConflictError, UnprocessableEntityError,
                                               RateLimitError)}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class the SDK raises for an HTTP status."""
    return _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)


class APIConnectionError(APIError):
    """No usable answer arrived: refused, reset, or cut off."""

    def __init__(self, *, message: str = "Connection error.", request: Any = None, **kw: Any) -> None:
        super().__init__(message, request, **kw)


class APITimeoutError(APIConnectionError):
    def __init__(self, request: Any = None, *, message: str = "Request timed out.", **kw: Any) -> None:
        super().__init__(message=message, request=request, **kw)


class IncompleteDownload(APIConnectionError, OSError):
    """An output's download kept ending before all its bytes came (every retry spent). The bytes so far
    stay in its `.part` file, and the next attempt (runway_nb.resume(), a save) resumes from them."""


class TaskMayExistError(APIConnectionError):
    """A create request whose outcome is unknown: the task may exist and be charged.

    Never retried automatically (that could pay twice); the message says how to check.
    """


class TaskError(RunwayNBError):
    """A task that did not give an output. Keeps the id so the work can be found again.

    `task` is the handle (tasks.Task/AsyncTask) or the wire JSON; `task_details` is the SDK's name for it.
    """

    def __init__(self, message: str | None = None, *, task: Any = None, task_id: str | None = None,
                 failure: str | None = None, failure_code: str | None = None) -> None:
        self.task = task
        self.task_id = task_id or task_field(task, "id")
        self.failure = failure if failure is not None else task_field(task, "failure")
        self.failure_code = failure_code if failure_code is not None else task_field(task, "failure_code",
                                                                                      "failureCode")
        super().__init__(message or self._default_message())

    @property
    def task_details(self) -> Any:
        return self.task

    def _default_message(self) -> str:
        return self._outcome("did not finish", code_label="")

    def _outcome(self, what: str, *, code_label: str) -> str:
        """"Task <id> <what>: <failure> (<code_label><failureCode>)", leaving out what is unknown."""
        text = f"Task {self.task_id} {what}"
        if self.failure:
            text += f": {self.failure}"
        return text + (f" ({code_label}{self.failure_code})" if self.failure_code else "")


def task_field(task: Any, *names: str) -> Any:
    """The first of `names` that is set (not None) on a task handle, a snapshot or its wire JSON."""
    for name in names:
        value = task.get(name) if isinstance(task, dict) else getattr(task, name, None)
        if value is not None:
            return value
    return None


class TaskFailedError(TaskError):
    def _default_message(self) -> str:
        return self._outcome("failed", code_label="failureCode ")


class TaskTimeoutError(TaskError):
    def _default_message(self) -> str:
        return (f"Task {self.task_id} was still running when the wait timed out; it keeps running on "
                f"Runway's side: call .wait() again or client.tasks.retrieve({self.task_id!r}) later")


class TaskCancelledError(TaskError):
    def _default_message(self) -> str:
        return f"Task {self.task_id} was cancelled (or deleted) before it finished"


class ValidationError(BadRequestError, ValueError):
    """The request would be refused (400): caught before sending, every problem listed at once.

    A BadRequestError too, so code written for the SDK's `except APIError` still catches it. `.body`
    has the API's 400 shape (error_body).
    """

    def __init__(self, problems: list, *, path: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        if len(self.problems) == 1:
            message = f"{self.problems[0].message} (found before sending: nothing was sent)"
        else:
            lines = "\n".join(f"  - {p.message}" for p in self.problems)
            where = f" to {path}" if path else ""
            message = f"{len(self.problems)} problems in the request{where} (found before sending: nothing was sent):\n{lines}"
        super().__init__(message, body=error_body(self.problems), status_code=400)


def error_body(problems: list, brief: Any = None) -> dict:
    """The API's 400 body for a list of problems (anything with .field, .value, .message): {"error":
    every message, "issues": zod-style path/message/value}. `brief` shortens values first (validate's
    answer on the wire cuts long strings and data URIs)."""
    def path(field: str) -> list:
        return [int(part) if part.isdigit() else part for part in field.split(".")] if field else []

    def jsonable(v: object) -> object:
        if isinstance(v, float) and not math.isfinite(v):
            return repr(v)  # JSON has no NaN or Infinity
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, dict):
            return {str(k): jsonable(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [jsonable(x) for x in v]
        return repr(v)

    show = brief or (lambda v: v)
    return {"error": "; ".join(p.message for p in problems),
            "issues": [{"path": path(p.field), "message": p.message, "value": jsonable(show(p.value))}
                       for p in problems]}


class MissingAPIKeyError(RunwayNBError):
    """No API key was given and the sandbox fallback is off."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (
            "No Runway API key. Set the RUNWAYML_API_SECRET environment variable (e.g. in a cell: "
            "%env RUNWAYML_API_SECRET=key_...) or pass RunwayML(api_key=...). Keys are made at "
            "https://dev.runwayml.com. To try things without a key, leave sandbox on (the default)."))


class MediaError(RunwayNBError, ValueError):
    """A local media file cannot be used as asked (missing, without the stream needed, a bad option).

    Raised before anything is written. `.argument` names the argument ("video", "tracks[1]"), `.value`
    is what was given.
    """

    def __init__(self, argument: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.argument, self.value = argument, value


class JournalError(RunwayNBError, RuntimeError):
    """The task journal cannot be used (e.g. a file written by a newer runway_nb)."""


class ResultNotFoundError(RunwayNBError, KeyError):
    """No task or result in the journal (or a gallery) matches the id, prefix or row asked for."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class OutputsError(RunwayNBError, ValueError):
    """A task's outputs cannot be fetched as asked: it has none yet, or the target is outside the folder."""
