"""%runway batch: many generations from a list of prompts, followed by one BatchView, in the background.

    prompts = ["a red kite", "a blue kite", "a green kite"]
    %runway batch image prompts --ratio 1280:720            # a notebook variable holding the list
    %runway batch video prompts.json --duration 5 --concurrency 4
    v = %runway batch image prompts                          # v.wait() blocks; v.cancel_all() stops it

SOURCE is the name of a notebook variable or a .json file holding a list. Each item is a prompt (str)
or a dict of that one call's options, named as on the command line without the dashes
({"prompt": "a kite", "seed": 3, "ratio": "960:960"}). Options after SOURCE apply to every item, as
`%runway image` takes them. Every item is checked and priced before anything is sent (one error lists
every bad item, by index) and the total is held against `%runway budget`. Then the batch runs in the
background (client.batch(..., background=True)) at most --concurrency tasks at once (default: the
tier's limit per model) and the cell returns its BatchView at once: counts, credits, ETA, a thumbnail
grid, Cancel all. Each task joins the session's tasks as it is created (`%runway tasks`, `status`,
`cancel` find it), followed as a single task is, without a view of its own.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import magic_actions as actions
from . import magic_args as args
from .magic_args import ArgsError
from .magic_request import to_request

# follow() blocks on runway_nb's loop, and a batch hears of its tasks on that loop: handed over here.
_FOLLOWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="runway_nb-batch-follow")
USAGE = ("usage: %runway batch COMMAND SOURCE [--concurrency N] [options of %runway COMMAND]\n"
         "  COMMAND: " + ", ".join(args.SUBS) + "; SOURCE: a notebook variable or a .json file holding a list "
         "of prompts (or of dicts of options, with 'prompt')")


def items_of(source: str, namespace: Any) -> list:
    """The list SOURCE names: a notebook variable, else a JSON file."""
    if source in namespace:
        value = namespace[source]
    elif source.lower().endswith(".json") and Path(source).is_file():
        try:
            value = json.loads(Path(source).read_text())
        except ValueError as exc:
            raise ArgsError(f"batch: {source} is not valid JSON ({exc})") from None
    else:
        raise ArgsError(f"batch: SOURCE {source!r} is neither a notebook variable nor a .json file\n{USAGE}")
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ArgsError(f"batch: {source} holds a {type(value).__name__}; give a list of prompts or of dicts")
    items = list(value)
    if not items:
        raise ArgsError(f"batch: {source} is empty; nothing to run")
    return items


def item_argv(index: int, item: Any) -> tuple[list[str], str | None]:
    """One item -> (its own options as argv, its prompt)."""
    if isinstance(item, str):
        return [], item
    if not isinstance(item, dict):
        raise ArgsError(f"batch item {index}: {type(item).__name__} {str(item)[:40]!r}; give a prompt (str) "
                        "or a dict of options")
    argv: list[str] = []
    for key, value in item.items():
        if key == "prompt" or value is None or value is False:
            continue
        flag = "--" + str(key).replace("_", "-")
        for one in value if isinstance(value, list) else [value]:
            argv += [flag] if one is True else [flag, str(one)]
    return argv, item.get("prompt")


def requests(command: str, items: list, common: list[str], namespace: Any, defaults: dict) -> list:
    """Every item's checked and priced plan (magic_actions.Cost); one ArgsError lists every bad item."""
    costs, problems = [], []
    for i, item in enumerate(items):
        try:
            own, prompt = item_argv(i, item)
            ns = args.parse_argv([command, *common, *own])
            cost = actions.plan(to_request(ns, prompt, namespace, defaults))
        except ArgsError as exc:
            problems.append(f"item {i}: {exc}")
            continue
        problems += [f"item {i}: {p}" for p in cost.problems]
        costs.append(cost)
    if problems:
        raise ArgsError("batch refused, nothing was sent:\n" + "\n".join(problems))
    return costs


def check_budget(session: actions.Session, costs: list) -> None:
    budget = session.settings.budget
    if budget is None:
        return
    if any(c.credits is None for c in costs):
        raise actions.BudgetExceeded(f"refused: some items have no known price and a budget of {budget:g} "
                                     "credits is set (%runway budget off lifts it)")
    total = sum(c.credits for c in costs)
    spent = session.spent()  # earlier batches included: their tasks, and their calls still queued
    if spent + total > budget:
        raise actions.BudgetExceeded(f"refused: this batch costs {total:g} credits and the session has spent "
                                     f"{spent:g} of its {budget:g} credit budget")


def join_session(session: actions.Session, run: Any, costs: list, folder: str | None) -> None:
    """Each task of the batch, once created, becomes one of the session's Results (as a single task's
    does, but with no view): `%runway tasks` lists it, `status`/`cancel` find it, its files are collected."""
    lock = threading.Lock()
    out = folder or session.settings.output_folder  # where the batch's client stores (BatchView's folder)

    def created(index: int, snapshot: Any) -> None:
        task_id = getattr(snapshot, "id", None)
        if not task_id or task_id in session.results:  # "" is a call that never became a task
            return
        with lock:
            if task_id in session.results:
                return
            result = session.result_factory(run.task(index), costs[index].request, out)
            session.results[task_id] = result  # listed at once; followed from a thread off the loop
        _FOLLOWER.submit(actions.follow, result)

    run.on_change(created)
    for index, core in enumerate(list(run.cores)):  # those created before it listened
        if core is not None:
            created(index, core.snapshot())


def run_batch(magics: Any, argv: list[str], namespace: Any) -> Any:
    """%runway batch COMMAND SOURCE [--concurrency N] [options]: start it, return its BatchView."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        raise args.HelpShown()
    if len(argv) < 2 or argv[0] not in args.SUBS:
        raise ArgsError(USAGE)
    command, source, rest = argv[0], argv[1], list(argv[2:])
    concurrency = None
    if "--concurrency" in rest:
        at = rest.index("--concurrency")
        try:
            concurrency = int(rest[at + 1])
            if concurrency < 1:
                raise ValueError
        except (IndexError, ValueError):
            raise ArgsError("--concurrency takes a whole number >= 1") from None
        del rest[at:at + 2]
    session = magics.session
    costs = requests(command, items_of(source, namespace), rest, namespace, magics._default_models())
    check_budget(session, costs)
    folders = {c.request.out for c in costs}
    folder = folders.pop() if len(folders) == 1 else None
    client = session.client(folder)
    from . import batch
    from .widgets import BatchView

    run = batch.start(client, [c.plan for c in costs], concurrency, sync=True)
    join_session(session, run, costs, folder)
    view = BatchView(run, folder=folder)
    session.__dict__.setdefault("batch_views", []).append(view)
    return view
