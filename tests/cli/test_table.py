"""Terminal tables: measured in cells, shortened to fit, aligned with vocalized Arabic."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dmzwatch.cli._table import clip, table, width

PLACE = "مَعَرَّةُ النُّعْمَانِ"  # Maarat al-Numan, with its vowel signs


def test_combining_marks_take_no_cell_and_wide_characters_two() -> None:
    assert len(PLACE) == 22 and width(PLACE) == 12
    assert width("東京") == 4 and width("abc") == 3


def test_a_column_after_vocalized_arabic_stays_aligned() -> None:
    lines = table(["place", "n"], [[PLACE, 1], ["Saraqib", 22]]).splitlines()
    # the numbers end in the same terminal cell on every line
    assert len({width(line) for line in lines}) == 1


def test_clip_keeps_the_marks_of_the_last_letter_and_never_exceeds_the_cells() -> None:
    cut = clip(PLACE, 6)
    assert cut.endswith("…") and width(cut) <= 6
    assert PLACE.startswith(cut[:-1])


@given(
    st.lists(
        st.tuples(st.text(min_size=0, max_size=60), st.integers(0, 10**6)),
        min_size=1,
        max_size=5,
    ),
    st.integers(30, 120),
)
def test_a_shrinkable_table_fits_its_width(rows: list[tuple[str, int]], cells: int) -> None:
    body = [[i, t, n] for i, (t, n) in enumerate(rows)]
    out = table(["id", "text", "count"], body, shrink=[1], max_width=cells)
    # only the text column may shrink, down to 8 cells: the rest is fixed
    fixed = max(2, len(f"{len(rows) - 1:,}")) + max(5, *(len(f"{n:,}") for _, n in rows))
    if fixed + 8 + 2 * 2 <= cells:
        assert all(width(line) <= cells for line in out.splitlines())
    assert [line.split()[0] for line in out.splitlines()[2:]] == [
        f"{i:,}" for i in range(len(rows))
    ]
