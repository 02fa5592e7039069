"""How big a saved notebook is after 10 generated videos: shown the runway_nb way (`%runway video`) against
the same 10 videos shown with `IPython.display.Video(path, embed=True)`. Target: under 100 KB for runway_nb.

Both notebooks are built with nbformat, executed for real in an IPython kernel by nbclient against the
built-in sandbox (no key, RUNWAY_NB_TIME_SCALE speeds it up), written to disk and measured in bytes. Same
prompts and seeds in both, so the sandbox makes the same MP4s. Everything happens in a temporary folder
(journal, runway_outputs/, the .ipynb files); nothing is written into the repository. Prints figures only.

What the measured file holds. nbclient, like a browser, keeps each output as the kernel last left it
(display_data, then update_display_data under the same display id). A `%runway video` cell first shows the
live TaskView (the widget-view MIME type + text/html + text/plain) and, when the task ends, replaces that
output with static HTML + text: a `<video src="runway_outputs/<id>_0.mp4">` player that refers to the stored
file, so no media bytes are in the outputs. The swapped view then closes its widget models (an anywidget
model holding its `run` dict and `_esm`, the front end's bundled source as text, and an ipywidgets Layout
model), so the state saved in `metadata.widgets` (store_widget_state=True; closed models dropped, as a
browser's widget manager drops them) holds only widgets still shown. JupyterLab writes that metadata only when Settings > "Save Widget State
Automatically" is on (off by default), and then without default values (get_state_sync({drop_defaults:
true})): the Layout models shrink there, `_esm` does not. The figures are given with the state and
without it (the file as JupyterLab saves it by default).

    .venv/bin/python bench/bench_notebook_size.py [--videos 10] [--time-scale 0.01] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TARGET = 100_000
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PROMPTS = [
    "A serene mountain lake at sunrise with mist rising from the water",
    "A lantern swaying in the wind on a wooden pier at night",
    "A slow dolly shot through a greenhouse full of ferns, morning light",
    "A red fox running through fresh snow in a pine forest",
    "Waves rolling onto a black sand beach under storm clouds",
    "A hot air balloon drifting over green hills at dawn",
    "Neon reflections on a rainy city street at night",
    "A hummingbird hovering beside a red flower, slow motion",
    "Clouds racing over a desert canyon, timelapse",
    "A paper boat floating down a gutter stream after rain",
]


def runway_nb_notebook(n: int, time_scale: float) -> nbformat.NotebookNode:
    """The README's way: %load_ext, then one `%runway video` line per cell."""
    setup = f"%load_ext runway_nb\n%config Runway.poll_time_scale = {time_scale}  # the sandbox runs this fast"
    cells = [nbformat.v4.new_code_cell(setup)]
    cells += [nbformat.v4.new_code_cell(f'%runway video "{PROMPTS[i % len(PROMPTS)]}" --model gen4.5 '
                                        f"--duration 5 --seed {i + 1}") for i in range(n)]
    return nbformat.v4.new_notebook(cells=cells)


def embed_notebook(n: int, time_scale: float) -> nbformat.NotebookNode:
    """The same generations through the client (no runway_nb display), each shown by IPython's Video(embed=True)."""
    setup = ("from IPython.display import Video\nfrom runway_nb import RunwayML\nfrom runway_nb.clock import ScaledClock\n\n"
             f"client = RunwayML(clock=ScaledClock({time_scale}))  # poll at the sandbox's pace")
    cells = [nbformat.v4.new_code_cell(setup)]
    cells += [nbformat.v4.new_code_cell(
        f'task = client.text_to_video.create(model="gen4.5", prompt_text="{PROMPTS[i % len(PROMPTS)]}", '
        f'ratio="1280:720", duration=5, seed={i + 1}).wait_for_task_output()\n'
        "Video(task.download()[0], embed=True)") for i in range(n)]
    return nbformat.v4.new_notebook(cells=cells)


class LikeAWidgetManager(NotebookClient):
    """nbclient keeps the state of every model ever opened; a browser's widget manager drops a model when
    its comm closes, and saves only the live ones. So does this."""

    def handle_comm_msg(self, outs, msg, cell_index) -> None:
        super().handle_comm_msg(outs, msg, cell_index)
        if msg["msg_type"] == "comm_close":
            self.widget_state.pop(msg["content"]["comm_id"], None)
            self.widget_buffers.pop(msg["content"]["comm_id"], None)


def execute(nb: nbformat.NotebookNode, work: Path, name: str) -> tuple[Path, float]:
    """Run `nb` in a fresh kernel whose working directory is `work`; write it there as `name`."""
    work.mkdir(parents=True)
    started = time.perf_counter()
    LikeAWidgetManager(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    seconds = time.perf_counter() - started
    path = work / name
    nbformat.write(nb, path)
    return path, seconds


def size(obj) -> int:
    """Bytes of a JSON fragment as nbformat writes it (indent 1, UTF-8)."""
    return len(json.dumps(obj, indent=1, ensure_ascii=False).encode())


def anatomy(path: Path) -> dict:
    """Where a saved notebook's bytes are: the file, the outputs by MIME type, the widget state."""
    nb = json.loads(path.read_text())
    by_mime: dict[str, int] = {}
    errors = widget_outputs = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            errors += out["output_type"] == "error"
            widget_outputs += WIDGET_VIEW in out.get("data", {})
            for mime, value in out.get("data", {}).items():
                by_mime[mime] = by_mime.get(mime, 0) + size(value)
            if out["output_type"] == "stream":
                by_mime["stream"] = by_mime.get("stream", 0) + size(out["text"])
    state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    esm = sum(size(m.get("state", {}).get("_esm", "")) for m in state.values())
    nb["metadata"].pop("widgets", None)
    without_state = len(nbformat.writes(nbformat.from_dict(nb)).encode()) + 1  # nbformat.write adds "\n"
    return {"bytes": path.stat().st_size, "outputs": sum(by_mime.values()), "by_mime": by_mime,
            "state": size(state) if state else 0, "models": len(state), "esm": esm, "without_state": without_state,
            "errors": errors, "widget_outputs": widget_outputs, "data_uris": path.read_text().count("data:video/")}


def kb(n: float) -> str:
    return f"{n / 1000:.1f} KB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=int, default=10)
    ap.add_argument("--time-scale", type=float, default=0.01, help="RUNWAY_NB_TIME_SCALE for the kernels' sandbox")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = ap.parse_args()

    # The kernels start their own sandbox (no key, no base URL) at this speed; the journal and
    # runway_outputs/ go to each kernel's working directory, a temporary folder.
    for name in [k for k in os.environ if k.startswith(("RUNWAYML_", "RUNWAY_NB_"))]:
        del os.environ[name]
    os.environ["RUNWAY_NB_TIME_SCALE"] = str(args.time_scale)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

    tmp = Path(tempfile.mkdtemp(prefix="bench_notebook_size-"))
    t0 = time.perf_counter()
    try:
        ours, ours_s = execute(runway_nb_notebook(args.videos, args.time_scale), tmp / "runway_nb", "videos.ipynb")
        embed, embed_s = execute(embed_notebook(args.videos, args.time_scale), tmp / "embed", "videos.ipynb")
        mp4s = {which: sorted((tmp / which / "runway_outputs").glob("*.mp4")) for which in ("runway_nb", "embed")}
        a, b = anatomy(ours), anatomy(embed)
        total = time.perf_counter() - t0

        n = args.videos
        mp4 = [p.stat().st_size for p in mp4s["embed"]]
        avg_mp4 = sum(mp4) / len(mp4)
        print(f"{n} gen4.5 videos (1280:720, 5 s) in a real kernel via nbclient, sandbox time scale "
              f"{args.time_scale}; load average {os.getloadavg()[0]:.2f}")
        print(f"MP4s stored: runway_nb {len(mp4s['runway_nb'])}, embed {len(mp4s['embed'])}; average "
              f"{kb(avg_mp4)} (min {kb(min(mp4))}, max {kb(max(mp4))}); base64 of one: {kb(avg_mp4 * 4 / 3)}\n")
        print(f"{'saved .ipynb':<58} {'file':>10} {'per video':>10} {'target':>9}")
        rows = [("runway_nb (%runway video), widget state in metadata", a["bytes"]),
                ("runway_nb, without widget state (JupyterLab's default)", a["without_state"]),
                ("IPython.display.Video(path, embed=True)", b["bytes"])]
        for label, value in rows:
            verdict = ("" if "embed" in label else "met" if value < TARGET else "MISSED")
            print(f"{label:<58} {kb(value):>10} {kb(value / n):>10} {verdict:>9}")
        print(f"\nratio embed / runway_nb: {b['bytes'] / a['bytes']:.0f}x with widget state, "
              f"{b['bytes'] / a['without_state']:.0f}x without")

        print("\nwhere runway_nb's bytes are:")
        print(f"  outputs, all cells: {kb(a['outputs'])} (" + ", ".join(
            f"{m} {kb(v)}" for m, v in sorted(a["by_mime"].items(), key=lambda kv: -kv[1])) + ")")
        print(f"  outputs still holding the widget view: {a['widget_outputs']} (each ended view left static HTML)")
        print(f"  metadata.widgets: {kb(a['state'])} for {a['models']} widget models, of which the front-end "
              f"modules (anywidget's _esm, synced as source text) {kb(a['esm'])}")
        print(f"  embedded video data URIs: {a['data_uris']}; cells with errors: {a['errors']}")
        print(f"where the embed notebook's bytes are: outputs {kb(b['outputs'])} (" + ", ".join(
            f"{m} {kb(v)}" for m, v in sorted(b["by_mime"].items(), key=lambda kv: -kv[1])) + f"); "
            f"embedded video data URIs: {b['data_uris']}; cells with errors: {b['errors']}")
        print(f"\nkernel runs: runway_nb {ours_s:.1f} s, embed {embed_s:.1f} s; whole bench {total:.1f} s")
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
