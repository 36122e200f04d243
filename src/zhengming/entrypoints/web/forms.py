"""The customer forms as posted, and their errors placed next to the fields they belong to.

Form models keep every field as the string the user typed, so a refused form is shown again
exactly as it was sent. The services' command models (``CustomerCreate``, ``CustomerUpdate``)
validate; their errors and the services' errors are mapped back to form fields here.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, ValidationError

from zhengming.domain.customer import NameType
from zhengming.entrypoints.web.i18n import N_, Translator
from zhengming.entrypoints.web.rendering import localized
from zhengming.errors import InvalidIdentifierError, ZhengmingError
from zhengming.services.commands import CustomerCreate, CustomerUpdate

_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
#: Which form field an invalid identifier came from (``details["kind"]``).
_IDENTIFIER_FIELDS = {"uscc": "uscc", "phone": "contact_phone", "email": "contact_email"}
_VALIDATION = {
    "string_too_short": N_("Too short: at least %(min_length)s characters."),
    "string_too_long": N_("Too long: at most %(max_length)s characters."),
    "too_long": N_("Too many entries: at most %(max_length)s."),
    "enum": N_("Choose one of the listed values."),
    "missing": N_("Required."),
}


class _Form(BaseModel):
    # Unknown fields (the CSRF token, buttons) are ignored; every value stays a string.
    model_config = ConfigDict(extra="ignore", str_max_length=5000)


class CustomerForm(_Form):
    """The new-customer form."""

    name: str = ""
    uscc: str = ""
    short_name: str = ""
    english_name: str = ""
    type: str = "prospect"
    industry: str = ""
    region_code: str = ""
    owner: str = ""
    team: str = ""
    tags: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    confirm_reason: str = ""

    def alias_fields(self) -> list[str]:
        """The alias fields filled in, in the order they become ``aliases``."""
        return [field for field in ("short_name", "english_name") if getattr(self, field).strip()]

    def command(self) -> CustomerCreate:
        """The registration it asks for.

        Raises:
            ValidationError: a field is invalid (see :func:`field_errors`).
        """
        types = {"short_name": NameType.SHORT, "english_name": NameType.ENGLISH}
        contact = {
            "name": self.contact_name,
            "phone": self.contact_phone,
            "email": self.contact_email,
        }
        contact = {key: value.strip() for key, value in contact.items() if value.strip()}
        return CustomerCreate.model_validate(
            {
                "name": self.name,
                "uscc": _blank(self.uscc),
                "aliases": [
                    {"name": getattr(self, field), "type": types[field]}
                    for field in self.alias_fields()
                ],
                "contacts": [contact] if contact else [],
                "type": self.type,
                "industry": _blank(self.industry),
                "region_code": _blank(self.region_code),
                "owner": _blank(self.owner),
                "team": _blank(self.team),
                "tags": split_tags(self.tags),
                "confirm_reason": _blank(self.confirm_reason),
            }
        )


class EditForm(_Form):
    """The edit form; ``version`` is the version the user started from."""

    version: str = ""
    uscc: str = ""
    type: str = "prospect"
    industry: str = ""
    region_code: str = ""
    size: str = ""
    owner: str = ""
    team: str = ""
    source: str = ""
    tags: str = ""

    def command(self) -> CustomerUpdate:
        return CustomerUpdate.model_validate(
            {
                "uscc": _blank(self.uscc),
                "type": self.type,
                "industry": _blank(self.industry),
                "region_code": _blank(self.region_code),
                "size": _blank(self.size),
                "owner": _blank(self.owner),
                "team": _blank(self.team),
                "source": _blank(self.source),
                "tags": split_tags(self.tags),
            }
        )

    def expected_version(self) -> int | None:
        text = self.version.strip()
        return int(text) if text.isdigit() and len(text) < 19 else None


def split_tags(text: str) -> list[str]:
    """Tags typed in one field, separated by commas (either width), 、 or semicolons."""
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(text):
        if tag.strip() and tag.strip() not in tags:
            tags.append(tag.strip())
    return tags


def field_errors(
    exc: ValidationError, t: Translator, *, alias_fields: list[str] | None = None
) -> dict[str, Markup]:
    """Pydantic's errors of a command model, as messages keyed by form field."""
    errors: dict[str, Markup] = {}
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        field = location[0] if location else "form"
        if field == "aliases" and len(location) > 1 and alias_fields:
            field = alias_fields[int(location[1])]
        elif field == "contacts" and len(location) > 2:
            field = f"contact_{location[2]}"
        context: dict[str, Any] = dict(error.get("ctx") or {})
        message = _VALIDATION.get(error["type"], N_("Invalid value."))
        try:
            errors.setdefault(
                field, t.gettext(message, **context) if context else t.gettext(message)
            )
        except (KeyError, TypeError):
            errors.setdefault(field, t.gettext(N_("Invalid value.")))
    return errors


def service_error_field(exc: ZhengmingError, fields: set[str]) -> str:
    """The form field a service error is about, or ``form`` for the whole form."""
    if isinstance(exc, InvalidIdentifierError):
        return _IDENTIFIER_FIELDS.get(str(exc.details.get("kind")), "form")
    return next((key for key in exc.details if key in fields), "form")


def service_message(exc: ZhengmingError, lang: str) -> Markup:
    """A service error's message in the user's language, as escaped text."""
    return Markup.escape(localized(exc.message, lang))


def _blank(value: str) -> str | None:
    return value.strip() or None
