"""`runway-nb sandbox` and `python -m runway_nb.sandbox`: serve in the foreground, print the URL, stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from runway_nb import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["runway_nb.sandbox", "runway_nb.cli"])
def test_serves_in_the_foreground_and_prints_its_url(module):
    args = [sys.executable, "-m", module] + (["sandbox"] if module == "runway_nb.cli" else [])
    args += ["--port", "0", "--api-key", "k-123", "--time-scale", "0.001", "--url-ttl", "30", "--faults", "none"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                          env=env) as proc:
        try:
            first = proc.stdout.readline()
            assert first.startswith("Runway sandbox serving at http://127.0.0.1:"), first + proc.stderr.read()
            base_url = first.split(" at ", 1)[1].strip()
            assert "RUNWAYML_BASE_URL=" + base_url in proc.stdout.readline()
            headers = {"Authorization": "Bearer k-123", "X-Runway-Version": "2024-11-06"}
            with httpx.Client(base_url=base_url, headers=headers) as c:
                assert c.get("/v1/organization").status_code == 200
                assert c.get("/v1/organization", headers={"Authorization": "Bearer other"}).status_code == 401
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=20)
    assert code == 0


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "sandbox" in capsys.readouterr().out


def test_sandbox_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sandbox", "--help"])
    out = capsys.readouterr().out
    for option in ("--port", "--api-key", "--time-scale", "--url-ttl", "--faults", "chaos"):
        assert option in out


def test_a_busy_port_is_reported(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert cli.main(["sandbox", "--port", str(taken.getsockname()[1])]) == 1
    assert "cannot listen" in capsys.readouterr().err
