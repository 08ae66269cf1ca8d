"""Finding and removing a member's known personal values in text (PIPL / GDPR erasure).

Erasure (``core.privacy``) clears a member's own fields; this module handles the text
*around* them: staff free text (tier history notes, approval reasons, audit reasons), the
reasons and raw lines of rejected import lines, in the store and in ``rejects.csv``.

What counts as the member's known values: name, nickname, phone, e-mail and address as
the member row holds them just before erasure. Matching is case-insensitive; a value that
starts or ends with a Latin letter or digit matches only as a whole word ("Tom" is found in
"Tom said", not in "tomorrow"); a phone number also matches written with spaces, dots or
dashes between its digits ("138 0000 0001") but not inside a longer number. Values of one
character are not matched (a nickname "王" would erase every 王). The member id is not
replaced in free text: it is the programme's own key, kept on the member row and in the
audit log, and short ids ("M1") would hit others ("M12"); it is used only to tell which
rejected import line is about the member (a whole CSV field equal to it).

Not found: earlier values the store no longer holds (a phone number changed before the
erasure: the audit log keeps only masked values), misspellings, and values written in
another form (a name in pinyin).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ERASED_MARK = "[erased]"
MIN_VALUE_LENGTH = 2
TEXT_FIELDS = ("name", "nickname", "phone", "email", "address")
# Characters a regular expression gives a meaning to; escaped the same way for Python's re
# and DuckDB's RE2 (both read a backslash before punctuation as the character itself).
_SPECIAL = set("\\.^$|?*+()[]{}")
_PHONE_GAP = r"[\s.\-]*"


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _phone_digits(value: str) -> str | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits if len(digits) >= 7 else None


@dataclass(frozen=True)
class KnownValues:
    """One member's known personal values, and how to find them in text."""

    member_id: str
    values: tuple[str, ...]  # longest first, so "王小明" is replaced before "小明"
    phones: tuple[str, ...] = ()  # digits only
    _pattern: re.Pattern | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", self._compile(self.values, self.phones))

    @classmethod
    def of(cls, member_id: str, fields: Mapping[str, object]) -> KnownValues:
        """From the member row's fields (``TEXT_FIELDS``; others are ignored)."""
        values, phones = set(), set()
        for name in TEXT_FIELDS:
            value = str(fields.get(name) or "").strip()
            if len(value) >= MIN_VALUE_LENGTH:
                values.add(value)
            if name == "phone" and (digits := _phone_digits(value)):
                phones.add(digits)
        ordered = tuple(sorted(values, key=lambda v: (-len(v), v)))
        return cls(member_id, ordered, tuple(sorted(phones)))

    @staticmethod
    def _compile(values: Iterable[str], phones: Iterable[str]) -> re.Pattern | None:
        parts = []
        for digits in phones:
            parts.append(r"(?<!\d)" + _PHONE_GAP.join(digits) + r"(?!\d)")
        for value in values:
            left = r"(?<![A-Za-z0-9])" if _word_char(value[0]) else ""
            right = r"(?![A-Za-z0-9])" if _word_char(value[-1]) else ""
            parts.append(left + _escape(value) + right)
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    @property
    def sql_pattern(self) -> str | None:
        """A pattern for DuckDB's ``regexp_matches(text, pattern, 'i')`` that matches every
        text :meth:`mentions` finds (and a few more: no word boundaries in RE2), to narrow
        a scan before the exact check in Python."""
        parts = [_PHONE_GAP.join(digits) for digits in self.phones]
        parts += [_escape(value) for value in self.values]
        return "|".join(parts) if parts else None

    def mentions(self, text: str | None) -> bool:
        return bool(text) and self._pattern is not None and bool(self._pattern.search(text))

    def redact(self, text: str | None) -> str | None:
        """``text`` with every known value replaced by :data:`ERASED_MARK`."""
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(ERASED_MARK, text)

    def redact_json(self, text: str | None) -> str | None:
        """A JSON document (an audit row's details) with known values replaced in its
        strings; the document keeps the form ``core.audit`` writes (sorted keys, compact).
        Text that is not JSON is redacted as text."""
        if not text or not self.mentions(text):
            return text
        try:
            document = json.loads(text)
        except ValueError:
            return self.redact(text)
        redacted = _map_strings(document, self.redact)
        if redacted == document:  # only a key matched: keep the text exactly as it was
            return text
        return json.dumps(redacted, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def line_is_about(self, raw_text: str | None) -> bool:
        """Whether a rejected import line is about the member: one of its fields is the
        member id, or it holds one of the member's known values."""
        if not raw_text:
            return False
        return self.member_id in line_fields(raw_text) or self.mentions(raw_text)


def _map_strings(value, change):
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    return value


def line_fields(raw_text: str) -> list[str]:
    """The fields of a CSV line as the importer stored it (stripped; a line the CSV reader
    cannot parse is split on commas)."""
    try:
        rows = list(csv.reader(io.StringIO(raw_text)))
    except csv.Error:
        rows = [raw_text.split(",")]
    return [cell.strip() for row in rows for cell in row]


def redact_line_values(reason: str | None, raw_text: str | None) -> str | None:
    """A reject reason without the value of its own line it quotes (``not a valid date:
    1990-13-45`` → ``not a valid date: [erased]``), for a line about an erased member.

    The importer's reasons end with the offending value (at most 60 characters of it) after
    ``": "`` or ``", got "``; the tail is replaced when it is (the start of) a field of
    the line. Reasons that quote no value are kept as they are."""
    if not reason or not raw_text:
        return reason
    ends = [at + len(mark) for mark in (": ", ", got ") if (at := reason.rfind(mark)) >= 0]
    if not ends:
        return reason
    cut = max(ends)
    tail = reason[cut:].strip()
    if tail and any(value.startswith(tail) for value in line_fields(raw_text)):
        return reason[:cut] + ERASED_MARK
    return reason
