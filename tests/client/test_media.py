"""media.py: every input form becomes a wire URI; formats judged by bytes; large files streamed up.

Uploads go to the sandbox in-process (httpx.ASGITransport) behind a transport that records how the
file arrived: in chunks, without the API key. The 150 MB peak-memory figure is bench/bench_inputs.py.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import httpx
import numpy as np
import pytest
from media_samples import gif_bytes, image_bytes, png_bytes, wav_bytes
from PIL import Image

from runway_nb import catalog, errors, formats, media
from runway_nb.http import HTTP
from runway_nb.sandbox import Engine, create_app

KEY = "key_MEDIAtest_0123456789abcdef"
BASE = "http://sandbox.test"
IMG = ("image",)


def decode(uri: str) -> tuple[str, bytes]:
    head, _, payload = uri.partition(",")
    return head[5:].split(";")[0], base64.b64decode(payload)


class NoNetwork:
    """An HTTP stand-in that fails the test if anything is sent."""

    base_url = BASE

    async def request(self, *a, **kw):
        raise AssertionError(f"unexpected request {a}")

    upload = request


class Recorder(httpx.AsyncBaseTransport):
    """Forwards to the sandbox; for the upload POST, records the chunks the body was streamed in."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.requests, self.chunks = inner, [], []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.startswith("/_sandbox/uploads/"):
            body = b""
            async for chunk in request.stream:
                self.chunks.append(len(chunk))
                body += chunk
            request = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def sandbox():
    engine = Engine(api_key=KEY)
    rec = Recorder(httpx.ASGITransport(app=create_app(engine)))
    yield engine, rec, HTTP(BASE, KEY, transport=rec)
    engine.close()


# -- each input form ----------------------------------------------------------------------------------
@pytest.mark.anyio
@pytest.mark.parametrize("uri", ["https://example.com/a.jpg", "runway://uploads/abc"])
async def test_remote_uris_pass_through_untouched(uri):
    assert await media.prepare(uri, field="promptImage", kinds=IMG, http=NoNetwork()) == uri


@pytest.mark.anyio
async def test_paths_str_and_path_become_data_uris(tmp_path):
    data = png_bytes()
    (tmp_path / "a.png").write_bytes(data)
    for value in (str(tmp_path / "a.png"), tmp_path / "a.png"):
        assert decode(await media.prepare(value, field="promptImage", kinds=IMG, http=NoNetwork())) == (
            "image/png", data)


@pytest.mark.anyio
async def test_the_format_comes_from_the_bytes_not_the_name(tmp_path):
    jpeg = image_bytes("JPEG")
    (tmp_path / "lies.png").write_bytes(jpeg)
    uri = await media.prepare(tmp_path / "lies.png", field="promptImage", kinds=IMG, http=NoNetwork())
    assert decode(uri) == ("image/jpeg", jpeg)
    assert decode(await media.prepare(jpeg, field="promptImage", kinds=IMG, http=NoNetwork()))[0] == "image/jpeg"


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
async def test_pil_images_become_png(mode):
    img = Image.new(mode, (20, 10))
    mime, data = decode(await media.prepare(img, field="promptImage", kinds=IMG, http=NoNetwork()))
    assert mime == "image/png" and Image.open(io.BytesIO(data)).mode == mode


@pytest.mark.anyio
@pytest.mark.parametrize("shape, dtype", [((12, 16), np.uint8), ((12, 16, 3), np.uint8), ((12, 16, 4), np.uint8),
                                          ((12, 16, 3), np.float32), ((12, 16), np.float64)])
async def test_numpy_arrays_become_png(shape, dtype):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, shape).astype(np.uint8)
    value = arr if dtype == np.uint8 else (arr / 255).astype(dtype)
    mime, data = decode(await media.prepare(value, field="promptImage", kinds=IMG, http=NoNetwork()))
    assert mime == "image/png"
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), arr)


@pytest.mark.parametrize("value, says", [
    (np.zeros((4, 4, 2), np.uint8), "HxW, HxWx3 or HxWx4"),
    (np.zeros((4, 4), np.int64), "uint8"),
    (np.full((4, 4), 2.0), "0..1"),
    (object(), "cannot use a object"),
    ("http://example.com/a.png", "https://"),
])
def test_unusable_values_are_refused_naming_the_field(value, says):
    with pytest.raises(errors.ValidationError) as caught:
        media.inspect(value, field="referenceImages.0.uri", kinds=IMG)
    assert says in str(caught.value) and "referenceImages.0.uri" in str(caught.value)
    assert caught.value.problems[0].field == "referenceImages.0.uri"


def test_missing_paths_and_directories_are_refused_naming_the_field(tmp_path):
    with pytest.raises(errors.ValidationError, match=r"promptImage: file .*nope.png' does not exist"):
        media.inspect(tmp_path / "nope.png", field="promptImage", kinds=IMG)
    with pytest.raises(errors.ValidationError, match="promptImage: .* is a directory"):
        media.inspect(str(tmp_path), field="promptImage", kinds=IMG)


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_value_is_refused_as_empty(value):
    with pytest.raises(errors.ValidationError, match="promptImage is empty; give an https:// URL") as caught:
        media.inspect(value, field="promptImage", kinds=IMG)
    assert "directory" not in str(caught.value)


@pytest.mark.anyio
async def test_a_truncated_image_is_refused_in_every_local_form(tmp_path):
    cut = png_bytes()[:60]
    (tmp_path / "cut.png").write_bytes(cut)
    data_uri = "data:image/png;base64," + base64.b64encode(cut).decode()
    for value in (cut, tmp_path / "cut.png", data_uri):
        with pytest.raises(errors.ValidationError, match="promptImage: the PNG image cannot be read .*truncated"):
            await media.prepare(value, field="promptImage", kinds=IMG, http=NoNetwork())


def test_audio_in_an_mp4_container_is_m4a_for_an_audio_field():
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:  # brand isom, as ffmpeg writes any .mp4
        stream = out.add_stream("aac", rate=16000)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    src = media.inspect(buf.getvalue(), field="audioUri", kinds=("audio",))
    assert (src.kind, src.format, src.mime) == ("audio", "m4a", catalog.INPUT_LIMITS["audio"].mime["m4a"])


@pytest.mark.anyio
async def test_act_two_reference_length_is_checked_before_anything_is_sent(tmp_path):
    short = tmp_path / "short.wav"  # its length is all that matters here: measured before any request
    short.write_bytes(wav_bytes(1))
    body = {"model": "act_two", "character": {"type": "image", "uri": "https://example.com/c.png"},
            "reference": {"type": "video", "uri": short}}
    with pytest.raises(errors.ValidationError, match="reference.uri: the reference video lasts 1.0 s") as caught:
        await media.prepare_body("/v1/character_performance", body, http=NoNetwork())
    assert caught.value.problems[0].field == "reference.uri"
    remote = {**body, "reference": {"type": "video", "uri": "https://example.com/r.mp4"}}
    assert await media.prepare_body("/v1/character_performance", remote, http=NoNetwork()) == remote


@pytest.mark.anyio
async def test_gif_is_refused_by_name_in_every_form(tmp_path):
    gif = gif_bytes()
    (tmp_path / "a.gif").write_bytes(gif)
    data_uri = "data:image/gif;base64," + base64.b64encode(gif).decode()
    for value in (gif, tmp_path / "a.gif", data_uri):
        with pytest.raises(errors.ValidationError, match="promptImage: GIF is not supported"):
            await media.prepare(value, field="promptImage", kinds=IMG, http=NoNetwork())


def test_the_wrong_kind_and_unknown_bytes_are_refused():
    with pytest.raises(errors.ValidationError, match="got audio .wav., but videoUri takes video"):
        media.inspect(wav_bytes(1), field="videoUri", kinds=("video",))
    with pytest.raises(errors.ValidationError, match="not a recognised media format"):
        media.inspect(b"hello world, not media", field="audioUri", kinds=("audio",))


@pytest.mark.anyio
async def test_over_the_upload_limit_is_refused_before_any_request(tmp_path):
    big = tmp_path / "huge.mp4"
    with big.open("wb") as fh:  # sparse: takes no disk
        fh.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        fh.truncate(catalog.UPLOAD_MAX_BYTES + 1)
    with pytest.raises(errors.ValidationError, match="videoUri: 200.0 MB is over the 200 MB upload limit"):
        await media.prepare(big, field="videoUri", kinds=("video",), http=NoNetwork())


# -- data URI or upload -------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_a_data_uri_within_the_cap_is_sent_as_is():
    uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    assert await media.prepare(uri, field="promptImage", kinds=IMG, http=NoNetwork()) == uri


@pytest.mark.anyio
async def test_a_data_uri_that_misnames_its_type_is_rewritten_from_the_bytes():
    jpeg = image_bytes("JPEG")
    uri = "data:image/png;base64," + base64.b64encode(jpeg).decode()
    assert decode(await media.prepare(uri, field="promptImage", kinds=IMG, http=NoNetwork())) == ("image/jpeg", jpeg)


@pytest.mark.anyio
async def test_a_large_file_is_uploaded_streamed_from_disk_without_the_key(sandbox, tmp_path):
    engine, rec, http = sandbox
    path = tmp_path / "big.png"
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 256, (1200, 1000, 3), dtype=np.uint8)).save(path)  # ~3.6 MB, incompressible
    size = path.stat().st_size
    assert size > 3_000_000
    uri = await media.prepare(path, field="promptImage", kinds=IMG, http=http, data_uri_max=1_000_000)
    assert uri.startswith("runway://")
    assert engine.uploads.lookup(uri).read_bytes() == path.read_bytes()
    upload = next(r for r in rec.requests if r.url.path.startswith("/_sandbox/uploads/"))
    assert "authorization" not in upload.headers and int(upload.headers["content-length"]) > size
    assert len(rec.chunks) > 20 and max(rec.chunks) <= 1 << 20  # streamed in pieces, never all at once
    ask = next(r for r in rec.requests if r.url.path == "/v1/uploads")
    assert ask.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.anyio
async def test_a_data_uri_too_large_to_inline_is_uploaded_decoded(sandbox):
    engine, rec, http = sandbox
    data = wav_bytes(3)
    uri = "data:audio/wav;base64," + base64.b64encode(data).decode()
    out = await media.prepare(uri, field="audioUri", kinds=("audio",), http=http, data_uri_max=1000)
    assert out.startswith("runway://") and engine.uploads.lookup(out).read_bytes() == data


@pytest.mark.anyio
async def test_prepare_body_fills_every_media_field_and_leaves_the_input_alone(tmp_path):
    (tmp_path / "face.png").write_bytes(png_bytes())
    body = {"model": "gen4_image", "promptText": "@Cat", "ratio": "1280:720",
            "referenceImages": [{"uri": Image.new("RGB", (4, 4)), "tag": "Cat"}, tmp_path / "face.png",
                                {"uri": "https://example.com/x.jpg"}]}
    out = await media.prepare_body("/v1/text_to_image", body, http=NoNetwork())
    refs = out["referenceImages"]
    assert refs[0]["tag"] == "Cat" and refs[0]["uri"].startswith("data:image/png;base64,")
    assert refs[1] == {"uri": refs[1]["uri"]} and refs[1]["uri"].startswith("data:image/png")
    assert refs[2]["uri"] == "https://example.com/x.jpg"
    assert isinstance(body["referenceImages"][1], Path)  # the caller's body is not changed

    act = {"model": "act_two", "character": tmp_path / "face.png",
           "reference": {"type": "video", "uri": "https://example.com/v.mp4"}}
    out = await media.prepare_body("/v1/character_performance", act, http=NoNetwork())
    assert out["character"]["type"] == "image" and out["character"]["uri"].startswith("data:image/png")
    assert out["reference"] == act["reference"]

    veo = {"model": "veo3.1", "promptImage": [{"uri": np.zeros((8, 8, 3), np.uint8), "position": "first"}]}
    out = await media.prepare_body("/v1/image_to_video", veo, http=NoNetwork())
    assert out["promptImage"][0]["position"] == "first" and out["promptImage"][0]["uri"].startswith("data:")

    aleph = {"model": "gen4_aleph", "promptText": "x", "videoUri": "https://example.com/v.mp4",
             "references": [png_bytes()]}
    out = await media.prepare_body("/v1/video_to_video", aleph, http=NoNetwork())
    assert out["references"][0]["type"] == "image"


@pytest.mark.anyio
async def test_prepare_body_names_the_nested_field_in_errors():
    body = {"model": "gen4_image", "promptText": "x", "ratio": "1280:720",
            "referenceImages": [{"uri": png_bytes()}, {"uri": gif_bytes()}]}
    with pytest.raises(errors.ValidationError) as caught:
        await media.prepare_body("/v1/text_to_image", body, http=NoNetwork())
    assert caught.value.problems[0].field == "referenceImages.1.uri"


def test_prepare_sync_works_from_plain_code():
    uri = media.prepare_sync(png_bytes(), field="promptImage", kinds=IMG, http=NoNetwork())
    assert uri.startswith("data:image/png")


def test_input_seconds_measures_local_media_only(tmp_path):
    (tmp_path / "a.wav").write_bytes(wav_bytes(2.0))
    assert media.input_seconds(tmp_path / "a.wav") == pytest.approx(2.0, abs=0.05)
    assert media.input_seconds(wav_bytes(1.5)) == pytest.approx(1.5, abs=0.05)
    data_uri = "data:audio/wav;base64," + base64.b64encode(wav_bytes(1.0)).decode()
    assert media.input_seconds(data_uri) == pytest.approx(1.0, abs=0.05)
    assert media.input_seconds({"type": "audio", "uri": data_uri}) == pytest.approx(1.0, abs=0.05)
    for remote in ("https://example.com/a.mp3", "runway://uploads/x", None, tmp_path / "missing.wav"):
        assert media.input_seconds(remote) is None
    assert formats.sniff(png_bytes()[:16]) == ("image", "png")
