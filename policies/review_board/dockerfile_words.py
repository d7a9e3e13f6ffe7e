"""Dockerfile words as BuildKit's shell lexer reads them (frontend/dockerfile/shell, `ProcessWord(s)`).

Go's parser hands each instruction's words over as written: `FROM "nginx"`, `EXPOSE '22'`, `ADD
"http://x" /y`, `ARG BASE="${REGISTRY}/base"`. BuildKit then removes the quotes, applies the escape
character and substitutes variables before it uses a word, so a rule that reads the raw text sees
another image, port or URL than the build does. This module does the same:
- single quotes keep everything literal; double quotes keep everything but `$` and the escapes of `"`,
  `$` and the escape character; outside quotes the escape character (`\\`, or the `# escape=` one) makes
  the next character literal;
- `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`, `${NAME:?word}`,
  `${NAME?word}` as BuildKit expands them (a word is expanded only where it is used);
- `words()` splits where BuildKit's ProcessWords does: at unquoted blanks, also inside a substituted value.

A variable whose value is not known yet (preview) raises UnresolvedArg; a word BuildKit rejects (an
unterminated quote, a bad substitution) raises WordError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from review_board.wire import is_unknown

DEFAULT_ESCAPE = "\\"
_SPECIAL_PARAMETERS = "*#@!?-$"


class UnresolvedArg(Exception):
    """A word uses a build arg whose value is not known yet."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class WordError(ValueError):
    """BuildKit refuses the word (and with it the build)."""


@dataclass
class _Words:
    """BuildKit's wordsStruct: raw text joins a word, blanks from unquoted text or values split words."""

    words: list[str] = field(default_factory=list)
    word: str = ""
    in_word: bool = False

    def raw(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def split(self, text: str) -> None:
        for char in text:
            if char.isspace():
                if self.in_word and self.word:
                    self.words.append(self.word)
                self.word, self.in_word = "", False
            else:
                self.raw(char)

    def finish(self) -> list[str]:
        return [*self.words, self.word] if self.in_word and self.word else list(self.words)


class _Lexer:
    def __init__(self, text: str, variables: Mapping[str, Any], escape: str) -> None:
        self.text, self.variables, self.escape, self.at = text, variables, escape, 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def next(self) -> str:
        char = self.peek()
        self.at += 1 if char else 0
        return char

    def value(self, name: str) -> str | None:
        """The variable's value, None when unset; UnresolvedArg while preview does not know it."""
        value = self.variables.get(name)
        if is_unknown(value):
            raise UnresolvedArg(name)
        return None if value is None else str(value)

    def until(self, stop: str) -> tuple[str, list[str]]:
        """BuildKit's processStopOn: the text up to `stop` (consumed), and its words."""
        result, words = "", _Words()
        while self.peek():
            char = self.peek()
            if stop and char == stop:
                self.next()
                return result, words.finish()
            if char in "'\"$":
                piece = {"'": self.single_quoted, '"': self.double_quoted, "$": self.dollar}[char]()
                result += piece
                (words.split if char == "$" else words.raw)(piece)
                continue
            char = self.next()
            if char == self.escape:
                char = self.next()
                if not char:
                    break
                words.raw(char)
            else:
                words.split(char)
            result += char
        if stop:
            raise WordError(f"unexpected end of statement while looking for matching {stop}")
        return result, words.finish()

    def single_quoted(self) -> str:
        self.next()
        end = self.text.find("'", self.at)
        if end < 0:
            raise WordError("unexpected end of statement while looking for matching single-quote")
        literal, self.at = self.text[self.at : end], end + 1
        return literal

    def double_quoted(self) -> str:
        self.next()
        result = ""
        while True:
            char = self.peek()
            if not char:
                raise WordError("unexpected end of statement while looking for matching double-quote")
            if char == '"':
                self.next()
                return result
            if char == "$":
                result += self.dollar()
                continue
            char = self.next()
            if char == self.escape:
                if not self.peek():
                    continue
                if self.peek() in ('"', "$", self.escape):
                    char = self.next()
            result += char

    def name(self) -> str:
        if self.peek().isdigit():
            digits = ""
            while self.peek().isdigit():
                digits += self.next()
            return digits
        if self.peek() and self.peek() in _SPECIAL_PARAMETERS:
            return self.next()
        name = ""
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            name += self.next()
        return name

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            return "$" if not name else self.value(name) or ""
        self.next()
        if not self.peek():
            raise WordError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise WordError("syntax error: bad substitution")
        name = self.name()
        operator = self.next()
        if operator == "}":
            return self.value(name) or ""
        colon = operator == ":"
        if colon:
            operator = self.next()
        if operator not in ("-", "+", "?"):
            raise WordError(f"unsupported modifier ({operator}) in substitution")
        word = self.deferred_word()
        value = self.value(name)
        present = value is not None and (not colon or value != "")
        if operator == "-":
            return value if present else word()  # type: ignore[return-value]
        if operator == "+":
            return word() if present else ""
        if not present:
            raise WordError(f"{name}: {word() or 'is not allowed to be unset'}")
        return value  # type: ignore[return-value]

    def deferred_word(self) -> Callable[[], str]:
        """The `word` of `${NAME:-word}`, read now but failing (an unknown inside it) only when used."""
        try:
            word, _ = self.until("}")
        except UnresolvedArg as unresolved:
            self.skip_to_brace()
            error = unresolved

            def failing() -> str:
                raise error

            return failing
        return lambda: word

    def skip_to_brace(self) -> None:
        """After an unknown inside a word: move past its closing brace, nested ones included."""
        depth = 1
        while self.peek() and depth:
            char = self.next()
            depth += {"{": 1, "}": -1}.get(char, 0)


def word(text: str, variables: Mapping[str, Any], escape: str = DEFAULT_ESCAPE) -> str:
    """One word, unquoted and substituted (ProcessWord)."""
    return _Lexer(text, variables, escape).until("")[0]


def words(text: str, variables: Mapping[str, Any], escape: str = DEFAULT_ESCAPE) -> list[str]:
    """The words a text makes once unquoted and substituted (ProcessWords)."""
    return _Lexer(text, variables, escape).until("")[1]
