"""Canadian English formats: one date style everywhere, "December 3, 2026" (as the Government of
Canada's style guide writes it), "10:30 a.m.". The *_DAY_* and WEEKDAY_* names are ours
(core.typography.OUR_FORMATS)."""

DATE_FORMAT = "F j, Y"
TIME_FORMAT = "g:i a"
DATETIME_FORMAT = "F j, Y, g:i a"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "F j"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d g:i a"
# Ours: "Tuesday, December 1, 2026", "Tuesday, December 1", "Dec. 1" (chart axes), "Dec. 1, 2026".
WEEKDAY_DATE_FORMAT = "l, F j, Y"
WEEKDAY_DAY_FORMAT = "l, F j"
SHORT_DAY_FORMAT = "N j"
SHORT_DATE_FORMAT_WITH_YEAR = "N j, Y"
FIRST_DAY_OF_WEEK = 0
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
