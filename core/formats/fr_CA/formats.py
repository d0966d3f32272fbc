"""Québec French formats (OQLF): 14 h 30, 25 novembre 2026, 1 234,5.

core.typography adds what format strings cannot say: « 1er » for the first of the month and « 13 h »
(not « 13 h 00 ») on the hour. The *_DAY_* and WEEKDAY_* names are ours (core.typography.OUR_FORMATS).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = r"G \h i"
DATETIME_FORMAT = r"j F Y, G \h i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = r"Y-m-d G \h i"
# Ours: « mardi 1er décembre 2026 », « mardi 1er décembre », « 1er déc. » (chart axes), « 1er déc. 2026 ».
WEEKDAY_DATE_FORMAT = "l j F Y"
WEEKDAY_DAY_FORMAT = "l j F"
SHORT_DAY_FORMAT = "j N"
SHORT_DATE_FORMAT_WITH_YEAR = "j N Y"
FIRST_DAY_OF_WEEK = 0  # Sunday, as Québec calendars show it
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H h %M", "%Hh%M", "%H:%M:%S"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
