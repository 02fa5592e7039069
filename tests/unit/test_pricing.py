"""pricing: every model against the contract's table (section 9), expected numbers worked out by hand."""

from __future__ import annotations

import pytest

from runway_nb import catalog
from runway_nb.pricing import Estimate, estimate

IMG = {"type": "image", "uri": "https://example.com/a.jpg"}

# (model, body, input_seconds, credits): credits computed by hand from the contract's prices.
CASES = [
    # gen4.5: 12 credits/s
    ("gen4.5", {"duration": 10}, None, 120),
    ("gen4.5", {"duration": 5}, None, 60),
    ("gen4.5", {"duration": 2}, None, 24),
    ("gen4.5", {}, None, 60),                       # default duration 5
    # gen4_turbo: 5 credits/s, default duration 10 (Runway docs)
    ("gen4_turbo", {"duration": 5}, None, 25),
    ("gen4_turbo", {}, None, 50),
    # gen4_aleph: 15 credits per second of the input video; nominal 5 s when unmeasured
    ("gen4_aleph", {}, None, 75),
    ("gen4_aleph", {}, 8.0, 120),
    ("gen4_aleph", {}, 4.2, 75),                    # 4.2 s rounds up to 5 s
    ("gen4_aleph", {}, 10.01, 165),                 # 11 s
    # act_two: 5 credits per second of the reference video
    ("act_two", {}, None, 25),
    ("act_two", {}, 12.5, 65),                      # 13 s
    ("act_two", {}, 30.0, 150),
    # veo3: 40 credits/s, always 8 s
    ("veo3", {"duration": 8}, None, 320),
    ("veo3", {}, None, 320),
    # veo3.1: 40 credits/s with audio, 20 without (contract: inferred)
    ("veo3.1", {}, None, 320),                      # defaults: 8 s, audio on
    ("veo3.1", {"duration": 4}, None, 160),
    ("veo3.1", {"duration": 6, "audio": True}, None, 240),
    ("veo3.1", {"audio": False}, None, 160),
    ("veo3.1", {"duration": 4, "audio": False}, None, 80),
    # veo3.1_fast: 15 credits/s with audio, 10 without
    ("veo3.1_fast", {}, None, 120),
    ("veo3.1_fast", {"duration": 6, "audio": False}, None, 60),
    ("veo3.1_fast", {"duration": 4}, None, 60),
    # gen4_image: 5 credits at 720p ratios, 8 at the others; default ratio 1920:1080
    ("gen4_image", {"ratio": "1280:720"}, None, 5),
    ("gen4_image", {"ratio": "720:720"}, None, 5),
    ("gen4_image", {"ratio": "1680:720"}, None, 5),
    ("gen4_image", {"ratio": "1920:1080"}, None, 8),
    ("gen4_image", {"ratio": "1024:1024"}, None, 8),
    ("gen4_image", {"ratio": "2112:912"}, None, 8),
    ("gen4_image", {}, None, 8),
    # gen4_image_turbo: 2 credits whatever the ratio; gemini: 5
    ("gen4_image_turbo", {"ratio": "1280:720"}, None, 2),
    ("gen4_image_turbo", {"ratio": "1920:1080"}, None, 2),
    ("gemini_2.5_flash", {"ratio": "1344:768"}, None, 5),
    ("gemini_2.5_flash", {}, None, 5),
    # eleven_multilingual_v2: 1 credit per 50 UTF-16 units of promptText
    ("eleven_multilingual_v2", {"promptText": "a"}, None, 1),
    ("eleven_multilingual_v2", {"promptText": "a" * 50}, None, 1),
    ("eleven_multilingual_v2", {"promptText": "a" * 51}, None, 2),
    ("eleven_multilingual_v2", {"promptText": "😀" * 25}, None, 1),    # 50 units
    ("eleven_multilingual_v2", {"promptText": "😀" * 26}, None, 2),    # 52 units, though 26 characters
    ("eleven_multilingual_v2", {"promptText": "x" * 1000}, None, 20),
    # eleven_text_to_sound_v2: 1 credit per 6 s of output; default 5 s
    ("eleven_text_to_sound_v2", {}, None, 1),
    ("eleven_text_to_sound_v2", {"duration": 0.5}, None, 1),
    ("eleven_text_to_sound_v2", {"duration": 6}, None, 1),
    ("eleven_text_to_sound_v2", {"duration": 6.5}, None, 2),
    ("eleven_text_to_sound_v2", {"duration": 30}, None, 5),
    # eleven_voice_isolation: 1 credit per 6 s of input audio; nominal 10 s
    ("eleven_voice_isolation", {}, None, 2),
    ("eleven_voice_isolation", {}, 4.6, 1),
    ("eleven_voice_isolation", {}, 12.0, 2),
    ("eleven_voice_isolation", {}, 12.1, 3),
    # eleven_voice_dubbing: 1 credit per 2 s of input audio
    ("eleven_voice_dubbing", {}, None, 5),
    ("eleven_voice_dubbing", {}, 3.0, 2),
    ("eleven_voice_dubbing", {}, 61.0, 31),
    # eleven_multilingual_sts_v2: 1 credit per 2 s of input; nominal length by media type
    ("eleven_multilingual_sts_v2", {"media": {"type": "audio", "uri": "https://e.com/a.mp3"}}, None, 5),
    ("eleven_multilingual_sts_v2", {"media": {"type": "video", "uri": "https://e.com/a.mp4"}}, None, 3),
    ("eleven_multilingual_sts_v2", {}, 7.0, 4),
]


@pytest.mark.parametrize(("model_id", "body", "seconds", "credits"), CASES,
                         ids=[f"{m}-{i}" for i, (m, *_) in enumerate(CASES)])
def test_estimate_matches_the_contract(model_id, body, seconds, credits):
    result = estimate(model_id, {"model": model_id, **body}, input_seconds=seconds)
    assert result.credits == credits
    assert result.dollars == pytest.approx(credits * 0.01)
    assert isinstance(result.credits, int)


def test_every_catalog_model_is_priced_in_these_tests():
    assert {case[0] for case in CASES} == set(catalog.MODELS)


def test_dollars_follow_catalog_credit_dollars():
    result = estimate("gen4.5", {"duration": 10})
    assert result == Estimate(120, 120 * catalog.CREDIT_DOLLARS, "12 credits/s x 10 s")
    assert result.dollars == 1.2


def test_basis_says_how_the_sum_was_made():
    assert estimate("veo3.1", {"duration": 4, "audio": False}).basis == "20 credits/s x 4 s (audio off)"
    assert estimate("gen4_image", {"ratio": "1280:720"}).basis == "5 credits per image (1280:720)"
    assert "nominal" in estimate("gen4_aleph", {}).basis
    assert "4.2 s of input video, measured" in estimate("gen4_aleph", {}, input_seconds=4.2).basis
    assert estimate("eleven_voice_dubbing", {}, input_seconds=3).basis.startswith("1 credit per 2 s x 2")


def test_input_second_fallback_is_the_catalog_nominal_length():
    nominal = catalog.NOMINAL_INPUT_SECONDS
    assert estimate("act_two", {}).credits == estimate("act_two", {}, input_seconds=nominal["video"]).credits
    assert estimate("eleven_voice_isolation", {}).credits == \
        estimate("eleven_voice_isolation", {}, input_seconds=nominal["audio"]).credits


def test_measurement_noise_does_not_add_a_unit():
    assert estimate("eleven_voice_isolation", {}, input_seconds=6.000000001).credits == 1
    assert estimate("gen4_aleph", {}, input_seconds=5.0000000001).credits == 75


def test_values_of_the_wrong_type_take_the_default():
    # An estimate of a half-filled form must not crash; validation refuses such a body separately.
    assert estimate("gen4.5", {"duration": "ten"}).credits == 60
    assert estimate("gen4.5", {"duration": True}).credits == 60
    assert estimate("veo3.1", {"audio": "false"}).credits == 320
    assert estimate("eleven_multilingual_v2", {}).credits == 0


def test_character_type_does_not_change_act_two_price():
    # act_two is charged on the reference (performance) video, whatever the character is.
    body = {"character": IMG, "reference": {"type": "video", "uri": "https://e.com/p.mp4"}}
    assert estimate("act_two", body, input_seconds=3).credits == 15


def test_unknown_model_raises_value_error():
    with pytest.raises(ValueError, match="no price is known for model 'gen9'"):
        estimate("gen9", {})
