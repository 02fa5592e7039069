"""JSON for review: sorted keys, one operation per line, one field per line, everything deeper compact.

A diff of api.json then reads as "this field of this model changed" rather than as scattered brackets.
"""

from __future__ import annotations

import json

# How many levels of each top-level section are laid out over lines; below that, one line per value.
# operations: {id: {...}}                                   -> one operation per line
# variants:   {operation: {model: {"fields": {wire: {...}}}}} -> one field per line
# shapes:     {name: {"fields": {wire: {...}}}}              -> one field per line
EXPAND = {"sdk": 1, "operations": 1, "variants": 4, "shapes": 3}


def dumps(api: dict) -> str:
    lines = ["{"]
    keys = sorted(api)
    for i, key in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        body = _dump(api[key], EXPAND.get(key, 0), 1)
        lines.append(f" {json.dumps(key)}: {body}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dump(value, expand: int, indent: int) -> str:
    if expand <= 0 or not isinstance(value, dict) or not value:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    pad = " " * (indent + 1)
    items = sorted(value.items())
    inner = [f"{pad}{json.dumps(k)}: {_dump(v, expand - 1, indent + 1)}" for k, v in items]
    return "{\n" + ",\n".join(inner) + "\n" + " " * indent + "}"
