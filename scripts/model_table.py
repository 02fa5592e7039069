"""Print README's model table rows for the models only the pinned SDK's types describe.

The seed's models have hand-written rows (their prices are published); these rows come from the
catalog: kind (what their operations make), provider, endpoints, and "price not published".
Run: .venv/bin/python scripts/model_table.py   (tests/unit/test_readme.py checks README against it)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runway_nb import catalog  # noqa: E402
from runway_nb.catalog import api, overlay  # noqa: E402


def kind(model_id: str) -> str:
    kinds = [overlay.output_kind(op.id) for op in api.operations_of(model_id) if overlay.output_kind(op.id)]
    return kinds[0] if kinds else "audio" if model_id.startswith("eleven") else "avatar"


def endpoints(model_id: str) -> str:
    return ", ".join(op.id.removesuffix(".create") for op in api.operations_of(model_id))


def rows() -> list[str]:
    out = []
    for model_id in api.model_ids():
        if model_id in catalog.MODELS:
            continue
        out.append(f"| `{model_id}` | {kind(model_id)} | {endpoints(model_id)} | price not published "
                   f"({overlay.provider(model_id)}) |")
    return out


if __name__ == "__main__":
    print("\n".join(rows()))
