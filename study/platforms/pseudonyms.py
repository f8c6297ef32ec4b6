"""Pseudonyms for platform exports: a salted HMAC per person, leader levels, clean text.

Every person id in an export (authors, people mentioned in text, reaction users,
reply and edit users) becomes ``HMAC-SHA256(salt, "platform:id")``, cut to 32 hex
digits: the same person gets the same pseudonym in every import of the study,
and without the salt nobody can go back from a pseudonym to the id (an id space
of a few million is easy to enumerate with a plain hash, not with a secret key).

The salt lives in a file outside the database (``STUDY_PLATFORM_SALT_FILE`` or
``--salt-file``), created with 32 random bytes on first use. Whoever holds both
the salt and the raw export can re-identify people, so the file is the
researcher's to keep apart; losing it means a later export cannot be linked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from study.config import setting
from study.errors import ConfigError, InvalidFile

__all__ = [
    "LEVELS",
    "Pseudonymiser",
    "SaltFile",
    "TextCleaner",
    "channel_label",
    "leader_levels",
    "level_of",
    "load_salt",
    "person_label",
    "salt_warning",
]

PSEUDONYM_LENGTH = 32
LEVELS = ("executive", "manager", "staff", "unknown")
LEADER_LEVELS = frozenset({"executive", "manager"})
SALT_BYTES = 32
_CHECK_TEXT = b"ism-study platform salt check"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: "@handle" (a user name may hold dots and hyphens, but does not end in one).
_HANDLE = re.compile(r"(?<![\w@])@(\w(?:[\w.\-]*\w)?)")


@dataclass(frozen=True)
class SaltFile:
    """The salt read from (or just written to) ``path``; ``created`` on first use."""

    path: Path
    salt: bytes
    created: bool

    @property
    def check(self) -> str:
        """An HMAC of a fixed text: tells whether two imports used the same salt."""
        return hmac.new(self.salt, _CHECK_TEXT, hashlib.sha256).hexdigest()

    def warning(self) -> str:
        """The warning shown when the salt file was just created."""
        return salt_warning(self.path)


def salt_warning(path: str | os.PathLike[str]) -> str:
    """What to tell the user when a salt file was just created at ``path``."""
    return (
        f"A new salt file was created at {path}. Keep it safe, outside the database, and "
        "use it for every later import of this study: another salt gives the same people "
        "other pseudonyms, and anyone holding both the salt and the raw export can "
        "re-identify people."
    )


def load_salt(path: str | os.PathLike[str] | None = None, *, create: bool = True) -> SaltFile:
    """Read the salt file (``STUDY_PLATFORM_SALT_FILE`` by default), creating it if missing."""
    target = Path(path if path is not None else setting("STUDY_PLATFORM_SALT_FILE"))
    if target.is_dir():
        raise InvalidFile("the salt file is a folder", path=str(target))
    if target.exists():
        raw = target.read_bytes().strip()
        try:
            salt = bytes.fromhex(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidFile(
                "the salt file must hold one line of hexadecimal digits", path=str(target)
            ) from None
        if len(salt) < 16:
            raise InvalidFile(
                "the salt file must hold at least 16 bytes (32 hex digits)", path=str(target)
            )
        return SaltFile(target, salt, False)
    if not create:
        raise ConfigError(f"There is no salt file at {target}.")
    salt = secrets.token_bytes(SALT_BYTES)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(salt.hex() + "\n")
    except OSError as error:
        raise ConfigError(
            f"Cannot create the salt file {target}: {error.strerror or error}."
        ) from None
    return SaltFile(target, salt, True)


def channel_label(key: str) -> str:
    """How a channel whose name is not kept appears: "channel-" and 6 digits of its HMAC."""
    return f"channel-{key[:6]}"


def person_label(pseudonym: str) -> str:
    """How a person appears in kept conversation text: "Member" and 6 digits of the HMAC."""
    return f"Member {pseudonym[:6]}"


class Pseudonymiser:
    """Turn platform ids into pseudonyms with one salt; caches what it has computed."""

    def __init__(self, salt: bytes, platform: str) -> None:
        self._salt = salt
        self._prefix = f"{platform}:".encode()
        self._cache: dict[str, str] = {}

    def __call__(self, raw_id: str) -> str:
        found = self._cache.get(raw_id)
        if found is None:
            found = hmac.new(
                self._salt, self._prefix + raw_id.encode("utf-8"), hashlib.sha256
            ).hexdigest()[:PSEUDONYM_LENGTH]
            self._cache[raw_id] = found
        return found

    def many(self, raw_ids: Iterable[str]) -> list[str]:
        """Pseudonyms of ``raw_ids``, in order, duplicates dropped."""
        return list(dict.fromkeys(self(raw) for raw in raw_ids if raw))


def leader_levels(spec: str | None = None) -> list[tuple[str, re.Pattern[str]]]:
    """The title patterns of ``STUDY_LEADER_TITLES``: ``level:word|word;level:...``."""
    spec = spec if spec is not None else setting("STUDY_LEADER_TITLES")
    levels = []
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        level, _, words = part.partition(":")
        level = level.strip().lower()
        terms = [w.strip() for w in words.split("|") if w.strip()]
        if level not in LEADER_LEVELS or not terms:
            raise ConfigError(
                "STUDY_LEADER_TITLES must look like "
                "'executive:ceo|director;manager:manager|leder', "
                f"not {spec!r}."
            )
        alternatives = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
        levels.append((level, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)))
    return levels


def level_of(title: str | None, levels: list[tuple[str, re.Pattern[str]]]) -> str:
    """The coarse level a job title marks: executive, manager, staff, or unknown (no title)."""
    if not title or not title.strip():
        return "unknown"
    for level, pattern in levels:
        if pattern.search(title):
            return level
    return "staff"


class TextCleaner:
    """Replace every trace of known people (and channel names) in kept text by labels.

    - e-mail addresses become "[e-mail]";
    - a known id becomes its person's label wherever it stands as a word ("U024ANNA1",
      "user:2001"); a short all-digit id (Viva Engage's can be four digits) only as
      ``user:ID`` or ``@ID``, so "i 2001" stays a year;
    - ``@handle`` becomes ``@label`` when the handle is a known user name, display name,
      id or a word of a known name, in any case ("@anna", "@anna.jensen", "@Carla");
    - full names, user names and display names are replaced as whole words,
      case-insensitively; the words of a multi-word name only where capitalised (as
      transcripts do: short Danish first names are ordinary words in lower case);
    - ``#channel`` becomes ``#label`` for the channel names in ``channels``.

    Parameters
    ----------
    names : mapping
        Name, user name, display name or e-mail address -> the person's label.
    ids : mapping, optional
        Raw person id -> the person's label.
    channels : mapping, optional
        Channel name -> the channel's pseudonym (when names are not kept).
    """

    def __init__(
        self,
        names: Mapping[str, str],
        ids: Mapping[str, str] | None = None,
        channels: Mapping[str, str] | None = None,
    ) -> None:
        whole: dict[str, str] = {}
        words: dict[str, str] = {}
        handles: dict[str, str] = {}
        for name, label in names.items():
            name = " ".join(name.split())
            if len(name) < 2:
                continue
            whole.setdefault(name.casefold(), label)
            parts = name.split(" ")
            if len(parts) == 1 and "@" not in name:
                handles.setdefault(name.casefold(), label)
            if len(parts) > 1:
                for word in parts:
                    if len(word) > 2 and word[:1].isupper():
                        words.setdefault(word, label)
                        handles.setdefault(word.casefold(), label)
        ids = {raw: label for raw, label in (ids or {}).items() if raw}
        for raw, label in ids.items():
            handles.setdefault(raw.casefold(), label)
        self._whole = whole
        self._words = words
        self._handles = handles
        self._ids = {raw.casefold(): label for raw, label in ids.items()}
        self._channels = {
            " ".join(n.split()).casefold(): label
            for n, label in (channels or {}).items()
            if n.strip()
        }
        self._whole_re = self._compile(whole, re.IGNORECASE)
        self._words_re = self._compile(words, 0)
        self._ids_re = self._compile(
            {raw: label for raw, label in ids.items() if not raw.isdigit() or len(raw) >= 6},
            re.IGNORECASE,
        )
        self._user_re = self._compile(
            {f"user:{raw}": label for raw, label in ids.items()}, re.IGNORECASE
        )
        self._channels_re = self._compile(self._channels, re.IGNORECASE, prefix="#")

    @staticmethod
    def _compile(names: Mapping[str, str], flags: int, prefix: str = "") -> re.Pattern[str] | None:
        if not names:
            return None
        ordered = sorted(names, key=len, reverse=True)
        alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in ordered)
        return re.compile(
            rf"(?<![\w#@]){re.escape(prefix)}(?:{alternatives})(?![\w-])"
            if prefix
            else rf"(?<!\w)(?:{alternatives})(?!\w)",
            flags,
        )

    def _handle(self, match: re.Match[str]) -> str:
        token = match.group(1)
        while True:  # "@anna.jensen", then "@anna" of "@anna.hi"
            label = self._handles.get(token.casefold())
            if label is not None:
                return "@" + label + match.group(0)[1 + len(token) :]
            shorter = re.sub(r"[.\-][^.\-]*$", "", token)
            if shorter == token:
                return match.group(0)
            token = shorter

    def __call__(self, text: str) -> str:
        text = _EMAIL.sub("[e-mail]", text)
        if self._user_re is not None:
            text = self._user_re.sub(lambda m: self._ids[m.group(0)[5:].casefold()], text)
        if self._handles:
            text = _HANDLE.sub(self._handle, text)
        if self._ids_re is not None:
            text = self._ids_re.sub(lambda m: self._ids[m.group(0).casefold()], text)
        if self._channels_re is not None:
            text = self._channels_re.sub(
                lambda m: "#" + self._channels[" ".join(m.group(0)[1:].split()).casefold()], text
            )
        if self._whole_re is not None:
            text = self._whole_re.sub(
                lambda m: self._whole.get(" ".join(m.group(0).split()).casefold(), m.group(0)), text
            )
        if self._words_re is not None:
            text = self._words_re.sub(lambda m: self._words[m.group(0)], text)
        return text
