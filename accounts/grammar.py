"""Sentences that agree with the person they name (French grammatical gender).

French says « votre conseillère a confirmé » of Julie and « votre conseiller a confirmé » of Mathieu;
when the person's gender is not recorded, the sentence is written in neutral words instead
(« la personne-ressource », « charge la plus élevée ») — never « conseiller(ère) ». A message that
names a person is therefore written three times, under the contexts "feminine", "masculine" and
"epicene" (the msgid, in English, is the same), and `agree` picks the one for the person:

    CONFIRMED = Agreeing(
        pgettext_lazy("feminine", "Your adviser confirmed the appointment"),
        pgettext_lazy("masculine", "Your adviser confirmed the appointment"),
        pgettext_lazy("epicene", "Your adviser confirmed the appointment"),
    )
    agree(CONFIRMED, appointment.advisor.user)

Templates write the three `{% translate … context … %}` under `{% if person.grammatical_gender … %}`.
"""

from typing import NamedTuple

from accounts.models import GrammaticalGender


class Agreeing(NamedTuple):
    """One message in the forms French needs for a named person."""

    feminine: str
    masculine: str
    epicene: str


def agree(message, person) -> str:
    """`message` in the form that agrees with `person` (a user); a plain message is returned as is."""
    if not isinstance(message, Agreeing):
        return str(message)
    gender = getattr(person, "grammatical_gender", GrammaticalGender.UNSPECIFIED)
    if gender == GrammaticalGender.FEMININE:
        return str(message.feminine)
    if gender == GrammaticalGender.MASCULINE:
        return str(message.masculine)
    return str(message.epicene)
