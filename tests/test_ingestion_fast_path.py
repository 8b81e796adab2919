"""The fast paths of ingestion agree with the exact ones they stand in for.

Arrow's CSV reader stands in for Python's csv module, and a vectorised UPN screen for
python-stdnum, only where they give the same answer: these tests compare them on random and
planted input (bounded in size, no database needed).
"""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest
from pathways.ingestion.readers import Columns, IrregularFile, read_batches
from pathways.ingestion.rules import Problem, parse_upn, upn_plainly_valid
from stdnum.gb import upn as stdnum_upn

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

PIECES = ["a", "b", "é", ",", '"', '""', "\n", "\r\n", " ", "1"]


def _random_body(rng: random.Random) -> str:
    """Mostly rows of three cells, quoted or not, with stray quotes, commas and line breaks;
    sometimes plain noise."""
    if rng.random() < 0.2:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60)))
    rows = []
    for _ in range(rng.randint(0, 6)):
        cells = []
        for _ in range(rng.choice([3, 3, 3, 3, 2, 4])):
            text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.5:
                cells.append('"' + text.replace('"', '""') + '"')
            else:
                cells.append(text.replace(",", "").replace("\n", "").replace("\r", ""))
        rows.append(",".join(cells))
    return "".join(row + rng.choice(["\n", "\r\n"]) for row in rows)[: rng.randint(0, 400)]


def _cells_and_lines(path, fast: bool) -> list[tuple[int, list[str]]]:
    """(line, row) for every row the reader yields after the header."""
    batches = read_batches(path, "csv", size=7, fast=fast)
    next(batches)
    found = []
    for lines, rows in batches:
        if isinstance(rows, Columns):
            rows = [list(row) for row in zip(*(c.to_pylist() for c in rows), strict=True)]
        found += [(int(n), list(row)) for n, row in zip(lines, rows, strict=True)]
    return found


def test_the_fast_reader_matches_the_exact_one_or_gives_up(tmp_path):
    rng = random.Random(16)
    path = tmp_path / "extract.csv"
    taken = 0
    for _ in range(3000):
        body = _random_body(rng)
        path.write_bytes(("h1,h2,h3\n" + body).encode())
        try:
            fast = _cells_and_lines(path, fast=True)
        except IrregularFile:
            continue
        except Exception:  # the exact reader must then fail too
            with pytest.raises(Exception):  # noqa: B017
                _cells_and_lines(path, fast=False)
            continue
        exact = _cells_and_lines(path, fast=False)
        assert fast == exact, body
        taken += 1
    assert taken > 500  # the comparison is not vacuous: many files took the fast path


@pytest.mark.parametrize(
    "body",
    [
        "1,2,3\n\n4,5,6\n",  # a blank line
        "1,2,3\n,,\n",  # a row of empty cells
        "1,2,3\n4,5\n",  # a short row
        "1,2,3,4\n",  # a long row
        "1,2\x00,3\n",  # a NUL byte
        "1,2,3\r4,5,6\n",  # a lone carriage return
        "1,2," + "x" * 200_000 + "\n",  # a cell over csv's limit
    ],
)
def test_the_fast_reader_gives_up_on_what_only_the_exact_one_judges(tmp_path, body):
    path = tmp_path / "extract.csv"
    path.write_bytes(("h1,h2,h3\n" + body).encode())
    with pytest.raises(IrregularFile):
        _cells_and_lines(path, fast=True)


def test_the_fast_reader_numbers_lines_after_multi_line_cells(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(b'h1,h2,h3\n1,"two\r\nlines",3\n4,"three\nmore\nlines",6\n7,8,9')
    assert _cells_and_lines(path, fast=True) == [
        (2, ["1", "two\r\nlines", "3"]),
        (4, ["4", "three\nmore\nlines", "6"]),
        (7, ["7", "8", "9"]),
    ]


def _random_upn(rng: random.Random) -> str:
    la = rng.choice([201, 330, 390, 803, 938, 999, 100])
    body = f"{la:03d}{rng.randrange(10**8):08d}" + rng.choice("0123456789ABCDXIOS")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if body[-1] in "IOS" or rng.random() < 0.3:
        return rng.choice(letters) + body  # a last letter no UPN has, or a guessed check
    return stdnum_upn.calc_check_digit(body) + body


def test_the_upn_screen_passes_only_what_stdnum_returns_unchanged():
    rng = random.Random(11)
    texts = [_random_upn(rng) for _ in range(20_000)]
    texts += ["b801200005001", " B801200005001", "B80120000500", "B8012000050011", "B8O1200005001"]
    plain = upn_plainly_valid(pa.array(texts, pa.string()))
    exact = [parse_upn(text) == text for text in texts]
    assert plain.tolist() == exact
    assert 5_000 < int(np.sum(plain)) < len(texts)  # both answers are common


def test_a_bad_check_letter_or_an_unknown_la_is_not_screened_through():
    good = "B801200005001"
    assert parse_upn(good) == good and upn_plainly_valid(pa.array([good])).tolist() == [True]
    for planted in ("A801200005001", "E000200005001"):
        assert isinstance(parse_upn(planted), Problem)
        assert upn_plainly_valid(pa.array([planted])).tolist() == [False]
