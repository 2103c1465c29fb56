"""Matrix expansion: the examples of "Running variations of jobs in a workflow"."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.workflow.matrix import (
    MatrixError,
    expand_matrix,
    format_number,
    job_display_name,
    loose_equal,
    matrix_label,
)

DOC_EXAMPLES: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "order: first variable varies slowest",
        {"version": [10, 12, 14], "os": ["ubuntu-latest", "windows-latest"]},
        [
            {"version": 10, "os": "ubuntu-latest"},
            {"version": 10, "os": "windows-latest"},
            {"version": 12, "os": "ubuntu-latest"},
            {"version": 12, "os": "windows-latest"},
            {"version": 14, "os": "ubuntu-latest"},
            {"version": 14, "os": "windows-latest"},
        ],
    ),
    (
        "expand a combination with include (npm)",
        {
            "os": ["windows-latest", "ubuntu-latest"],
            "node": [12, 14, 16],
            "include": [{"os": "windows-latest", "node": 16, "npm": 6}],
        },
        [
            {"os": "windows-latest", "node": 12},
            {"os": "windows-latest", "node": 14},
            {"os": "windows-latest", "node": 16, "npm": 6},
            {"os": "ubuntu-latest", "node": 12},
            {"os": "ubuntu-latest", "node": 14},
            {"os": "ubuntu-latest", "node": 16},
        ],
    ),
    (
        "include rules: fruit/animal",
        {
            "fruit": ["apple", "pear"],
            "animal": ["cat", "dog"],
            "include": [
                {"color": "green"},
                {"color": "pink", "animal": "cat"},
                {"fruit": "apple", "shape": "circle"},
                {"fruit": "banana"},
                {"fruit": "banana", "animal": "cat"},
            ],
        },
        [
            {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
            {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
            {"fruit": "pear", "animal": "cat", "color": "pink"},
            {"fruit": "pear", "animal": "dog", "color": "green"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    ),
    (
        "perl: five on ubuntu plus two on macos",
        {
            "os": ["ubuntu-latest"],
            "perl": ["5.16", "5.20", "5.26", "5.30", "latest"],
            "include": [
                {"os": "macos-latest", "perl": "5.26"},
                {"os": "macos-latest", "perl": "latest"},
            ],
        },
        [{"os": "ubuntu-latest", "perl": p} for p in ["5.16", "5.20", "5.26", "5.30", "latest"]]
        + [{"os": "macos-latest", "perl": "5.26"}, {"os": "macos-latest", "perl": "latest"}],
    ),
    (
        "add a new combination with include (version 17)",
        {
            "os": ["macos-latest", "windows-latest", "ubuntu-latest"],
            "version": [12, 14, 16],
            "include": [{"os": "windows-latest", "version": 17}],
        },
        [
            {"os": o, "version": v}
            for o in ["macos-latest", "windows-latest", "ubuntu-latest"]
            for v in [12, 14, 16]
        ]
        + [{"os": "windows-latest", "version": 17}],
    ),
    (
        "include only",
        {
            "include": [
                {"site": "production", "datacenter": "site-a"},
                {"site": "staging", "datacenter": "site-b"},
            ]
        },
        [
            {"site": "production", "datacenter": "site-a"},
            {"site": "staging", "datacenter": "site-b"},
        ],
    ),
    (
        "exclude: partial matches remove three of twelve",
        {
            "os": ["macos-latest", "windows-latest"],
            "version": [12, 14, 16],
            "environment": ["staging", "production"],
            "exclude": [
                {"os": "macos-latest", "version": 12, "environment": "production"},
                {"os": "windows-latest", "version": 16},
            ],
        },
        [
            {"os": "macos-latest", "version": 12, "environment": "staging"},
            {"os": "macos-latest", "version": 14, "environment": "staging"},
            {"os": "macos-latest", "version": 14, "environment": "production"},
            {"os": "macos-latest", "version": 16, "environment": "staging"},
            {"os": "macos-latest", "version": 16, "environment": "production"},
            {"os": "windows-latest", "version": 12, "environment": "staging"},
            {"os": "windows-latest", "version": 12, "environment": "production"},
            {"os": "windows-latest", "version": 14, "environment": "staging"},
            {"os": "windows-latest", "version": 14, "environment": "production"},
        ],
    ),
    (
        "array of objects as a variable",
        {
            "os": ["ubuntu-latest", "macos-latest"],
            "node": [
                {"version": 14},
                {"version": 20, "env": "NODE_OPTIONS=--openssl-legacy-provider"},
            ],
        },
        [
            {"os": "ubuntu-latest", "node": {"version": 14}},
            {
                "os": "ubuntu-latest",
                "node": {"version": 20, "env": "NODE_OPTIONS=--openssl-legacy-provider"},
            },
            {"os": "macos-latest", "node": {"version": 14}},
            {
                "os": "macos-latest",
                "node": {"version": 20, "env": "NODE_OPTIONS=--openssl-legacy-provider"},
            },
        ],
    ),
    (
        "include adds back an excluded combination (include runs after exclude)",
        {
            "os": ["a", "b"],
            "v": [1, 2],
            "exclude": [{"os": "b", "v": 2}],
            "include": [{"os": "b", "v": 2, "extra": True}],
        },
        [
            {"os": "a", "v": 1},
            {"os": "a", "v": 2},
            {"os": "b", "v": 1},
            {"os": "b", "v": 2, "extra": True},
        ],
    ),
]


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [(m, e) for _, m, e in DOC_EXAMPLES],
    ids=[n for n, _, _ in DOC_EXAMPLES],
)
def test_doc_examples(matrix: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    result = expand_matrix(matrix)
    assert result == expected
    # key order is part of the label, so check it too
    assert [list(c) for c in result] == [list(c) for c in expected]


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        # an include that matches exactly adds nothing new
        ({"a": [1, 2], "include": [{"a": 2}]}, [{"a": 1}, {"a": 2}]),
        # later includes overwrite added values but never original ones
        (
            {"a": [1], "include": [{"x": 1}, {"x": 2}, {"a": 1, "x": 3}]},
            [{"a": 1, "x": 3}],
        ),
        # original value can't be overwritten: new combination instead
        ({"a": [1], "include": [{"a": 2, "x": 1}]}, [{"a": 1}, {"a": 2, "x": 1}]),
        # values compare like GitHub's ==: strings ignore case, '12' equals 12
        ({"os": ["Linux"], "include": [{"os": "linux", "x": 1}]}, [{"os": "Linux", "x": 1}]),
        ({"v": [12], "exclude": [{"v": "12"}], "include": [{"v": 3}]}, [{"v": 3}]),
        # keys are case-insensitive
        ({"OS": ["a", "b"], "exclude": [{"os": "a"}]}, [{"OS": "b"}]),
        # objects match leaf by leaf
        (
            {"node": [{"v": 14, "lts": True}, {"v": 20}], "exclude": [{"node": {"v": 14}}]},
            [{"node": {"v": 20}}],
        ),
        (
            {"node": [{"v": 14}], "include": [{"node": {"v": 14}, "npm": 6}]},
            [{"node": {"v": 14}, "npm": 6}],
        ),
        # numbers keep their type; lists are values too
        (
            {"py": [3.1, 3.12], "args": [["-x", "-v"]]},
            [
                {"py": 3.1, "args": ["-x", "-v"]},
                {"py": 3.12, "args": ["-x", "-v"]},
            ],
        ),
    ],
)
def test_include_exclude_rules(matrix: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert expand_matrix(matrix) == expected


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ({}, "at least one vector"),
        ({"a": [1], "exclude": [{"a": 1}]}, "at least one vector"),
        ({"a": []}, "does not contain any values"),
        ({"a": "x"}, "must be a sequence"),
        ({"a": [1], "exclude": [{"b": 1}]}, "does not match any key"),
        ({"a": [1], "exclude": [{}]}, "must not be empty"),
        ({"a": [1], "include": "x"}, "sequence of mappings"),
        ({"a": [1], "include": ["x"]}, "must be mappings"),
        ({"a": list(range(16)), "b": list(range(17))}, "256"),
        ({"a": list(range(256)), "include": [{"a": 999}]}, "256"),
        ({"a": [1], "A": [2]}, "defined twice"),
    ],
)
def test_errors(matrix: dict[str, Any], message: str) -> None:
    with pytest.raises(MatrixError, match=message):
        expand_matrix(matrix)


def test_exactly_256_is_allowed() -> None:
    assert len(expand_matrix({"a": list(range(16)), "b": list(range(16))})) == 256


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("abc", "ABC", True),
        (12, "12", True),
        (12, 12.0, True),
        ("12", "12.0", False),  # two strings compare as strings
        (True, 1, True),
        (False, "", True),
        (None, None, True),
        (None, 0, True),
        ("x", 0, False),  # NaN equals nothing
        ({"a": 1}, {"a": 1}, False),  # objects only equal themselves
        ("0x10", 16, False),
    ],
)
def test_loose_equal(a: Any, b: Any, equal: bool) -> None:
    assert loose_equal(a, b) is equal


@pytest.mark.parametrize(
    ("combo", "label"),
    [
        ({"python": "3.11", "os": "ubuntu-latest"}, "3.11, ubuntu-latest"),
        ({"python": 3.10, "os": "ubuntu-latest"}, "3.1, ubuntu-latest"),
        ({"n": 3.0, "b": True, "c": False}, "3, true, false"),
        ({"node": {"version": 20, "env": "X"}, "os": "mac"}, "20, X, mac"),
        ({"args": ["-x", "-v"], "empty": "", "none": None}, "-x, -v"),
        ({}, ""),
    ],
)
def test_matrix_label(combo: dict[str, Any], label: str) -> None:
    assert matrix_label(combo) == label


def test_job_display_name() -> None:
    assert job_display_name("test", {"py": "3.11", "os": "ubuntu"}) == "test (3.11, ubuntu)"
    assert job_display_name("test", {}) == "test"
    long = job_display_name("build", {"x": "y" * 200})
    assert len(long) == 100
    assert long.endswith("...")


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1"), (3.10, "3.1"), (2.0, "2"), (-0.5, "-0.5"), (1e20, "1E+20"), (0.1 + 0.2, "0.3")],
)
def test_format_number(n: float, text: str) -> None:
    assert format_number(n) == text


def test_a_huge_product_is_refused_before_it_is_expanded() -> None:
    # 10**20 combinations: enumerating them would never end
    with pytest.raises(MatrixError, match="more than 256 jobs"):
        expand_matrix({f"k{i}": list(range(10)) for i in range(20)})
    with pytest.raises(MatrixError, match="more than 256 jobs"):
        expand_matrix({"a": list(range(300))})
    # excludes still bring a product over the limit under it, as on GitHub
    assert (
        len(expand_matrix({"a": list(range(300)), "exclude": [{"a": i} for i in range(100)]}))
        == 200
    )
