"""Every catalog model on every endpoint it supports, through the official SDK's own resource.

The seed guide shows one call per model at most; these fill in the rest from catalog data (ratios,
durations, voices, languages), using each model's distinctive options. Short durations keep the
suite quick; the seed file covers the long ones.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from conformance_support import AUD, IMG, VID, Expect, audio, check_succeeded, image, video
from media_samples import data_uri, png_bytes, video_bytes, wav_bytes
from test_conformance_seed import SEED_EXAMPLES, TEXT_ONLY_EXAMPLES

from runway_nb import catalog


class Case(NamedTuple):
    id: str
    resource: str  # client.<resource>.create(**kwargs)
    kwargs: dict
    expect: Expect


FIRST_FRAME = data_uri(png_bytes(96, 64, (250, 200, 30)), "image/png")
LAST_FRAME = data_uri(png_bytes(96, 64, (20, 40, 160)), "image/png")
SOURCE_VIDEO = data_uri(video_bytes(3.5, 320, 240), "video/mp4")  # measured: the output follows it
SPEECH_WAV = data_uri(wav_bytes(5.0, 16000, tone_hz=220), "audio/wav")
LOW = {"public_figure_threshold": "low"}
last_voice = catalog.VOICE_PRESETS[-1]

MODEL_CASES = [
    # -- video ---------------------------------------------------------------------------------------
    Case("gen4.5 text_to_video portrait", "text_to_video", dict(
        model="gen4.5", prompt_text="A paper boat on a puddle", ratio=catalog.T2V_GEN45_RATIOS[1],
        duration=2, seed=7, content_moderation=LOW),
        video(catalog.T2V_GEN45_RATIOS[1], 2)),
    Case("gen4.5 image_to_video keyframe list", "image_to_video", dict(
        model="gen4.5", prompt_image=[{"uri": FIRST_FRAME, "position": "first"}], prompt_text="The sun rises",
        ratio="960:960", duration=3),
        video("960:960", 3)),
    Case("gen4_turbo image_to_video", "image_to_video", dict(
        model="gen4_turbo", prompt_image=FIRST_FRAME, ratio="832:1104", duration=2, content_moderation=LOW),
        video("832:1104", 2)),
    Case("veo3 text_to_video", "text_to_video", dict(
        model="veo3", prompt_text="Waves on a pebble beach", ratio=catalog.VEO_RATIOS[1], duration=8),
        video(catalog.VEO_RATIOS[1], 8, audio=True)),
    Case("veo3 image_to_video", "image_to_video", dict(
        model="veo3", prompt_image=IMG, prompt_text="A dog barks", ratio="1280:720", duration=8),
        video("1280:720", 8, audio=True)),
    Case("veo3.1 text_to_video silent", "text_to_video", dict(
        model="veo3.1", prompt_text="Snow falling on a quiet street", ratio="1280:720", duration=4, audio=False),
        video("1280:720", 4, audio=False)),
    Case("veo3.1 image_to_video first and last frames", "image_to_video", dict(
        model="veo3.1", prompt_image=[{"uri": FIRST_FRAME, "position": "first"},
                                      {"uri": LAST_FRAME, "position": "last"}],
        ratio="720:1280", duration=6),
        video("720:1280", 6, audio=True)),
    Case("veo3.1_fast text_to_video", "text_to_video", dict(
        model="veo3.1_fast", prompt_text="A drummer on a rooftop", ratio="720:1280", duration=4, audio=True),
        video("720:1280", 4, audio=True)),
    Case("veo3.1_fast image_to_video silent", "image_to_video", dict(
        model="veo3.1_fast", prompt_image=IMG, ratio="1280:720", duration=4, audio=False),
        video("1280:720", 4, audio=False)),
    # ratio is deprecated and ignored for Aleph: the output has the input video's size and length
    Case("gen4_aleph video_to_video measured source", "video_to_video", dict(
        model="gen4_aleph", video_uri=SOURCE_VIDEO, prompt_text="Make it watercolour",
        references=[{"type": "image", "uri": IMG}], ratio="848:480", seed=3),
        video("320:240", 3.5)),
    Case("act_two video character", "character_performance", dict(
        model="act_two", character={"type": "video", "uri": VID}, reference={"type": "video", "uri": SOURCE_VIDEO},
        ratio="960:960", body_control=True, expression_intensity=5, content_moderation=LOW),
        video("960:960", 3.5)),
    # -- images --------------------------------------------------------------------------------------
    Case("gen4_image 720p tier", "text_to_image", dict(
        model="gen4_image", prompt_text="A lighthouse", ratio=catalog.GEN4_IMAGE_720P[-1], seed=11),
        image(catalog.GEN4_IMAGE_720P[-1])),
    Case("gen4_image_turbo with a reference", "text_to_image", dict(
        model="gen4_image_turbo", prompt_text="@Hero in a forest", ratio="720:720",
        reference_images=[{"uri": FIRST_FRAME, "tag": "Hero"}]),
        image("720:720")),
    Case("gemini_2.5_flash", "text_to_image", dict(
        model="gemini_2.5_flash", prompt_text="A fox in the snow", ratio=catalog.GEMINI_RATIOS[1]),
        image(catalog.GEMINI_RATIOS[1])),
    Case("gemini_2.5_flash with a reference", "text_to_image", dict(
        model="gemini_2.5_flash", prompt_text="The same fox at night", ratio="1024:1024",
        reference_images=[{"uri": IMG}]),
        image("1024:1024")),
    # -- audio ---------------------------------------------------------------------------------------
    Case(f"text_to_speech voice {last_voice}", "text_to_speech", dict(
        model="eleven_multilingual_v2", prompt_text="The quick brown fox jumps over the lazy dog.",
        voice={"type": "runway-preset", "preset_id": last_voice}),
        audio()),
    Case("sound_effect looping 2.5 s", "sound_effect", dict(
        model="eleven_text_to_sound_v2", prompt_text="A ticking clock", duration=2.5, loop=True),
        audio(2.5)),
    Case("voice_isolation measured input", "voice_isolation", dict(
        model="eleven_voice_isolation", audio_uri=SPEECH_WAV),
        audio(5.0)),
    Case("speech_to_speech video media", "speech_to_speech", dict(
        model="eleven_multilingual_sts_v2", media={"type": "video", "uri": VID},
        voice={"type": "runway-preset", "preset_id": "Noah"}, remove_background_noise=True),
        audio()),
    Case("speech_to_speech measured audio", "speech_to_speech", dict(
        model="eleven_multilingual_sts_v2", media={"type": "audio", "uri": SPEECH_WAV},
        voice={"type": "runway-preset", "preset_id": "Maya"}),
        audio(5.0)),
] + [
    Case(f"voice_dubbing to {lang}", "voice_dubbing", dict(
        model="eleven_voice_dubbing", audio_uri=AUD, target_lang=lang, disable_voice_cloning=True,
        drop_background_audio=True, num_speakers=2),
        audio())
    for lang in ("en", "fr", "ja", "fil", "ta")  # first, common, CJK, three-letter, last
]


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: c.id)
def test_model_on_endpoint(client, case):
    task = getattr(client, case.resource).create(**case.kwargs).wait_for_task_output(timeout=60)
    check_succeeded(task, case.expect)


def test_every_catalog_model_and_endpoint_has_a_case():
    """Together with the seed's examples, the tables reach every (model, endpoint) the catalog knows."""
    covered = {(c.kwargs["model"], f"/v1/{c.resource}") for c in MODEL_CASES + SEED_EXAMPLES}
    covered |= {(c.kwargs["model"], "/v1/text_to_video") for c in TEXT_ONLY_EXAMPLES}  # judged as text-to-video
    wanted = {(m.id, path) for m in catalog.MODELS.values() for path in m.paths}
    assert wanted - covered == set()
    assert {m for m, _ in covered} == set(catalog.MODELS)
