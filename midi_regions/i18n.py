"""Bilingual data: models keep a French and an English column; readers get the active one."""

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "fr").startswith("en")


def localized(obj, field: str) -> str:
    """Return obj.<field>_en when the active language is English (and it is filled), else _fr."""
    if is_english():
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_fr")


class BilingualNameMixin:
    """Adds `.name` for models with name_fr / name_en."""

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __str__(self) -> str:
        return self.name
