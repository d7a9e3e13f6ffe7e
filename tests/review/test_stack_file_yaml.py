"""Stack files read as the Pulumi CLI reads them: what it takes, and the YAML it refuses, with the line.

Sources: the YAML 1.2.2 spec (10.3 core schema; 1.1 booleans and timestamps are not core), yaml.v3's
decoder (the CLI's: duplicate keys are "already defined", merge keys are merged), the "billion laughs"
alias bomb (CVE-2003-1564's YAML form) and PyYAML's own types (`!!binary`, `!!set`, `!!timestamp`).
"""

from __future__ import annotations

import time

import pytest

from container_platform.stack_config import StackConfigError, read_stack_config
from container_platform.stack_file_yaml import MAX_BYTES, StackFileYamlError, load_stack_yaml

ACCEPTED = [
    ("config:\n  a: 1\n", {"config": {"a": 1}}),
    ("a: [1, 2.5, -3, 0x10, 0o17]\n", {"a": [1, 2.5, -3, 16, 15]}),
    ("a: true\nb: False\nc: ~\nd: null\ne:\n", {"a": True, "b": False, "c": None, "d": None, "e": None}),
    ("a: 'yes'\nb: \"2024-01-01\"\nc: y\nd: n\n", {"a": "yes", "b": "2024-01-01", "c": "y", "d": "n"}),
    ("a: 12:30\nb: 1_000\nc: 0755x\n", {"a": "12:30", "b": "1_000", "c": "0755x"}),  # 1.1 ints, 1.2 text
    ("a: !!str 12\nb: !!int '7'\nc: !!float 1\n", {"a": "12", "b": 7, "c": 1.0}),
    ("d: &d {a: 1, b: 2}\nx:\n  a: 9\n  <<: *d\n", {"d": {"a": 1, "b": 2}, "x": {"a": 9, "b": 2}}),
    ("a: &x [1]\nb: *x\n", {"a": [1], "b": [1]}),
    ("", None),
    ("\ufeffa: 1\n", {"a": 1}),
]

_LAUGHS = "a: &a [lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
REFUSED = [
    ("a: 1\na: 2\n", "line 2: the key 'a' is defined twice in one mapping"),
    ("config:\n  x: {k: 1, k: 2}\n", "line 2: the key 'k' is defined twice"),
    ("a: 2024-01-01\n", "'2024-01-01' reads as a date or timestamp; quote it"),
    ("a: 2001-12-14t21:59:43.10-05:00\n", "reads as a date or timestamp"),
    ("a: !!binary aGVsbG8=\n", "the tag '!!binary' is not configuration"),
    ("a: !!set {x, y}\n", "the tag '!!set' is not configuration"),
    ("a: !!timestamp 2001-12-14\n", "the tag '!!timestamp' is not configuration"),
    ("a: !!python/object/apply:os.system [id]\n", "is not configuration"),
    ("a: !custom x\n", "the tag '!custom' is not configuration"),
    ("1: x\n", "line 1: the key 1 is not a string"),
    ("true: x\n", "the key True is not a string"),
    ("? [a, b]\n: x\n", "a list used as a key"),
    ("? {a: b}\n: x\n", "a mapping used as a key"),
    ("a: &a [*a]\n", "the alias *a refers to a value that contains it (recursive)"),
    ("a: *nowhere\n", "the alias *nowhere names no anchor"),
    (_LAUGHS, "once its aliases are expanded (an alias bomb?)"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 32 levels"),
    ("a: " + "{b: " * 40 + "1" + "}" * 40 + "\n", "nested deeper than 32 levels"),
    ("a: yes\n", "'yes' is a boolean in YAML 1.1 but text to the Pulumi CLI"),
    ("a: Off\n", "'Off' is a boolean in YAML 1.1"),
    ("a: .inf\n", ".inf is not a number"),
    ("a: .NaN\n", ".NaN is not a number"),
    ("a: 1e400\n", "too large for a number"),
    ("a: !!int x\n", "'x' is not a int"),
    ("a: 1\n---\nb: 2\n", "line 2: a second YAML document"),
    ("x: <<\n<<: 3\n", "a merge key (`<<`) takes a mapping"),
    ("a: [1\n", "is not valid YAML at line 2"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_configuration_the_cli_takes_is_read_as_it_reads_it(text, expected):
    assert load_stack_yaml(text, "Pulumi.dev.yaml") == expected


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_yaml_that_is_not_configuration_is_refused_with_the_line(text, message):
    started = time.monotonic()
    with pytest.raises(StackFileYamlError) as refused:
        load_stack_yaml(text, "Pulumi.dev.yaml")
    assert message in str(refused.value)
    assert str(refused.value).startswith("Pulumi.dev.yaml")
    assert len(str(refused.value)) < 400  # never the whole bad value
    assert time.monotonic() - started < 2


def test_a_file_larger_than_any_stack_file_is_refused_before_parsing(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  a: '" + "x" * MAX_BYTES + "'\n")
    with pytest.raises(StackConfigError, match="more than a stack file needs"):
        read_stack_config(tmp_path, "dev", "container-platform")


def test_a_file_that_is_not_text_is_a_clear_error(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_bytes(b"config:\n  a: \xff\xfe\x00\n")
    with pytest.raises(StackConfigError, match=r"Pulumi\.dev\.yaml"):
        read_stack_config(tmp_path, "dev", "container-platform")
