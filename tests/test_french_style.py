"""French as Québécois write it (OQLF usage), English as Canadians do: the guard of issue 19.

Automated checks passed while the pages read as France French ("e-mail", "oublié ?"), calqued
English ("le premier en ligne") or careless typography ("1 décembre", "13 h 00", « de Usinage »).
Checked here, so it does not come back:

- the French catalogue: no "e-mail", no space (ordinary or non-breaking) before ? ! or ;, an
  ordinary space never before :, curly apostrophes only, no abbreviated doublet (« conseiller(ère) »,
  « (e) »), no « 13 h 00 », no « 1 décembre », none of the calques and France-French words below;
- the templates: no "e-mail", abbreviated doublet or language shown by its code ("FR"), and no
  date written with a format of its own (`|date:"j F Y"`): dates go through the named formats, so
  each language writes them its way ("December 3, 2026", « 3 décembre 2026 ») — nor does Python
  code call Django's formatting around core.typography;
- the helpers pages and emails use, rendered on the cases that matter: the first of the month
  (« 1er »), a time on the hour (« 13 h »), a company or a town starting with a vowel (« d’Usinage »);
- every page each person sees in French (tests/pages.py), as text.
"""

import re
from datetime import date, datetime, time
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

from core import typography
from tests.pages import html_pages, signed_in_client
from tests.test_authorization_matrix import PEOPLE

CATALOGUE = Path(settings.BASE_DIR, "locale/fr_CA/LC_MESSAGES/django.po")
TEMPLATES = Path(settings.BASE_DIR, "templates")
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"

# What French text must not contain: (name, pattern, what to write instead).
FRENCH_RULES = [
    ("e-mail", re.compile(r"\be-?mails?\b", re.IGNORECASE), "« courriel »"),
    ("space before ? ! ;", re.compile(r"[ \xa0\u202f][?!;]"), "no space before ? ! ; in Québec usage"),
    ("ordinary space before :", re.compile(r"(?<=\S) :"), "a non-breaking space before :"),
    ("abbreviated doublet", re.compile(r"\((e|es|ère|ères|rice|trice|euse)\)|\w[·.](e|es)\b"),
     "« la conseillère ou le conseiller », or neutral words"),
    ("13 h 00", re.compile(r"\d h 00\b"), "« 13 h »"),
    ("1 décembre", re.compile(rf"(?<![\d,])\b1 ({MONTHS})\b"), "« 1er décembre »"),
    ("France French or calque", re.compile(
        r"\b(Connexion|Se connecter|Se déconnecter|au préalable|premier en ligne|Mon planning|"
        r"Êtes-vous sûr\(e\))", re.IGNORECASE), "« ouvrir une session », « en tête de la file »…"),
]  # fmt: skip
STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
# Not French text: placeholders, code, URLs and markup.
NOT_TEXT = re.compile(r"%\(\w+\)[sd]|`[^`]*`|<code>.*?</code>|<[^>]+>|https?://\S+|\{\w*\}", re.DOTALL)


def french_text(message: str) -> str:
    """`message` with its placeholders, code and markup each replaced by one neutral character."""
    return NOT_TEXT.sub("§", message)


def catalogue_messages() -> list[tuple[str, str]]:
    """(msgid, French text) of every translated message."""
    messages = []
    for entry in polib.pofile(str(CATALOGUE)).translated_entries():
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        messages += [(entry.msgid, french_text(text)) for text in texts]
    return messages


def faults(text: str, rules=FRENCH_RULES) -> list[str]:
    return [f"{name} ({advice}): …{text[max(m.start() - 30, 0) : m.end() + 10]!r}…"
            for name, pattern, advice in rules for m in pattern.finditer(text)]  # fmt: skip


# --- The catalogue ----------------------------------------------------------------------------


def test_the_french_catalogue_reads_as_quebec_french():
    wrong = [f"{msgid[:60]!r}: {fault}" for msgid, text in catalogue_messages() for fault in faults(text)]
    assert wrong == [], f"{len(wrong)} message(s):\n" + "\n".join(wrong)


def test_the_french_catalogue_uses_one_apostrophe():
    """Curly (’) throughout: mixed with the straight one, the pages looked careless."""
    wrong = [msgid[:70] for msgid, text in catalogue_messages() if STRAIGHT_APOSTROPHE.search(text)]
    assert wrong == [], "\n".join(wrong)


def test_the_rules_catch_what_the_pages_used_to_say():
    """Each rule fails on the text issue 19 found (a rule that cannot fail guards nothing)."""
    old = [
        "Adresse e-mail",
        "Mot de passe oublié ?",
        "Êtes-vous sûr(e) de vouloir vous déconnecter ?",
        "Langue : FR",
        "Votre conseiller(ère) vous appellera.",
        "Rendez-vous le 1 décembre 2026, 13 h 00",
        "Vous êtes le premier en ligne.",
        "Connexion",
    ]
    caught = {name for text in old for name, pattern, _advice in FRENCH_RULES if pattern.search(text)}
    assert caught == {name for name, _pattern, _advice in FRENCH_RULES}
    assert STRAIGHT_APOSTROPHE.search("l'entreprise") and not STRAIGHT_APOSTROPHE.search("l’entreprise")
    assert not faults("Le 1er décembre 2026, 13 h 30\xa0: courriel envoyé. Voulez-vous continuer?")


# --- The templates ----------------------------------------------------------------------------

TEMPLATE_RULES = [
    ("e-mail", re.compile(r"\be-mails?\b", re.IGNORECASE), "email (English), courriel (French)"),
    ("abbreviated doublet", re.compile(r"\w\((e|es|ère|ères|rice|trice)\)"), "both words, or neutral words"),
    ("language code shown", re.compile(r"(\.code|language)\|upper\b"), "its name: |language_label"),
]
# A date written with a format of its own (day of the month, weekday or month name): English
# would read "3 December 2026" beside "December 3, 2026". Machine formats (Y-m-d, c) are fine, and
# so is one part alone (a day tile's "j" or "D"): it has no order to get wrong.
OWN_DATE_FORMAT = re.compile(r"""\|date:(["'])(?![A-Z_]+\1)(?!.\1)([^"']*[jlDFMNbE][^"']*)\1""")


def template_files() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".txt"})


def test_templates_write_no_e_mail_nor_abbreviated_doublet_nor_language_code():
    wrong = [
        f"{path.relative_to(TEMPLATES)}: {fault}"
        for path in template_files()
        for fault in faults(path.read_text(encoding="utf-8"), TEMPLATE_RULES)
    ]
    assert wrong == [], "\n".join(wrong)


def test_templates_write_dates_in_named_formats():
    wrong = [
        f"{path.relative_to(TEMPLATES)}: |date:{match.group(1)}{match.group(2)}{match.group(1)}"
        for path in template_files()
        for match in OWN_DATE_FORMAT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert wrong == [], "Use DATE_FORMAT, WEEKDAY_DATE_FORMAT, WEEKDAY_DAY_FORMAT…:\n" + "\n".join(wrong)
    assert OWN_DATE_FORMAT.search('{{ a.starts_at|date:"l j F Y" }}')
    assert not OWN_DATE_FORMAT.search("{{ monday|date:'Y-m-d' }} {{ a|date:\"WEEKDAY_DATE_FORMAT\" }}")
    assert not OWN_DATE_FORMAT.search('{{ d|date:"j" }}') and OWN_DATE_FORMAT.search('{{ d|date:"j N" }}')


def test_python_code_formats_dates_through_core_typography():
    """Django's date_format/time_format write « 1 décembre » and « 13 h 00 »."""
    bypass = re.compile(r"\b(formats\.)?(date_format|time_format)\(|\bdateformat\.format\(")
    apps = [
        folder
        for folder in Path(settings.BASE_DIR).iterdir()
        if folder.is_dir() and not folder.is_symlink() and (folder / "__init__.py").exists()
    ]
    wrong = [
        f"{path.relative_to(settings.BASE_DIR)}"
        for folder in apps
        for path in folder.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "typography.py"
        and bypass.search(path.read_text(encoding="utf-8"))
    ]
    assert Path(settings.BASE_DIR, "appointments") in apps
    assert wrong == [], "use core.typography.format_date / format_time:\n" + "\n".join(wrong)


# --- The helpers pages and emails use ---------------------------------------------------------


def render(template: str, language: str = "fr-ca", **context) -> str:
    with translation.override(language):
        return engines["django"].from_string(template).render(context)


@pytest.mark.parametrize(
    ("template", "french", "english"),
    [
        ('{{ d|date:"DATE_FORMAT" }}', "1er décembre 2026", "December 1, 2026"),
        ("{{ d|date }}", "1er décembre 2026", "December 1, 2026"),
        ('{{ d|date:"WEEKDAY_DATE_FORMAT" }}', "mardi 1er décembre 2026", "Tuesday, December 1, 2026"),
        ('{{ d|date:"WEEKDAY_DAY_FORMAT" }}', "mardi 1er décembre", "Tuesday, December 1"),
        ('{{ d|date:"MONTH_DAY_FORMAT" }}', "1er décembre", "December 1"),
        ('{{ d|date:"SHORT_DAY_FORMAT" }}', "1er déc.", "Dec. 1"),
        ('{{ d|date:"SHORT_DATE_FORMAT" }}', "2026-12-01", "2026-12-01"),
        ('{{ at|date:"DATETIME_FORMAT" }}', "1er décembre 2026, 13 h", "December 1, 2026, 1:00 p.m."),
        ('{{ at|time:"TIME_FORMAT" }}', "13 h", "1:00 p.m."),
        ("{{ t|time }}", "13 h", "1:00 p.m."),
        ('{{ half|time:"TIME_FORMAT" }}', "13 h 30", "1:30 p.m."),
        ('{{ early|time:"TIME_FORMAT" }}', "9 h 05", "9:05 a.m."),
        ('{{ other|date:"DATE_FORMAT" }}', "2 décembre 2026", "December 2, 2026"),
    ],
)
def test_dates_and_times_render_the_quebec_and_canadian_way(template, french, english):
    """Through the `date` and `time` filters every template uses (core.templatetags.typography)."""
    context = {
        "d": date(2026, 12, 1),
        "other": date(2026, 12, 2),
        "at": datetime(2026, 12, 1, 13, 0),
        "t": time(13, 0),
        "half": time(13, 30),
        "early": time(9, 5),
    }
    assert render(template, "fr-ca", **context) == french
    assert render(template, "en", **context) == english


def test_python_formats_the_same_way():
    """What emails built in Python (reminders, chart labels) use."""
    with translation.override("fr-ca"):
        assert typography.format_date(date(2026, 5, 1)) == "1er mai 2026"
        assert typography.format_time(time(8, 0)) == "8 h"
        assert typography.format_datetime(datetime(2026, 5, 1, 8, 0)) == "1er mai 2026, 8 h"
    with translation.override("en"):
        assert typography.format_datetime(datetime(2026, 5, 1, 8, 0)) == "May 1, 2026, 8:00 a.m."


@pytest.mark.parametrize(
    ("name", "french"),
    [
        ("Usinage Laviolette inc.", "d’Usinage Laviolette inc."),
        ("Érablière du Nord", "d’Érablière du Nord"),
        ("Hydro-Québec", "d’Hydro-Québec"),
        ("Alma", "d’Alma"),
        ("Boulangerie du Cap", "de Boulangerie du Cap"),
        ("Hamel et fils", "de Hamel et fils"),
        ("Le Groupe Lune", "du Groupe Lune"),
        ("Les Entreprises Roy", "des Entreprises Roy"),
    ],
)
def test_names_take_the_elided_de(name, french):
    assert typography.de(name) == french
    assert render("{{ name|de }}", "fr-ca", name=name) == french
    assert render("{{ name|de }}", "en", name=name) == name  # English has its own preposition


def test_the_request_page_title_elides_before_a_vowel():
    """« Demande d’Usinage… », the sentence the adviser read as « Demande de Usinage »."""
    with translation.override("fr-ca"):
        title = engines["django"].from_string(
            "{% load i18n %}{% blocktranslate with company=name|de %}"
            "Request from {{ company }}{% endblocktranslate %}"
        )
        assert title.render({"name": "Usinage Laviolette inc."}) == "Demande d’Usinage Laviolette inc."
        assert title.render({"name": "Boulangerie du Cap"}) == "Demande de Boulangerie du Cap"
    with translation.override("en"):
        assert title.render({"name": "Usinage Laviolette inc."}) == "Request from Usinage Laviolette inc."


def test_labels_before_errors_take_no_colon_after_a_question():
    assert render("{{ l|with_colon }}", "fr-ca", l="De quel sujet souhaitez-vous discuter?") == (
        "De quel sujet souhaitez-vous discuter?"
    )
    assert render("{{ l|with_colon }}", "fr-ca", l="Municipalité") == "Municipalité\xa0:"
    assert render("{{ l|with_colon }}", "en", l="Municipality") == "Municipality:"


def test_languages_are_named_not_coded():
    assert render("{% load i18n %}{{ code|language_label }}", "fr-ca", code="fr") == "Français"
    assert render("{{ code|language_label }}", "fr-ca", code="en") == "Anglais"
    assert render("{{ code|language_label }}", "en", code="fr") == "French"
    assert render("{{ code|language_label }}", "en", code="xx") == "xx"


# --- Every page, as each person sees it in French ---------------------------------------------

PAGE_RULES = [rule for rule in FRENCH_RULES if rule[0] != "ordinary space before :"]


INLINE = "a|abbr|b|em|i|label|small|span|strong|time"


def visible_text(html: bytes) -> str:
    """The page as read: no script or style; code (field names of the API reference) as one
    neutral character; inline tags gone without a trace, other tags as a space."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html.decode(), flags=re.DOTALL)
    text = re.sub(r"<(code|pre|kbd|samp)\b.*?</\1>", "§", text, flags=re.DOTALL)
    text = re.sub(rf"</?({INLINE})\b[^>]*>", "", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return french_text(" ".join(unescape(text).split()))


@pytest.mark.long(30)
@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_now", "commits_at_once")
def test_every_french_page_reads_as_quebec_french(world):
    wrong = []
    for person in PEOPLE:
        for page, html in html_pages(signed_in_client(person, world), person, world, "fr-ca"):
            wrong += [f"{person} {page}: {fault}" for fault in faults(visible_text(html), PAGE_RULES)]
    assert wrong == [], f"{len(wrong)} fault(s):\n" + "\n".join(wrong)
