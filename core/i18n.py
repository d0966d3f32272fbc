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


class ApiLanguageMiddleware:
    """The API's messages follow the caller's Accept-Language (or language cookie).

    Django's LocaleMiddleware gives every URL outside `i18n_patterns` the default language
    (French) when the default language has no prefix; the API lives outside them (its URLs do
    not change with the language), so an integration asking for English gets English here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            from django.utils import translation

            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
