"""Segments counted as the networks count them (GSM-7 / UCS-2), French letters folded honestly."""

import pytest

from sms.segments import count, fold, is_gsm7


def test_it_counts_160_gsm7_characters_as_one_segment_and_161_as_two():
    assert count("a" * 160).segments == 1
    assert count("a" * 161) == count("a" * 161).__class__("GSM-7", 161, 2)
    assert count("a" * 306).segments == 2  # 153 a segment beyond one
    assert count("a" * 307).segments == 3


def test_extension_characters_cost_two_septets():
    assert count("€" * 80).segments == 1
    assert count("€" * 80 + "a").segments == 2
    assert count("[]{}").units == 8


@pytest.mark.parametrize("letter", ["é", "è", "à", "ù", "É", "Ç", "ü", "ö", "ñ"])
def test_these_french_letters_are_in_the_gsm7_alphabet(letter):
    assert is_gsm7(letter)


@pytest.mark.parametrize(
    "letter", ["ç", "â", "ê", "î", "ô", "û", "ë", "ï", "œ", "È", "À", "Î", "’", "«", "»", "\u00a0"]
)
def test_these_are_not_and_one_of_them_makes_the_text_ucs2(letter):
    assert not is_gsm7(letter)
    counted = count("a" * 69 + letter)
    assert counted.encoding == "UCS-2"
    assert counted.segments == 1
    assert count("a" * 70 + letter).segments == 2  # 71 UCS-2 characters: 2 segments of 67


def test_an_emoji_is_two_utf16_units():
    assert count("😀").units == 2


def test_fold_writes_quebec_names_in_gsm7():
    assert fold("Les Îles-de-la-Madeleine") == "Les Iles-de-la-Madeleine"
    assert fold("Côte-Nord-du-Golfe-du-Saint-Laurent") == "Cote-Nord-du-Golfe-du-Saint-Laurent"
    assert fold("Baie-Comeau, Saint-Félicien, Lac-Mégantic") == "Baie-Comeau, Saint-Félicien, Lac-Mégantic"
    assert fold("Françoise à l’hôtel « Château »\u00a0: ça") == 'Francoise à l\'hotel " Chateau " : ca'
    assert is_gsm7(fold("Ÿ œ Œ – — …"))


def test_fold_keeps_what_has_no_gsm7_spelling_and_the_count_says_so():
    assert fold("Ⅻ 東京") == "XII 東京"
    assert count(fold("東京")).encoding == "UCS-2"
