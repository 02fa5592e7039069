"""Ephemeral uploads, S3-style: POST /v1/uploads hands out a presigned form; the file is posted there.

The form is checked like a presigned S3 POST (key, policy, signature, expiry, no auth header), the
file part is streamed to disk and cut off at catalog.UPLOAD_MAX_BYTES, and the runway:// URI
resolves to the stored file for 24 hours (service time).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import python_multipart
from python_multipart.multipart import parse_options_header

from .. import catalog

URI_PREFIX = "runway://uploads/"
FORM_SECONDS = 3600  # how long the presigned form may be used
URI_SECONDS = 24 * 3600  # how long the runway:// URI stays valid


class UploadRejected(Exception):
    """The upload target refuses a post (status + message), as S3 would."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    id: str
    filename: str
    created: float  # epoch seconds
    path: Path | None = None
    size: int = 0

    @property
    def key(self) -> str:
        return f"uploads/{self.id}/{self.filename}"

    @property
    def uri(self) -> str:
        return URI_PREFIX + self.id


class UploadStore:
    """Upload records and files under `root`; `wall()` gives the engine's epoch time."""

    def __init__(self, root: Path, secret: bytes, wall: Callable[[], float]) -> None:
        self.root, self._secret, self._wall = root, secret, wall
        self.root.mkdir(parents=True, exist_ok=True)
        self._uploads: dict[str, Upload] = {}

    def _sign(self, policy: str) -> str:
        return hmac.new(self._secret, policy.encode(), hashlib.sha256).hexdigest()

    def create(self, filename: str, base_url: str) -> dict:
        """Start an upload: the wire answer {uploadUrl, fields, runwayUri}."""
        up = Upload(secrets.token_hex(16), Path(filename).name or "file", self._wall())
        self._uploads[up.id] = up
        expiry = datetime.fromtimestamp(up.created + FORM_SECONDS, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        policy = base64.b64encode(json.dumps({
            "expiration": expiry,
            "conditions": [{"key": up.key}, ["content-length-range", 0, catalog.UPLOAD_MAX_BYTES]],
        }).encode()).decode()
        fields = {"key": up.key, "policy": policy, "x-amz-algorithm": "AWS4-HMAC-SHA256",
                  "x-amz-signature": self._sign(policy)}
        return {"uploadUrl": f"{base_url.rstrip('/')}/_sandbox/uploads/{up.id}", "fields": fields,
                "runwayUri": up.uri}

    def get(self, upload_id: str) -> Upload | None:
        return self._uploads.get(upload_id)

    def staging_path(self, upload_id: str) -> Path:
        return self.root / f"{upload_id}.part"

    def accept(self, upload_id: str, fields: dict[str, str], path: Path) -> Upload:
        """Check the posted form like S3 checks a presigned POST, then keep the file."""
        up = self._uploads.get(upload_id)
        if up is None:
            raise UploadRejected(404, "NoSuchUpload: this upload URL was never handed out")
        policy = fields.get("policy", "")
        if not hmac.compare_digest(self._sign(policy), fields.get("x-amz-signature", "")):
            raise UploadRejected(403, "SignatureDoesNotMatch: send every entry of `fields` unchanged")
        if fields.get("key") != up.key:
            raise UploadRejected(403, f"AccessDenied: key must be {up.key!r}")
        if self._wall() > up.created + FORM_SECONDS:
            raise UploadRejected(403, "AccessDenied: the presigned form has expired; POST /v1/uploads again")
        final = self.root / upload_id
        path.replace(final)
        up.path, up.size = final, final.stat().st_size
        return up

    def lookup(self, uri: str) -> Path | None:
        """The file behind a runway:// URI, or None when unknown, never posted, or expired."""
        up = self._uploads.get(uri[len(URI_PREFIX):]) if uri.startswith(URI_PREFIX) else None
        if up is None or up.path is None or self._wall() > up.created + URI_SECONDS:
            return None
        return up.path

    def expire(self) -> None:
        """Forget uploads past their 24 hours and delete their files."""
        now = self._wall()
        for up in [u for u in self._uploads.values() if now > u.created + URI_SECONDS]:
            del self._uploads[up.id]
            if up.path is not None:
                up.path.unlink(missing_ok=True)


class FormTooLarge(Exception):
    pass


class BadForm(Exception):
    pass


async def read_form(chunks: AsyncIterator[bytes], content_type: str, dest: Path, limit: int) -> dict[str, str]:
    """Stream a multipart form: text fields are returned, the part named `file` goes to `dest`.

    Raises FormTooLarge past `limit` bytes of file, BadForm for a malformed or file-less form.
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not content_type.lower().startswith("multipart/form-data") or not boundary:
        raise BadForm("expected a multipart/form-data body with a boundary")
    fields: dict[str, str] = {}
    state: dict = {"name": None, "is_file": False, "buf": bytearray(), "size": 0, "got_file": False,
                   "hname": b"", "hval": b"", "disp": b""}
    out = open(dest, "wb")

    def on_part_begin():
        state.update(name=None, is_file=False, buf=bytearray(), disp=b"")

    def on_header_field(data, start, end):
        state["hname"] += data[start:end]

    def on_header_value(data, start, end):
        state["hval"] += data[start:end]

    def on_header_end():
        if state["hname"].lower() == b"content-disposition":
            state["disp"] = state["hval"]
        state["hname"], state["hval"] = b"", b""

    def on_headers_finished():
        _, opts = parse_options_header(state["disp"])
        state["name"] = opts.get(b"name", b"").decode("utf-8", "replace")
        state["is_file"] = state["name"] == "file"
        state["got_file"] |= state["is_file"]

    def on_part_data(data, start, end):
        if state["is_file"]:
            state["size"] += end - start
            if state["size"] > limit:
                raise FormTooLarge(f"the file is larger than {limit} bytes")
            out.write(data[start:end])
        elif len(state["buf"]) + end - start > 64 * 1024:
            raise BadForm(f"form field {state['name']!r} is too long")
        else:
            state["buf"] += data[start:end]

    def on_part_end():
        if not state["is_file"] and state["name"]:
            fields[state["name"]] = state["buf"].decode("utf-8", "replace")

    parser = python_multipart.MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    try:
        with out:
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
    except (FormTooLarge, BadForm):
        dest.unlink(missing_ok=True)
        raise
    except Exception as exc:  # the parser's own errors: a malformed body
        dest.unlink(missing_ok=True)
        raise BadForm(f"malformed multipart body ({exc})") from None
    if not state["got_file"]:
        dest.unlink(missing_ok=True)
        raise BadForm("the form has no part named 'file'")
    return fields
