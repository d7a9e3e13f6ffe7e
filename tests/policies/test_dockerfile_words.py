"""Dockerfile words read as BuildKit's shell lexer reads them: a table in the manner of BuildKit's own
frontend/dockerfile/shell/envVarTest and wordsTest (input, environment, result), which the pack's lexer
passes in full; the rules see what these words become (test_build_sources.py, test_ports.py)."""

from __future__ import annotations

import sys

import pytest

from tests.policies.helpers import PACK_DIR

sys.path.insert(0, str(PACK_DIR))
from review_board.dockerfile_words import UnresolvedArg, WordError, word, words
from review_board.wire import UNKNOWN

ENV = {"HOME_DIR": "/home", "SHELL": "bash", "EMPTY": ""}
ERROR = WordError

WORD_CASES = [
    ("plain", "nginx", "nginx"),
    ("single quotes join", "ng'in'x", "nginx"),
    ("an unterminated single quote", "ng'inx", ERROR),
    ("escape outside quotes", "ng\\'inx", "ng'inx"),
    ("escaped escape, then an unterminated quote", "ng\\\\'inx", ERROR),
    ("escape of an ordinary character drops the escape", "a\\tb", "atb"),
    ("double quotes keep an escape before an ordinary character", '"a\\tb"', "a\\tb"),
    ("single quotes keep everything", "'a\\tb'", "a\\tb"),
    ("a trailing escape is dropped", "end\\", "end"),
    ("an unterminated double quote", '"open', ERROR),
    ("an escaped closing double quote leaves it open", '"open\\"', ERROR),
    ("a lone $ stays", "$.", "$."),
    ("positional parameters are unset", "x$1y", "xy"),
    ("a variable", "at$HOME_DIR", "at/home"),
    ("an escaped $ is literal", "at\\$HOME_DIR", "at$HOME_DIR"),
    ("braces", "at${HOME_DIR}x", "at/homex"),
    ("an unset variable is empty", "a${UNSET}b", "ab"),
    ("empty braces", "${}", ERROR),
    ("default when unset", "${UNSET:-def}", "def"),
    ("no default when set", "${HOME_DIR:-def}", "/home"),
    ("a nested default", "${UNSET:-${ALSO_UNSET:-inner}}", "inner"),
    ("colon default when empty", "${EMPTY:-def}", "def"),
    ("plain default keeps empty", "x${EMPTY-def}y", "xy"),
    ("alternative when set", "${SHELL:+alt}", "alt"),
    ("no alternative when unset", "${UNSET:+alt}", ""),
    ("? when unset fails", "${UNSET?}", ERROR),
    ("? when set passes", "${HOME_DIR:?}", "/home"),
    (":? when empty fails", "${EMPTY:?}", ERROR),
    ("an unsupported modifier", "${HOME_DIR:=x}", ERROR),
    ("an unterminated brace", "${HOME_DIR", ERROR),
    ("escapes inside a default are read", "${UNSET:-\\$HOME_DIR:}", "$HOME_DIR:"),
    ("single quotes stop substitution", "'${HOME_DIR}'", "${HOME_DIR}"),
    ("double quotes substitute", '"x${HOME_DIR}"', "x/home"),
    ("single quotes inside double quotes are literal", "\"'$SHELL'\"", "'bash'"),
    ("non-ASCII text", "안'녕'", "안녕"),
]


@pytest.mark.parametrize(("case", "text", "expected"), WORD_CASES, ids=[c[0] for c in WORD_CASES])
def test_a_word_as_buildkit_reads_it(case, text, expected):
    if expected is ERROR:
        with pytest.raises(WordError):
            word(text, ENV)
    else:
        assert word(text, ENV) == expected


SPACED = {"SPACE": "abc  def", "LEADING": "  ab c"}
WORDS_CASES = [
    ("a substituted value splits", "x${SPACE}y", ["xabc", "defy"]),
    ("a quoted value does not", 'x"${SPACE}"y', ["xabc  defy"]),
    ("leading blanks of a value split off", "x${LEADING}", ["x", "ab", "c"]),
    ("an escaped blank joins", "a\\ b", ["a b"]),
    ("blanks in quotes join", 'a" b "', ["a b "]),
    ("plain blanks split", "a b", ["a", "b"]),
    ("an empty value makes no word", "${UNSET}", []),
]


@pytest.mark.parametrize(("case", "text", "expected"), WORDS_CASES, ids=[c[0] for c in WORDS_CASES])
def test_words_split_as_buildkit_splits_them(case, text, expected):
    assert words(text, SPACED) == expected


def test_an_unknown_value_is_unresolved_only_where_it_is_used():
    with pytest.raises(UnresolvedArg):
        word("${LATER}", {"LATER": UNKNOWN})
    assert word("${SET:-${LATER}}", {"SET": "known", "LATER": UNKNOWN}) == "known"
