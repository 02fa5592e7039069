"""Limits the SDK states only in prose, pulled out of field docstrings by a few named rules.

Each rule reads one sentence and writes into the shape nodes it fits (a number range only into an
integer/number node, an item count only into a list node, ...), recording its name under the node's
`limitRules` so a reviewer of api.json sees where every value came from. A sentence that reads like a
limit (LIMIT_WORDS) but that no rule used is listed in docs/catalog-unmatched-limits.md: each one is
either a rule to add, a limit across fields that a shape cannot hold, or prose that only sounds like one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen".split())}
NUM = r"(\d[\d,]*(?:\.\d+)?|" + "|".join(WORDS) + r")"
LIMIT_WORDS = re.compile(
    r"\b(must|up to|between|at most|at least|maximum|minimum|no more than|exceed|less than|greater than|"
    r"one to|only|limit(?:ed)?|inclusive|exclusive)\b|\b\d+\s*-\s*\d+\b", re.I)
MEDIA = re.compile(r"\bdata URI\b.*?containing an encoded (image|video|audio)\b", re.I)
MEDIA_NOUNS = r"(?:images?|videos?|keyframes|clips|references|audio files|files|shots|segments|items|prompts)"


def number(text: str) -> int | float:
    text = text.lower().replace(",", "")
    if text in WORDS:
        return WORDS[text]
    return float(text) if "." in text else int(text)


def sentences(doc: str) -> list[str]:
    """Split prose into sentences, keeping 'e.g.' and 'i.e.' inside theirs."""
    text = " ".join(doc.split()).replace("e.g.", "e\x00g\x00").replace("i.e.", "i\x00e\x00")
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z`\"(\[])", text)
    return [p.replace("\x00", ".") for p in parts if p.strip()]


def _nodes(shape: dict, *types: str) -> Iterator[dict]:
    """The nodes of one field a stated limit can be about: the field itself, union members, and the
    items of a list for media and strings (a list's own prose about numbers speaks of the list)."""
    stack = [shape]
    while stack:
        node = stack.pop(0)
        if node.get("type") in types:
            yield node
        if node.get("type") == "union":
            stack.extend(node["of"])
        elif node.get("type") == "list" and set(types) <= {"media", "string"}:
            stack.append(node["items"])


def _set(node: dict, rule: str, **values) -> int:
    for key, value in values.items():
        node[key] = value
        node.setdefault("limitRules", {})[key] = rule
    return len(values)


# -- the rules: function(sentence, field's shape, named shapes) -> how many values it set ----------
def media_uri(s: str, shape: dict, shapes: dict) -> int:
    """'... data URI (e.g. ..., up to 5MB) containing an encoded image.': a media URI of that kind."""
    m = MEDIA.search(s)
    if not m:
        return 0
    n = 0
    for node in _nodes(shape, "string"):
        node.clear()
        node.update({"type": "media", "kinds": [m.group(1).lower()]})
        n += _set(node, "media-uri", kinds=[m.group(1).lower()])
    return n


def data_uri_size(s: str, shape: dict, shapes: dict) -> int:
    """'up to 5MB' in a media URI's description: the data URI's size cap, in the unit as written."""
    m = re.search(r"\bup to " + NUM + r"\s?MB\b", s)
    return sum(_set(node, "data-uri-size", dataUriMaxMB=number(m.group(1)))
               for node in _nodes(shape, "media")) if m else 0


def number_range(s: str, shape: dict, shapes: dict) -> int:
    """'Must be an integer from 2 to 10', 'between 0.5 and 30 seconds', '(4-15)' on a number field."""
    if re.search(r"\b(total|combined|across all|sum)\b", s, re.I):
        return 0
    m = (re.search(r"\b(?:from|between) (-?" + NUM + r") (?:to|and) (-?" + NUM + r")\b", s)
         or re.search(r"\((" + NUM + r")\s*-\s*(" + NUM + r")\)", s))
    if not m:
        return 0
    lo, hi = number(m.group(1)), number(m.group(3))
    return sum(_set(node, "number-range", min=lo, max=hi) for node in _nodes(shape, "integer", "number"))


def text_length(s: str, shape: dict, shapes: dict) -> int:
    """'A non-empty string up to 1000 characters (measured in UTF-16 code units)', 'Must be 3-16 characters'."""
    found: dict = {}
    if m := re.search(r"\bup to " + NUM + r" characters\b", s):
        found["maxLength"] = number(m.group(1))
    if m := re.search(r"\b(\d+)-(\d+) characters\b", s):
        found["minLength"], found["maxLength"] = int(m.group(1)), int(m.group(2))
    if m := re.search(r"\bat least " + NUM + r" characters\b", s):
        found["minLength"] = number(m.group(1))
    if found and re.search(r"\bnon-empty\b", s):
        found.setdefault("minLength", 1)
    if "maxLength" in found and re.search(r"UTF-16 code units", s):
        found["lengthUnit"] = "utf16"
    return sum(_set(node, "text-length", **found) for node in _nodes(shape, "string")) if found else 0


PATTERNS = {
    r"start with a letter, and use only letters, digits, and underscores": r"^[A-Za-z][A-Za-z0-9_]*$",
    r"start with a letter or underscore, followed by alphanumeric characters or underscores":
        r"^[A-Za-z_][A-Za-z0-9_]*$",
}


def identifier_pattern(s: str, shape: dict, shapes: dict) -> int:
    """'start with a letter, and use only letters, digits, and underscores': a regular expression."""
    for phrase, pattern in PATTERNS.items():
        if re.search(phrase, s, re.I):
            return sum(_set(node, "identifier-pattern", pattern=pattern) for node in _nodes(shape, "string"))
    return 0


def item_count(s: str, shape: dict, shapes: dict) -> int:
    """'(up to 9)', 'An array of up to 16 images', 'one to three images', '(1-10)', 'Up to 5 keyframes'
    on a list field."""
    found: dict = {}
    if m := re.search(r"\b" + NUM + r" to " + NUM + r" " + MEDIA_NOUNS, s):
        found["minItems"], found["maxItems"] = number(m.group(1)), number(m.group(2))
    elif m := re.search(r"\((\d+)-(\d+)(?: [a-z]+)?\)", s):
        found["minItems"], found["maxItems"] = int(m.group(1)), int(m.group(2))
    elif m := (re.search(r"\(up to " + NUM + r"\)", s)
               or re.match(r"(?:An? (?:optional )?array of )?up to " + NUM + r" (?!of\b)(?:[\w-]+ ){0,2}"
                           + MEDIA_NOUNS, s, re.I)):
        found["maxItems"] = number(m.group(1))
    if m := re.match(r"Requires at least " + NUM + r" (?:[\w-]+ ){0,2}" + MEDIA_NOUNS, s):
        found["minItems"] = number(m.group(1))
    return sum(_set(node, "item-count", **found) for node in _nodes(shape, "list")) if found else 0


def input_duration(s: str, shape: dict, shapes: dict) -> int:
    """'The video must be between 3 and 30 seconds in duration.' on a media field, or on the media `uri`
    of the structure the field names (act_two's `reference: {type, uri}`); 'each clip': on a list."""
    m = re.search(r"\bbetween " + NUM + r" and " + NUM + r" seconds\b", s)
    if not m or re.search(r"\b(total|combined|across all)\b", s, re.I):
        return 0
    lo, hi = number(m.group(1)), number(m.group(2))
    targets = list(_nodes(shape, "media")) if shape.get("type") != "list" else []
    if shape.get("type") == "ref":
        fields = shapes.get(shape["name"], {}).get("fields", {})
        targets = [node for f in fields.values() for node in _nodes(f["shape"], "media")]
    n = sum(_set(node, "input-duration", minSeconds=lo, maxSeconds=hi) for node in targets)
    if re.search(r"\beach (clip|video|file)\b", s):
        n += sum(_set(node, "input-duration", itemMinSeconds=lo, itemMaxSeconds=hi)
                 for node in _nodes(shape, "list"))
    return n


def total_duration(s: str, shape: dict, shapes: dict) -> int:
    """'The total combined duration must not exceed 15 seconds', 'together at most 30 seconds long',
    'Total duration across all segments must be between 3 and 15 seconds' on a list field."""
    found: dict = {}
    if not re.search(r"\b(total|combined|together)\b", s, re.I):
        return 0
    if m := re.search(r"\bbetween " + NUM + r" and " + NUM + r" seconds\b", s):
        found["minTotalSeconds"], found["maxTotalSeconds"] = number(m.group(1)), number(m.group(2))
    elif m := re.search(r"\b(?:must not exceed|at most) " + NUM + r" seconds\b", s):
        found["maxTotalSeconds"] = number(m.group(1))
    elif m := re.search(r"\bmust be less than " + NUM + r" seconds\b", s):
        found["maxTotalSeconds"], found["maxTotalExclusive"] = number(m.group(1)), True
    return sum(_set(node, "total-duration", **found) for node in _nodes(shape, "list")) if found else 0


# -- rules across fields: kept on the field's own node, judged against its siblings (shapes.across) --
def _ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def only_when(s: str, shape: dict, shapes: dict) -> int:
    """'Only valid when `outputFormat` is `prores` or `hdr_prores`.': the field needs a sibling's value."""
    m = re.match(r"Only valid when `(\w+)` is (`[^`]+`(?:(?:,|,? or) `[^`]+`)*)\.?$", s)
    return _set(shape, "only-when", onlyWhen={m.group(1): _ticked(m.group(2))}) if m else 0


def values_when(s: str, shape: dict, shapes: dict) -> int:
    """'For `hdr_prores`, only `422`, `422 HQ` and `4444` are available' (about the sibling onlyWhen
    names); 'Draft mode only supports `mp4`.' (while the boolean `draft` is true): a narrower value set."""
    if m := re.match(r"For `([^`]+)`, only (`[^`]+`(?:(?:,| and| or) `[^`]+`)*) are available\b", s):
        siblings = list(shape.get("onlyWhen") or {})
        if len(siblings) != 1:
            return 0
        when, values = {siblings[0]: m.group(1)}, _ticked(m.group(2))
    elif m := re.match(r"(\w+) mode only supports (`[^`]+`(?:(?:,| and| or) `[^`]+`)*)\.?$", s):
        when, values = {m.group(1).lower(): True}, _ticked(m.group(2))
    else:
        return 0
    return _set(shape, "values-when", valuesWhen=[*shape.get("valuesWhen", []), {"when": when, "values": values}])


def requires_sibling(s: str, shape: dict, shapes: dict) -> int:
    """'Requires at least one reference image.' on a boolean: true needs the sibling list of them."""
    m = re.match(r"Requires at least one (\w+) (\w+?)s?\.?$", s)
    if not m or shape.get("type") != "boolean":
        return 0
    return _set(shape, "requires-sibling", requires=[m.group(1) + m.group(2).capitalize() + "s"])


RULES: dict[str, Callable[[str, dict, dict], int]] = {
    "media-uri": media_uri,
    "data-uri-size": data_uri_size,
    "number-range": number_range,
    "text-length": text_length,
    "identifier-pattern": identifier_pattern,
    "item-count": item_count,
    "input-duration": input_duration,
    "total-duration": total_duration,
    "only-when": only_when,
    "values-when": values_when,
    "requires-sibling": requires_sibling,
}


def uri_or_list(shape: dict, shapes: dict) -> int:
    """A field that takes a URI or a list of {uri, ...} (promptImage: "an image ..., or an array with a
    first frame and optionally a last frame"): its plain string is a URI of the same kind as the items'."""
    if shape.get("type") != "union":
        return 0
    strings = [m for m in shape["of"] if m.get("type") == "string"]
    for member in shape["of"]:
        items = member.get("items", {}) if member.get("type") == "list" else {}
        item = shapes.get(items.get("name"), items) if items.get("type") == "ref" else items
        uri = item.get("fields", {}).get("uri", {}).get("shape", {})
        if strings and uri.get("type") == "media":
            for node in strings:
                node.clear()
                node.update({k: v for k, v in uri.items() if k != "limitRules"})
                node["limitRules"] = {k: "uri-or-list" for k in uri if k not in ("type", "limitRules")}
            return len(strings)
    return 0


class LimitRules:
    """Applies RULES to every field's docstring; counts values per rule; keeps the unmatched sentences."""

    def __init__(self) -> None:
        self.shapes: dict[str, dict] = {}  # the named shapes so far (the reader shares its table)
        self.counts: Counter = Counter({name: 0 for name in RULES})
        self.unmatched: dict[str, list[str]] = defaultdict(list)

    def apply(self, where: str, doc: str, shape: dict) -> None:
        for sentence in sentences(doc):
            used = 0
            for name, rule in RULES.items():
                n = rule(sentence, shape, self.shapes)
                self.counts[name] += n
                used += n
            if not used and LIMIT_WORDS.search(sentence):
                self.unmatched[sentence].append(where)
        self.counts["uri-or-list"] += uri_or_list(shape, self.shapes)  # what the prose left a plain string

    def unmatched_markdown(self, version: str) -> str:
        lines = [
            "# Docstring sentences that read like limits, not turned into data",
            "",
            f"Generated by `scripts/gen_catalog.py` from `runwayml` {version}: sentences in request-field",
            "docstrings that contain a limit word (must, up to, between, at most, only, ...) but that no rule in",
            "`scripts/catalog_gen/limits.py` used. Read this file's diff on every SDK bump: each entry is a rule",
            "to add, a rule across fields that one field's shape cannot hold, or prose that only sounds like one.",
            "",
            f"{len(self.unmatched)} sentences, "
            f"{sum(len(v) for v in self.unmatched.values())} occurrences.",
            "",
        ]
        for sentence, places in sorted(self.unmatched.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = ", ".join(f"`{p}`" for p in sorted(places)[:3])
            more = f" and {len(places) - 3} more" if len(places) > 3 else ""
            lines.append(f"- ({len(places)}x) {sentence}")
            lines.append(f"  - {shown}{more}")
        return "\n".join(lines) + "\n"
