"""The Python HTML fallbacks (what a notebook keeps without a kernel: _repr_html_ of outputs, results,
tables, and the text/html beside every widget) escape prompts and failure texts. A prompt carrying
HTML and script goes through a real sandbox task; failure texts and output URLs that only a hostile
or broken server would send come from a stand-in server (httpx.MockTransport). Each HTML is parsed:
no script-capable element, no on* attribute, no javascript: URL, and the payload's text is there,
escaped (so the check is not passing on an empty page).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import httpx
from rel_support import ScaledClock

from runway_nb import catalog
from runway_nb.client import RunwayML
from runway_nb.sandbox import serve

PROMPT = "\"'><script>alert('prompt')</script><img src=x onerror=alert(1)> a lighthouse"
FAILURE = "<script>alert('failure')</script></div><svg onload=alert(2)>"
CODE = "\"><iframe src=javascript:alert(3)>"
HOSTILE_URL = "javascript:alert(4)//x.mp4"
TIME_SCALE = 0.002


class Unsafe(HTMLParser):
    """Collects whatever in a page could run script."""

    DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "base", "meta", "link", "form"}
    URL_ATTRS = {"href", "src", "poster", "action", "formaction", "xlink:href", "data"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in self.URL_ATTRS and (value or "").strip().lower().startswith(("javascript:", "vbscript:",
                                                                                     "data:text/html")):
                self.found.append(f"{tag}[{name}={value[:30]}]")


def unsafe(page: str) -> list[str]:
    parser = Unsafe()
    parser.feed(page)
    parser.close()
    return parser.found


def check(pages: dict[str, str], shows_text: set[str]) -> dict:
    """name -> problems, for pages that could run script, or (those in `shows_text`) that do not show the
    payload as escaped text."""
    bad = {}
    for name, page in pages.items():
        problems = unsafe(page)
        if name in shows_text and "&lt;script&gt;" not in page:
            problems.append("the payload's text is not shown escaped")
        if problems:
            bad[name] = problems
    return bad


def test_a_prompt_with_html_is_escaped_everywhere_it_is_shown(workdir, shell_for):
    from runway_nb import recovery as resume
    from runway_nb.magic_actions import tasks_table
    from runway_nb.widgets import Gallery, Player, TaskView

    with serve(time_scale=TIME_SCALE, concurrency=5, credits=10**6) as sb:  # the real synth: real files
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(TIME_SCALE))
        task = client.text_to_image.create(model="gen4_image", prompt_text=PROMPT, ratio="1280:720", seed=1)
        task.wait(timeout=1e6)
        observer = next(o for o in client._core.observers if hasattr(o, "wait_stored"))
        observer.wait_stored(task.id, timeout=60)
        view = TaskView(task)
        assert view.ended.wait(60)
        pages = {
            "Output._repr_html_": task.outputs[0]._repr_html_(),
            "Output mimebundle": task.outputs[0]._repr_mimebundle_()["text/html"],
            "open_result(...)": resume.open_result(task.id)._repr_html_(),
            "history()": resume.history()._repr_html_(),
            "TaskView text/html": view._repr_mimebundle_()[0]["text/html"],
            "TaskView.result()": view.result()._repr_mimebundle_()["text/html"],
            "Player": Player(view.paths, prompt=PROMPT)._repr_mimebundle_()[0]["text/html"],
            "Gallery": Gallery()._repr_mimebundle_()[0]["text/html"],
        }
        shell = shell_for(sb, TIME_SCALE)
        res = shell.run_cell(f"%%runway image --ratio 1280:720\n{PROMPT}", store_history=False)
        assert res.success, res.error_in_exec
        result = res.result
        pages["%%runway result"] = result._repr_html_()
        pages["%runway tasks"] = tasks_table(shell._runway_nb_magics.session)._repr_html_()
        client.close()
    assert check(pages, set(pages) - {"Output._repr_html_", "Output mimebundle"}) == {}
    assert PROMPT in json.dumps(view.get_state(), ensure_ascii=False)  # widget state: the text as data, never HTML


def _hostile_server(task_json: dict) -> httpx.MockTransport:
    """Answers every GET /v1/tasks/{id} with `task_json`: what a broken or hostile server could send."""
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/tasks/"):
            return httpx.Response(200, json=task_json)
        return httpx.Response(404, json={"error": "not here"})

    return httpx.MockTransport(handle)


def test_a_failure_text_with_html_is_escaped(workdir):
    from runway_nb.magic_actions import Result, finish
    from runway_nb.store import StoredResult
    from runway_nb.widgets import TaskView

    wire = {"id": "t-1", "status": "FAILED", "createdAt": "2025-01-01T00:00:00.000Z", "failure": FAILURE,
            "failureCode": CODE}
    client = RunwayML(api_key="key_x_0123456789", base_url="http://127.0.0.1:9", transport=_hostile_server(wire),
                      journal=False)
    task = client.tasks.retrieve("t-1")
    view = TaskView(task)
    assert view.ended.wait(10)
    result = Result(task)
    finish(result)  # what the magics do when a task ends: the failure becomes the result's message
    snap = task.snapshot()
    record = {"id": snap.id, "model": "gen4.5", "status": "FAILED", "prompt": PROMPT, "failure": FAILURE,
              "failure_code": CODE}
    pages = {
        "TaskView text/html": view._repr_mimebundle_()[0]["text/html"],
        "TaskView.result()": view.result()._repr_mimebundle_()["text/html"],
        "magics Result": result._repr_html_(),
        "StoredResult": StoredResult(record, [])._repr_html_(),
    }
    assert check(pages, {"TaskView text/html", "TaskView.result()", "magics Result", "StoredResult"}) == {}
    client.close()


def test_an_output_url_that_is_not_http_is_not_emitted(workdir):
    from runway_nb.widgets import TaskView

    wire = {"id": "t-2", "status": "SUCCEEDED", "createdAt": "2025-01-01T00:00:00.000Z", "output": [HOSTILE_URL]}
    client = RunwayML(api_key="key_x_0123456789", base_url="http://127.0.0.1:9", transport=_hostile_server(wire),
                      journal=False)
    task = client.tasks.retrieve("t-2")
    view = TaskView(task, save=lambda *a: (_ for _ in ()).throw(OSError("the download failed")))
    assert view.ended.wait(10)
    pages = {"Output._repr_html_": task.outputs[0]._repr_html_(), "TaskView text/html": view.result().html}
    client.close()
    assert {name: unsafe(page) for name, page in pages.items() if unsafe(page)} == {}


def test_the_catalog_has_no_markup_to_escape():
    """Model labels and descriptions are shown in tables unescaped by some callers: keep them plain text."""
    texts = [m.label + m.description for m in catalog.MODELS.values()]
    assert not [t for t in texts if any(c in t for c in "<>&\"")]
