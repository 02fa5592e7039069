"""End to end over a real socket: uvicorn on 127.0.0.1, the real synth, outputs decoded with PyAV/Pillow."""

from __future__ import annotations

import io
import socket
import time
from pathlib import Path

import httpx
import pytest
from sandbox_support import CASE_IDS, VERSION, expected

from runway_nb.sandbox import FaultProfile, serve

TIME_SCALE = 0.0005  # a gen4.5 10 s video plans ~45 ms; synthesis dominates


@pytest.fixture(scope="module")
def sb():
    with serve(time_scale=TIME_SCALE, tier=5, credits=10**6) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def http(sb):
    headers = {"Authorization": f"Bearer {sb.api_key}", "X-Runway-Version": VERSION}
    with httpx.Client(base_url=sb.base_url, headers=headers, timeout=60) as client:
        yield client


def wait_all(http: httpx.Client, ids: list[str], deadline: float = 120) -> dict[str, dict]:
    """Poll until every task has ended (a loop over GETs, not a timed assertion)."""
    done: dict[str, dict] = {}
    end = time.monotonic() + deadline
    while len(done) < len(ids):
        assert time.monotonic() < end, f"tasks still running: {set(ids) - set(done)}"
        for tid in set(ids) - set(done):
            task = http.get(f"/v1/tasks/{tid}").json()
            if task["status"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                done[tid] = task
        time.sleep(0.05)
    return done


@pytest.fixture(scope="module")
def results(sb, http, all_cases):
    """Every (endpoint, model) created at once, then awaited: {case id: (path, body, task, file bytes)}."""
    created = {}
    for cid, path, body in all_cases:
        r = http.post(path, json=body)
        assert r.status_code == 200, (cid, r.text)
        created[cid] = (path, body, r.json()["id"])
    sb.engine.settle()  # every task started at once (tier 5): wait for synthesis rather than poll through it
    tasks = wait_all(http, [tid for _, _, tid in created.values()])
    out = {}
    for cid, (path, body, tid) in created.items():
        task = tasks[tid]
        data = http.get(task["output"][0]).content if task["status"] == "SUCCEEDED" else b""
        out[cid] = (path, body, task, data)
    return out


def decode(data: bytes) -> dict:
    """What the bytes really are, by decoding them (never by headers)."""
    import av

    with av.open(io.BytesIO(data)) as c:
        info = {"format": c.format.name, "seconds": c.duration / 1e6 if c.duration else None,
                "video": None, "audio": bool(c.streams.audio)}
        if c.streams.video:
            s = c.streams.video[0]
            frames = list(c.decode(video=0))
            info["video"] = (s.codec_context.name, frames[0].width, frames[0].height, len(frames))
            info["frame_seconds"] = len(frames) / float(s.average_rate)
        elif c.streams.audio:
            samples = sum(f.samples for f in c.decode(audio=0))
            info["audio_seconds"] = samples / c.streams.audio[0].codec_context.sample_rate
    return info


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_output_is_real_media_of_the_right_size_and_length(results, case_id):
    path, body, task, data = results[case_id]
    assert task["status"] == "SUCCEEDED", task
    want = expected(path, body)
    if want["kind"] == "image":
        from PIL import Image

        img = Image.open(io.BytesIO(data))
        img.load()
        assert img.format == "PNG" and img.size == want["size"]
        return
    info = decode(data)
    if want["kind"] == "video":
        codec, w, h, _ = info["video"]
        assert codec == "h264" and (w, h) == want["size"]
        assert info["frame_seconds"] == pytest.approx(want["seconds"], abs=0.1)
        assert info["audio"] == want["audio"]
    else:
        assert info["video"] is None and info["audio"]
        if want["seconds"] is None:  # speech: length follows the text
            assert 0.5 < info["audio_seconds"] < 10
        else:
            assert info["audio_seconds"] == pytest.approx(want["seconds"], abs=0.15)


def test_served_files_have_content_type_length_and_ranges(results, http):
    _, _, task, data = results["gen4.5-t2v"]
    url = http.get(f"/v1/tasks/{task['id']}").json()["output"][0]
    with httpx.Client() as anon:  # signed URLs need no headers
        whole = anon.get(url)
        assert whole.headers["content-type"] == "video/mp4"
        assert int(whole.headers["content-length"]) == len(whole.content) == len(data)
        part = anon.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == data[100:200]


def _own_addresses() -> set[str]:
    """This machine's non-loopback IPv4 addresses (the UDP connect sends nothing)."""
    found = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    return {ip for ip in found if not ip.startswith("127.")}


def test_binds_loopback_only(sb):
    host, port = sb._sock.getsockname()
    assert host == "127.0.0.1" and sb.base_url == f"http://127.0.0.1:{port}"
    for ip in _own_addresses():  # any other address of this machine must refuse the connection
        with pytest.raises(OSError):
            socket.create_connection((ip, port), timeout=2).close()
    tcp = Path("/proc/net/tcp")
    if tcp.exists():  # Linux: the one listening socket on this port is 127.0.0.1 (0100007F)
        listening = [line.split()[1] for line in tcp.read_text().splitlines()[1:]
                     if line.split()[3] == "0A" and line.split()[1].endswith(f":{port:04X}")]
        assert listening == [f"0100007F:{port:04X}"]


def test_random_api_key_is_required(sb):
    assert sb.api_key.startswith("sandbox-") and len(sb.api_key) > 20
    with httpx.Client(base_url=sb.base_url) as c:
        r = c.get("/v1/organization", headers={"Authorization": "Bearer wrong", "X-Runway-Version": VERSION})
        assert r.status_code == 401


def test_dropped_connections_over_a_real_socket(sb, http):
    # The client sees a connection error: a clean close (RemoteProtocolError) or, when the request
    # body was still unread, a reset (ReadError); both are httpx.TransportError.
    before = sb.stats()["created"]
    body = {"model": "gen4.5", "promptText": "x", "ratio": "1280:720", "duration": 2}
    try:
        sb.set_faults(FaultProfile(drop_rate=1.0, drop_after=1.0))
        with pytest.raises(httpx.TransportError):
            http.post("/v1/text_to_video", json=body)
        sb.set_faults(FaultProfile(drop_rate=1.0, drop_after=0.0))
        with pytest.raises(httpx.TransportError):
            http.post("/v1/text_to_video", json=body)
        with pytest.raises(httpx.TransportError):
            http.get("/v1/organization")
    finally:
        sb.set_faults("none")
    assert sb.stats()["created"] == before + 1  # only the drop after creation made a task
    assert http.get("/v1/organization").status_code == 200  # the server is fine afterwards


def test_truncated_download_over_a_real_socket(sb, results, http):
    _, _, task, data = results["gemini_2.5_flash"]
    url = http.get(f"/v1/tasks/{task['id']}").json()["output"][0]
    try:
        sb.set_faults(FaultProfile(truncate_rate=1.0))
        with httpx.Client() as anon, pytest.raises(httpx.RemoteProtocolError, match=str(len(data))):
            anon.get(url)
    finally:
        sb.set_faults("none")


def test_cancel_over_a_real_socket(sb, http):
    r = http.post("/v1/text_to_video", json={"model": "gen4.5", "promptText": "x", "ratio": "1280:720",
                                             "duration": 2})
    tid = r.json()["id"]
    assert http.delete(f"/v1/tasks/{tid}").status_code == 204
    assert http.get(f"/v1/tasks/{tid}").status_code == 404
    assert sb.engine.task(tid).state in ("CANCELLED", "SUCCEEDED")  # it may have raced to the end


def test_stats_over_http_match_the_engine(sb, http):
    stats = http.get("/_sandbox/stats", headers={"X-Runway-Version": ""}).json()
    assert stats["created"] == sb.stats()["created"] >= len(CASE_IDS)
