"""Strategies that mutate real stack files and promotion inputs the way a careless or hostile hand would."""

from __future__ import annotations

from hypothesis import strategies as st

# Fragments that break YAML or config in the ways the Pulumi CLI and AWS care about (issue 14's survey).
HOSTILE_YAML = [
    "&a ", "*a", "!!binary ", "!!set ", "!!timestamp ", "!!python/object:os.system ", "!custom ", "? ",
    "<<: ", "---\n", "...\n", "[", "]", "{", "}", ": ", "- ", "\t", "'", '"', "#", "|\n", ">\n",
    "2024-01-01", "2001-12-14t21:59:43.10-05:00", "yes", "off", "~", ".inf", ".nan", "1e400", "0x1F",
    "0o777", "12:30", "-1", "0", "true", "null", "10.0.0.0/8", "::/0", "fd00::/56", "base", "java-runtime",
    "\u0000", "\ufeff", "\u2028", "é", "a" * 300, "[" * 50, "{a: " * 40,
    "x: &x [*x]\n", "l: &l [lol]\nm: &m [*l,*l,*l,*l,*l,*l,*l,*l,*l]\nn: [*m,*m,*m,*m,*m,*m,*m,*m,*m]\n",
]


@st.composite
def mutated_text(draw: st.DrawFn, original: str) -> str:
    """`original` with a few random edits: hostile fragments inserted, ranges deleted or lines repeated."""
    text = original
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "repeat-line", "replace-value"]))
        if edit == "insert":
            text = text[:position] + draw(st.sampled_from(HOSTILE_YAML)) + text[position:]
        elif edit == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
        elif edit == "repeat-line":
            lines = text.splitlines(keepends=True)
            if lines:
                index = min(position, len(lines) - 1)
                lines.insert(index, lines[index])
                text = "".join(lines)
        else:
            end = text.find("\n", position)
            colon = text.rfind(": ", 0, end if end >= 0 else len(text))
            if colon >= 0:
                value = draw(st.sampled_from(HOSTILE_YAML) | st.text(max_size=20))
                text = text[: colon + 2] + value + (text[end:] if end >= 0 else "")
    return text


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
