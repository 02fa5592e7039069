"""The sandbox is safe to leave running on a laptop: it listens on loopback only, refuses every API call
without its key (creating and charging nothing), serves only its own output files behind signed URLs
(no path traversal, raw, percent-encoded, double-encoded, backslashed or absolute), and stops an upload
over its cap without writing it all to disk.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from media_samples import png_bytes
from rel_support import InstantSynth

from runway_nb import catalog
from runway_nb.sandbox import serve

KEY = "key_RELIABILITY_sandbox_0123456789"
SECRET = "TOP-SECRET-" + uuid.uuid4().hex
H = {"Authorization": f"Bearer {KEY}", "X-Runway-Version": catalog.API_VERSION}


@pytest.fixture
def sb():
    with serve(api_key=KEY, time_scale=0.002, synth=InstantSynth(), credits=10_000, upload_limit=1_000_000) as s:
        yield s


def _other_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def test_binds_loopback_only(sb):
    assert urlsplit(sb.base_url).hostname == "127.0.0.1"
    assert sb._sock.getsockname()[0] == "127.0.0.1"
    other = _other_address()
    if other is None:
        pytest.skip("no non-loopback address on this machine to try")
    with pytest.raises(OSError):
        socket.create_connection((other, sb.port), timeout=2).close()


def test_there_is_no_way_to_ask_for_another_interface():
    with pytest.raises(TypeError):
        serve(host="0.0.0.0")


ROUTES = [("POST", p, {"model": "gen4_image", "promptText": "a", "ratio": "1280:720"}) for p in catalog.ENDPOINTS] + [
    ("GET", "/v1/tasks/00000000-0000-0000-0000-000000000000", None),
    ("DELETE", "/v1/tasks/00000000-0000-0000-0000-000000000000", None),
    ("POST", "/v1/uploads", {"filename": "a.png", "type": "ephemeral"}),
    ("GET", "/v1/organization", None),
    ("POST", "/v1/organization/usage", {}),
    ("GET", "/_sandbox/stats", None),
]
BAD_AUTH = [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": f"Basic {KEY}"},
            {"Authorization": "Bearer key_wrong_0123456789"}, {"Authorization": f"Bearer {KEY}x"},
            {"Authorization": f"Bearer {KEY[:-1]}"}, {"Authorization": KEY}, {"X-Api-Key": KEY}]


def test_refuses_every_call_without_its_key(sb):
    before = sb.engine.stats()
    refused = 0
    with httpx.Client(base_url=sb.base_url) as c:
        for method, path, body in ROUTES:
            for auth in BAD_AUTH:
                r = c.request(method, path, json=body, headers={"X-Runway-Version": catalog.API_VERSION, **auth})
                assert r.status_code == 401, (method, path, auth, r.status_code, r.text)
                assert KEY not in r.text
                refused += 1
    after = sb.engine.stats()
    assert refused == len(ROUTES) * len(BAD_AUTH)
    assert after["created"] == before["created"] == 0 and after["creditBalance"] == before["creditBalance"]
    assert after["uploads"] == 0 and len(sb.engine.uploads._uploads) == 0


def test_a_sandbox_served_without_a_key_still_wants_one():
    with serve(time_scale=0.002, synth=InstantSynth()) as s, httpx.Client(base_url=s.base_url) as c:
        assert s.api_key and c.get("/v1/organization", headers={"X-Runway-Version": catalog.API_VERSION}).status_code == 401
        ok = c.get("/v1/organization", headers={"Authorization": f"Bearer {s.api_key}",
                                                "X-Runway-Version": catalog.API_VERSION})
        assert ok.status_code == 200


def _finished_task(sb) -> tuple[str, str, dict]:
    """A succeeded task: (id, output file name, query of its signed URL)."""
    with httpx.Client(base_url=sb.base_url, headers=H) as c:
        tid = c.post("/v1/text_to_image", json={"model": "gemini_2.5_flash", "promptText": "a",
                                                 "ratio": "1344:768"}).json()["id"]
        for _ in range(2000):
            task = c.get(f"/v1/tasks/{tid}").json()
            if task["status"] == "SUCCEEDED":
                break
        url = urlsplit(task["output"][0])
    name = url.path.rsplit("/", 1)[-1]
    query = dict(p.split("=", 1) for p in url.query.split("&"))
    return tid, name, query


def _raw_get(base_url: str, target: str) -> tuple[int, bytes]:
    """A GET with the request-target exactly as written (no client-side normalisation of ../ or %2e)."""
    host = urlsplit(base_url)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    try:
        conn.request("GET", target)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_serves_only_its_own_output_files(sb, tmp_path):
    tid, name, query = _finished_task(sb)
    root = sb.engine._dir
    planted = {root / "SECRET.txt", root / "outputs" / "SECRET.txt", root / "outputs" / tid / "SECRET.txt",
               tmp_path / "SECRET.txt"}
    for p in planted:
        p.write_text(SECRET)
    upload = _upload_a_file(sb)
    assert upload.exists()
    absolute = str(tmp_path / "SECRET.txt")
    names = ["../SECRET.txt", "../../SECRET.txt", "SECRET.txt", absolute, "..\\..\\SECRET.txt",
             f"../../uploads/{upload.name}", "../../../../../../../../etc/passwd"]
    targets = []
    for n in names:
        for form in (quote(n, safe=""), quote(quote(n, safe=""), safe=""), n.replace("../", "%2e%2e/"),
                     n.replace("../", "..%2f").replace("/", "%2F"), n):
            targets.append(f"/_sandbox/outputs/{tid}/{form}")
    targets += [f"/_sandbox/outputs/{quote('../uploads', safe='')}/{upload.name}", f"/_sandbox/outputs/../{tid}/{name}",
                "/_sandbox/outputs/%2e%2e/%2e%2e/SECRET.txt", f"/_sandbox/outputs/{tid}/%00{name}"]
    answers = []
    for t in targets:
        for signed in (False, True):  # signed: a valid signature for what the route decodes (white-box)
            path = urlsplit(t).path
            decoded = [httpx.URL(path).path.split("/")[3:4], path.rsplit("/", 1)[-1]]
            q = ""
            if signed and decoded[0]:
                expires = query["expires"]
                sig = sb.engine.outputs._sig(decoded[0][0], _unquote(decoded[1]), int(expires))
                q = f"?expires={expires}&sig={sig}"
            status, body = _raw_get(sb.base_url, t + q)
            answers.append((t, signed, status))
            assert SECRET.encode() not in body and b"root:" not in body, (t, signed, status)
            assert status in (400, 403, 404), (t, signed, status, body[:200])
    status, body = _raw_get(sb.base_url, f"/_sandbox/outputs/{tid}/{name}?expires={query['expires']}&sig={query['sig']}")
    assert status == 200 and body == InstantSynth.PNG  # the real file, through the real URL
    status, _ = _raw_get(sb.base_url, f"/_sandbox/outputs/{tid}/{name}?expires={query['expires']}&sig={'0' * 64}")
    assert status == 403
    assert len(answers) >= 70


def _unquote(s: str) -> str:
    from urllib.parse import unquote

    return unquote(s)


def _upload_a_file(sb) -> Path:
    """Upload a small PNG through the real flow; returns where the sandbox keeps it."""
    with httpx.Client(headers=H) as c:
        form = c.post(f"{sb.base_url}/v1/uploads", json={"filename": "p.png", "type": "ephemeral"}).json()
        r = c.post(form["uploadUrl"], data=form["fields"], files={"file": ("p.png", png_bytes(), "image/png")},
                   headers={"Authorization": ""})
        assert r.status_code == 204, r.text
    return sb.engine.uploads.lookup(form["runwayUri"])


def test_an_upload_over_the_cap_is_refused_without_writing_it_all(sb):
    limit = sb.engine.upload_limit
    with httpx.Client() as c:
        form = c.post(f"{sb.base_url}/v1/uploads", headers=H, json={"filename": "big.png", "type": "ephemeral"}).json()
    upload_id = form["uploadUrl"].rsplit("/", 1)[-1]
    staging = sb.engine.uploads.staging_path(upload_id)
    boundary = uuid.uuid4().hex
    seen = {"max": 0, "sent": 0}

    def body():
        for k, v in form["fields"].items():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
               "Content-Type: image/png\r\n\r\n").encode() + png_bytes()
        chunk = bytes(256 * 1024)
        for _ in range(5 * limit // len(chunk)):  # 5x the cap, streamed (chunked: no Content-Length)
            with contextlib.suppress(FileNotFoundError):  # the server may delete it between two looks
                seen["max"] = max(seen["max"], staging.stat().st_size)
            seen["sent"] += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    status = None
    try:
        with httpx.Client(timeout=30) as c:
            r = c.post(form["uploadUrl"], content=body(),
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            status = r.status_code
            assert "EntityTooLarge" in r.text
    except httpx.TransportError:
        status = "closed"  # the server may stop reading and close: also a refusal
    assert status in (413, "closed")
    assert seen["max"] <= limit + 256 * 1024  # never more than the cap (and one chunk) on disk
    assert not staging.exists()
    assert sb.engine.uploads.lookup(form["runwayUri"]) is None and sb.engine.stats()["uploads"] == 0
    biggest = max((p.stat().st_size for p in sb.engine.uploads.root.iterdir()), default=0)
    assert biggest <= limit
    with httpx.Client(headers=H) as c:  # and the URI cannot be used
        r = c.post(f"{sb.base_url}/v1/image_to_video", json={"model": "gen4_turbo", "promptImage": form["runwayUri"],
                                                              "ratio": "960:960"})
        assert r.status_code == 400 and "promptImage" in r.text


def test_an_upload_declaring_a_size_over_the_cap_is_refused_at_once(sb):
    """Refused from its headers: the answer comes before a byte of the body is sent."""
    with httpx.Client() as c:
        form = c.post(f"{sb.base_url}/v1/uploads", headers=H, json={"filename": "big.png", "type": "ephemeral"}).json()
    url = urlsplit(form["uploadUrl"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.putrequest("POST", url.path)
        conn.putheader("Content-Type", "multipart/form-data; boundary=b")
        conn.putheader("Content-Length", str(sb.engine.upload_limit + 2_000_000))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413 and b"EntityTooLarge" in resp.read()
    finally:
        conn.close()
    assert not sb.engine.uploads.staging_path(url.path.rsplit("/", 1)[-1]).exists()


def test_upload_targets_refuse_forged_or_unknown_forms(sb):
    with httpx.Client() as c:
        form = c.post(f"{sb.base_url}/v1/uploads", headers=H, json={"filename": "a.png", "type": "ephemeral"}).json()
        file = {"file": ("a.png", png_bytes(), "image/png")}
        forged = {**form["fields"], "x-amz-signature": "0" * 64}
        assert c.post(form["uploadUrl"], data=forged, files=file).status_code == 403
        other_key = {**form["fields"], "key": "uploads/../../outputs/evil.png"}
        assert c.post(form["uploadUrl"], data=other_key, files=file).status_code == 403
        unknown = form["uploadUrl"].rsplit("/", 1)[0] + "/" + quote("../outputs", safe="")
        assert c.post(unknown, data=form["fields"], files=file).status_code == 404
    assert sb.engine.stats()["uploads"] == 0
