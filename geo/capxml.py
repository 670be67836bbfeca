"""Safe XML for CAP intake: size limit, no DTDs or entities, namespace-aware lookups.

Shared by ``geo/capin.py`` (alerts) and ``geo/capfeed.py`` (RSS/Atom indexes). Every refusal
is a :class:`CapError` naming the field, so the server can count reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

#: Largest document accepted, in bytes. A BMKG nowcast with 150 rings (~3,000 points, the
#: largest reported) is well under 100 kB; this leaves room for verbose partners.
MAX_BYTES = 2_000_000


class CapError(ValueError):
    """A document Kendali refuses; ``field`` names the element at fault (``info[0].expires``)."""

    def __init__(self, field: str, reason: str) -> None:
        """Record the field and the reason; the message reads ``field: reason``."""
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def load_xml(payload: bytes | str, max_bytes: int = MAX_BYTES) -> Element:
    """Parse ``payload`` with DTDs and entities refused (XML bombs, external entities).

    Raises:
        CapError: field ``message`` for size, syntax or a forbidden construct.
    """
    size = len(payload.encode("utf-8") if isinstance(payload, str) else payload)
    if size > max_bytes:
        raise CapError("message", f"{size} bytes, larger than the {max_bytes} allowed")
    if isinstance(payload, bytes):
        payload = payload.lstrip(b"\xef\xbb\xbf \t\r\n")  # BOM or blank lines before <?xml
    else:
        payload = payload.lstrip("\ufeff \t\r\n")
    try:
        return fromstring(payload, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise CapError("message", f"refused XML construct ({type(exc).__name__})") from None
    except (ParseError, ValueError) as exc:
        raise CapError("message", f"not well-formed XML ({exc})") from None


def split_tag(tag: str) -> tuple[str, str]:
    """``{namespace}local`` -> (namespace, local)."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


class Reader:
    """Child lookups in one namespace (CAP's, or none)."""

    def __init__(self, ns: str) -> None:
        """Read children in namespace ``ns`` ('' for none)."""
        self.ns = ns

    def all(self, el: Element, name: str) -> Iterator[Element]:
        """Direct children called ``name``."""
        for child in el:
            if isinstance(child.tag, str) and split_tag(child.tag) == (self.ns, name):
                yield child

    def text(self, el: Element, name: str) -> str | None:
        """Stripped text of the first such child; None when absent or blank."""
        for child in self.all(el, name):
            value = (child.text or "").strip()
            return value or None
        return None

    def need(self, el: Element, name: str, field: str) -> str:
        """Like :meth:`text`, but a missing value is a :class:`CapError`."""
        value = self.text(el, name)
        if value is None:
            raise CapError(field, "missing")
        return value

    def pairs(self, el: Element, name: str) -> tuple[tuple[str, str], ...]:
        """``(valueName, value)`` of each such child (geocode, parameter, eventCode)."""
        return tuple(
            (self.text(p, "valueName") or "", self.text(p, "value") or "")
            for p in self.all(el, name)
        )


def parse_time(text: str, field: str) -> datetime:
    """A CAP dateTime with an explicit zone (``Z`` tolerated), returned in UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CapError(field, f"not a date-time: {text[:40]!r}") from None
    if value.tzinfo is None:
        raise CapError(field, f"no time zone in {text[:40]!r}")
    return value.astimezone(UTC)
