"""The seed guide's Python examples, as test data: each call as the guide makes it (models, fields, values).

The guide was the project's starting point; its calls are kept here so the repository stands alone.
Each example is client code that expects a `client` and leaves its result in `task` (or, for the
reference-images fragment, in `reference_images`). `ALTERNATIVES` are the other models the guide
names for an example ("or veo3, veo3.1_fast"), with the argument changes they need.
"""

from __future__ import annotations

from typing import NamedTuple


class Example(NamedTuple):
    name: str
    code: str


EXAMPLES = [
    Example("quick start: gen4.5 image to video, printing the URL", '''
task = client.image_to_video.create(
    model="gen4.5", prompt_image="https://example.com/image.jpg",
    prompt_text="A timelapse on a sunny day with clouds flying by", ratio="1280:720", duration=10,
).wait_for_task_output()
print(f"Video URL: {task.output[0]}")'''),
    Example("gen4.5 from text alone, on image_to_video", '''
task = client.image_to_video.create(
    model="gen4.5", prompt_text="A serene mountain landscape at sunset with clouds drifting",
    ratio="1280:720", duration=10,
).wait_for_task_output()'''),
    Example("gen4.5 from text with a seed", '''
task = client.image_to_video.create(
    model="gen4.5", prompt_text="A serene mountain lake at sunrise with mist rising from the water",
    ratio="1280:720", duration=10, seed=12345,  # reproducible
).wait_for_task_output()'''),
    Example("gen4.5 image to video, wide ratio", '''
task = client.image_to_video.create(
    model="gen4.5", prompt_image="https://example.com/image.jpg",
    prompt_text="Camera slowly pushes in, leaves rustling in the breeze", ratio="1584:672", duration=10,
    seed=12345,
).wait_for_task_output()'''),
    Example("gen4_turbo image to video", '''
task = client.image_to_video.create(
    model="gen4_turbo", prompt_image="https://example.com/image.jpg",
    prompt_text="Camera slowly pushes in, leaves rustling", ratio="1280:720", duration=5, seed=12345,
).wait_for_task_output()'''),
    Example("gen4_aleph video to video with a style reference", '''
task = client.video_to_video.create(
    model="gen4_aleph", video_uri="https://example.com/source.mp4", prompt_text="Transform to anime style",
    references=[{"uri": "https://example.com/style_ref.jpg"}],  # optional
).wait_for_task_output()'''),
    Example("act_two character performance", '''
task = client.character_performance.create(
    model="act_two",
    character={"type": "image", "uri": "https://example.com/character.jpg"},  # a video works too
    reference={"type": "video", "uri": "https://example.com/performance.mp4"},
).wait_for_task_output()'''),
    Example("veo3.1 from text alone", '''
task = client.image_to_video.create(
    model="veo3.1",
    prompt_text="A cinematic shot of a rocket launching at sunset with roaring engines",
).wait_for_task_output()'''),
    Example("veo3.1 image to video", '''
task = client.image_to_video.create(
    model="veo3.1", prompt_image="https://example.com/starting_frame.jpg",
    prompt_text="Smooth camera movement through the scene with ambient nature sounds",
).wait_for_task_output()'''),
    Example("gen4_image text to image", '''
task = client.text_to_image.create(
    model="gen4_image", ratio="1920:1080", prompt_text="A beautiful mountain landscape at sunset",
).wait_for_task_output()'''),
    Example("gen4_image with tagged references", '''
task = client.text_to_image.create(
    model="gen4_image", ratio="1920:1080", prompt_text="@EiffelTower painted in the style of @StarryNight",
    reference_images=[
        {"uri": "https://example.com/eiffel.jpg", "tag": "EiffelTower"},
        {"uri": "https://example.com/starry.jpg", "tag": "StarryNight"},
    ],
).wait_for_task_output()'''),
    Example("reference images: a tagged subject and an untagged style", '''
reference_images = [
    {"uri": "https://example.com/subject.jpg", "tag": "subject"},
    {"uri": "https://example.com/style.jpg"},  # untagged: a style reference
]'''),
    Example("text to speech with a preset voice", '''
task = client.text_to_speech.create(
    model="eleven_multilingual_v2", prompt_text="Hello, welcome to RunwayML!",
    voice={"type": "runway-preset", "preset_id": "Maya"},
).wait_for_task_output()'''),
    Example("sound effect", '''
task = client.sound_effect.create(
    model="eleven_text_to_sound_v2", prompt_text="Thunder rumbling in the distance, rain on a window",
).wait_for_task_output()'''),
    Example("voice isolation", '''
task = client.voice_isolation.create(
    model="eleven_voice_isolation", audio_uri="https://example.com/noisy_audio.mp3",
).wait_for_task_output()'''),
    Example("voice dubbing to Spanish", '''
task = client.voice_dubbing.create(
    model="eleven_voice_dubbing", audio_uri="https://example.com/speech.mp3", target_lang="es",
).wait_for_task_output()'''),
    Example("speech to speech", '''
task = client.speech_to_speech.create(
    model="eleven_multilingual_sts_v2",
    media={"type": "audio", "uri": "https://example.com/original.mp3"},  # a video works too
    voice={"type": "runway-preset", "preset_id": "Maya"},
).wait_for_task_output()'''),
    Example("a local image as a base64 data URI, then deleting the task", '''
import base64
with open("image.jpg", "rb") as f:
    data_uri = f"data:image/jpeg;base64,{base64.b64encode(f.read()).decode()}"
task = client.image_to_video.create(
    model="gen4_turbo", prompt_image=data_uri, prompt_text="Gentle movement",
).wait_for_task_output()
client.tasks.delete(task.id)'''),
    Example("error handling", '''
try:
    task = client.image_to_video.create(...).wait_for_task_output()
    if task.status == "FAILED":
        print(f"Generation failed: {task.failure}")
except RateLimitError:
    print("Rate limited - SDK retries automatically")
except APIError as e:
    print(f"API error {e.status_code}: {e.message}")'''),
]

# Other models the guide offers for an example: (example name, model, replacements in its code).
ALTERNATIVES = [
    ("veo3.1 from text alone", "veo3", {}),
    ("veo3.1 from text alone", "veo3.1_fast", {}),
    ("veo3.1 image to video", "veo3", {}),
    ("veo3.1 image to video", "veo3.1_fast", {}),
    ("gen4_image with tagged references", "gen4_image_turbo", {}),  # turbo requires references
    ("gen4_image text to image", "gemini_2.5_flash", {'"1920:1080"': '"1344:768"'}),  # one of its ratios
]

# Every model in the guide's tables.
GUIDE_MODELS = {
    "gen4.5", "gen4_turbo", "gen4_aleph", "act_two", "veo3", "veo3.1", "veo3.1_fast",
    "gen4_image", "gen4_image_turbo", "gemini_2.5_flash", "eleven_multilingual_v2", "eleven_text_to_sound_v2",
    "eleven_voice_isolation", "eleven_voice_dubbing", "eleven_multilingual_sts_v2",
}
