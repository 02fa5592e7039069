"""AsyncRunwayML: a few seed examples at once, the low-level text-only call, uploads and errors.

(Its CANCELLED handling, TaskFailedError, is in test_conformance_tasks.py with the other statuses.)
"""

from __future__ import annotations

import anyio
import pytest
import runwayml
from conformance_support import check_succeeded, strict_async_client, video
from media_samples import png_bytes
from runwayml.types import ImageToVideoCreateResponse
from test_conformance_seed import SDK_REFUSAL, SEED_EXAMPLES, TEXT_ONLY_EXAMPLES, wire_body

pytestmark = pytest.mark.anyio

ASYNC_SEED = ["gen4_image with tagged references", "text-to-speech", "voice dubbing", "speech-to-speech"]


async def test_seed_examples_concurrently(sandbox):
    cases = [c for c in SEED_EXAMPLES if c.id in ASYNC_SEED]
    assert len(cases) == len(ASYNC_SEED)
    done = {}

    async def run(client, case):
        created = await getattr(client, case.resource).create(**case.kwargs)
        done[case.id] = await created.wait_for_task_output(timeout=60)

    async with strict_async_client(sandbox) as client:
        async with anyio.create_task_group() as tg:
            for case in cases:
                tg.start_soon(run, client, case)
    for case in cases:
        await anyio.to_thread.run_sync(check_succeeded, done[case.id], case.expect)


async def test_text_only_seed_example_through_the_low_level_post(sandbox):
    seed = TEXT_ONLY_EXAMPLES[0]  # shortened to 2 s: the sync tests make the full 10 s one
    case = seed._replace(kwargs={**seed.kwargs, "duration": 2}, expect=video("1280:720", 2))
    async with strict_async_client(sandbox) as client:
        with pytest.raises(TypeError, match="^Missing required arguments") as refused:
            await client.image_to_video.create(**case.kwargs)
        assert str(refused.value) == SDK_REFUSAL
        created = await client.post("/v1/image_to_video", body=wire_body(case.kwargs),
                                    cast_to=ImageToVideoCreateResponse)
        task = await (await client.tasks.retrieve(created.id)).wait_for_task_output(timeout=60)
    await anyio.to_thread.run_sync(check_succeeded, task, case.expect)


async def test_upload_then_create(sandbox):
    async with strict_async_client(sandbox) as client:
        up = await client.uploads.create_ephemeral(file=("frame.png", png_bytes(320, 180)))
        created = await client.image_to_video.create(model="gen4_turbo", prompt_image=up.uri, ratio="720:1280",
                                                     duration=2)
        task = await created.wait_for_task_output(timeout=60)
    await anyio.to_thread.run_sync(check_succeeded, task, video("720:1280", 2))


async def test_errors(sandbox):
    async with strict_async_client(sandbox) as client:
        with pytest.raises(runwayml.BadRequestError):
            await client.text_to_image.create(model="gen4_image_turbo", prompt_text="needs a reference",
                                              ratio="1280:720", reference_images=[])
        with pytest.raises(runwayml.NotFoundError):
            await client.tasks.retrieve("00000000-0000-0000-0000-000000000000")
        org = await client.organization.retrieve()
        assert org.credit_balance > 0
    async with strict_async_client(sandbox, api_key="wrong", max_retries=0) as wrong:
        with pytest.raises(runwayml.AuthenticationError):
            await wrong.organization.retrieve()
