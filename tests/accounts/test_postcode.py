"""Dutch postcodes: four digits not starting with 0, two letters, not SA/SD/SS."""

import pytest

from buurthulp.accounts.models import InvalidPostcode, normalise_postcode


@pytest.mark.parametrize("raw, expected", [
    ("3554AB", "3554 AB"),
    ("3554 AB", "3554 AB"),
    ("3554ab", "3554 AB"),
    (" 3554  ab ", "3554 AB"),
    ("1000AA", "1000 AA"),
    ("9999ZZ", "9999 ZZ"),
    ("4121 sb", "4121 SB"),
    ("3554\tAB", "3554 AB"),
    ("3554SC", "3554 SC"),
])
def test_good_postcodes_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "   ", "0554AB", "355AB", "35544AB", "3554A", "3554ABC", "AB3554", "3554 A1",
    "3554SA", "3554 SD", "3554ss", "3554-AB", "３５５４AB", "3554ÄB", None,
])
def test_bad_postcodes_are_refused(raw):
    with pytest.raises(InvalidPostcode):
        normalise_postcode(raw)
