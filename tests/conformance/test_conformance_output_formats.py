"""gen4.5's outputFormat through the official SDK: the delivery the request asks for comes back as a
real file of that container (read by media_facts), and a format the sandbox cannot make is refused
before anything is charged, saying it is a sandbox limit."""

from __future__ import annotations

import httpx
import pytest
import runwayml

from runway_nb import media_facts

ASK = dict(model="gen4.5", ratio="1280:720", prompt_text="a lighthouse at dusk", duration=2)


@pytest.mark.parametrize("fmt,container,codec,transfer", [
    ("prores", "mov", "prores", "BT.709"),
    ("hdr10", "mp4", "hevc", "PQ (SMPTE 2084)"),
    ("png_sequence", "zip", "png", None),
])
def test_a_delivery_format_comes_back_as_that_file(client, tmp_path, fmt, container, codec, transfer):
    task = client.text_to_video.create(**ASK, output_format=fmt).wait_for_task_output()
    url = task.output[0]
    path = tmp_path / f"out.{url.split('?')[0].rsplit('.', 1)[-1]}"
    path.write_bytes(httpx.get(url, timeout=60).content)
    facts = media_facts.facts(path)
    assert (facts.container, facts.video_codec, facts.width, facts.height, facts.frames) == (
        container, codec, 1280, 720, 48)
    assert facts.transfer == transfer and not media_facts.browser_playable(path)
    assert len(media_facts.poster(path)) > 1000


def test_a_format_the_sandbox_cannot_make_is_refused_before_charging(client):
    before = client.organization.retrieve().credit_balance
    with pytest.raises(runwayml.BadRequestError) as refused:
        client.text_to_video.create(**ASK, output_format="hdr_exr_acescg_sequence_1_3")
    assert "outputFormat" in str(refused.value.body) and "sandbox" in str(refused.value.body)
    assert client.organization.retrieve().credit_balance == before
