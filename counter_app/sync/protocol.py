"""Wire protocol v1 shared by the client engine and the reference server (docs/sync-protocol.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
PROTOCOL_HEADER = "X-Counter-Protocol"
#: The counter installation's id (a UUID kept in its config folder): the server binds a counter
#: token to the first one it sees and refuses the token from any other (409, TOKEN_ELSEWHERE).
INSTALL_HEADER = "X-Counter-Install"
TOKEN_ELSEWHERE = "token_in_use_elsewhere"
#: In the server's rejection of a dossier whose code another dossier already holds: the counter
#: finds those rejections by it (a citizen holds a receipt that leads to someone else's record).
CODE_TAKEN_TEXT = "đã được dùng cho một hồ sơ khác"

#: Entities a counter may push.
# "file": a digitised paper's metadata, accepted once its bytes were uploaded (see files).
ENTITIES = frozenset({"dossier", "event", "slip", "rating", "file"})
MAX_BATCH_ITEMS = 1000
MAX_REQUEST_BYTES = 8 * 1024 * 1024
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_PAGE = 1000
DEFAULT_PAGE = 500

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HASH_RE = re.compile(r"^[0-9a-f]{64}$")

# Per-item push outcomes.
ACCEPTED = "accepted"
DUPLICATE = "duplicate"  # same key, same hash: already stored, nothing changed
CONFLICT = "conflict"  # same key, different hash
REJECTED = "rejected"  # the server refuses this record (message says why)

# Change kinds in the pull feed.
DOSSIER_STATUS = "dossier_status"
CATALOG = "catalog"
CALENDAR = "calendar"
#: A citizen's rating given on the province's web page, sent to the dossier's counter.
RATING = "rating"
# An online dossier to check at a counter, and "a counter took it" (broadcast to all counters).
ONLINE_DOSSIER = "online_dossier"
ONLINE_CLAIMED = "online_claimed"


class ProtocolError(ValueError):
    """A message that does not follow the protocol; str(exc) says what is wrong."""


@dataclass(frozen=True)
class PushItem:
    """One record in a push batch; (entity, uuid, version) is its idempotency key."""

    entity: str
    uuid: str
    version: int
    hash: str
    payload: dict[str, Any]

    @cached_property
    def key(self) -> tuple[str, str, int]:
        # Cached: the server looks it up several times per record in a 1,000-record batch.
        return (self.entity, self.uuid, self.version)

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "uuid": self.uuid,
            "version": self.version,
            "hash": self.hash,
            "payload": self.payload,
        }

    @classmethod
    def from_json(cls, raw: Any) -> PushItem:
        """Check the shape of one pushed record; ProtocolError names the bad field."""
        if not isinstance(raw, dict):
            raise ProtocolError("bản ghi phải là một đối tượng JSON")
        entity, uuid, version = raw.get("entity"), raw.get("uuid"), raw.get("version")
        digest, payload = raw.get("hash"), raw.get("payload")
        if entity not in ENTITIES:
            raise ProtocolError("trường entity phải là dossier, event, slip hoặc rating")
        if not isinstance(uuid, str) or not UUID_RE.match(uuid):
            raise ProtocolError("trường uuid phải là UUID viết thường")
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**31:
            raise ProtocolError("trường version phải là số nguyên dương")
        if not isinstance(digest, str) or not HASH_RE.match(digest):
            raise ProtocolError("trường hash phải gồm 64 chữ số hex viết thường")
        if not isinstance(payload, dict):
            raise ProtocolError("trường payload phải là một đối tượng JSON")
        return cls(str(entity), uuid, version, digest, payload)


@dataclass(frozen=True)
class PushResult:
    """The server's verdict on one pushed record."""

    entity: str
    uuid: str
    version: int
    status: str
    message: str = ""
    ref: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.entity, self.uuid, self.version)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "entity": self.entity,
            "uuid": self.uuid,
            "version": self.version,
            "status": self.status,
        }
        if self.message:
            data["message"] = self.message
        if self.ref is not None:
            data["ref"] = self.ref
        return data

    @classmethod
    def from_json(cls, raw: Any) -> PushResult:
        if not isinstance(raw, dict):
            raise ProtocolError("result must be an object")
        status = raw.get("status")
        if status not in (ACCEPTED, DUPLICATE, CONFLICT, REJECTED):
            raise ProtocolError(f"unknown result status {status!r}")
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ProtocolError("result version must be an integer")
        ref = raw.get("ref")
        return cls(
            entity=str(raw.get("entity")),
            uuid=str(raw.get("uuid")),
            version=version,
            status=str(status),
            message=str(raw.get("message", ""))[:1000],
            ref=str(ref)[:64] if ref is not None else None,
        )


@dataclass(frozen=True)
class Change:
    """One entry of the pull feed, ordered by the server's sequence number."""

    seq: int
    kind: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "data": self.data}

    @classmethod
    def from_json(cls, raw: Any) -> Change:
        if not isinstance(raw, dict):
            raise ProtocolError("change must be an object")
        seq, kind, data = raw.get("seq"), raw.get("kind"), raw.get("data")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ProtocolError("change seq must be a positive integer")
        if not isinstance(kind, str) or not isinstance(data, dict):
            raise ProtocolError("change needs a kind and a data object")
        return cls(seq, kind, data)


@dataclass(frozen=True)
class ChangePage:
    """A page of the feed: apply the changes, then store `next` as the cursor."""

    changes: tuple[Change, ...]
    next: int
    more: bool

    @classmethod
    def from_json(cls, raw: Any, since: int) -> ChangePage:
        if not isinstance(raw, dict):
            raise ProtocolError("page must be an object")
        items = raw.get("changes")
        nxt = raw.get("next")
        if not isinstance(items, list) or not isinstance(nxt, int) or isinstance(nxt, bool):
            raise ProtocolError("page needs a changes list and a next cursor")
        changes = tuple(Change.from_json(c) for c in items)
        seqs = [c.seq for c in changes]
        if seqs != sorted(set(seqs)) or any(s <= since for s in seqs):
            raise ProtocolError("changes must be strictly increasing and after the cursor")
        if nxt < since or (seqs and nxt < seqs[-1]):
            raise ProtocolError("next cursor goes backwards")
        return cls(changes, nxt, bool(raw.get("more", False)))


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"protocol": PROTOCOL_VERSION, "error": {"code": code, "message": message, **extra}}
