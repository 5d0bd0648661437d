"""Numbers a person reads follow their language: 2,500 in English, 2.500 in German."""

import pytest
from django.utils import translation

from governance.views.my_data import _compact


@pytest.mark.parametrize(
    ("value", "english", "german"),
    [(0, "0", "0"), (2500, "2,500", "2.500"), (25_000, "25k", "25k"), (2_500_000, "2.5M", "2,5M")],
)
def test_the_chart_axis_labels_follow_the_readers_number_format(value, english, german):
    with translation.override("en"):
        assert _compact(value) == english
    with translation.override("de"):
        assert _compact(value) == german
