"""GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE / GITHUB_PATH parsing (runner FileCommandManager)."""

import pytest

from conveyor.engine.envfiles import EnvFileError, parse_env_file, parse_path_file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("A=1", [("A", "1")]),
        ("A=1\n", [("A", "1")]),
        ("A=1\nB=2\n", [("A", "1"), ("B", "2")]),
        ("A=\n", [("A", "")]),
        ("A=b=c\n", [("A", "b=c")]),
        ("A= spaced \n", [("A", " spaced ")]),
        ("\n\nA=1\n\n", [("A", "1")]),
        # Duplicates are kept in order; callers fold (last wins).
        ("A=1\nA=2\n", [("A", "1"), ("A", "2")]),
        # '=' before '<<' means a plain value.
        ("A=x<<y\n", [("A", "x<<y")]),
        # '<<' before '=' means a heredoc whose delimiter may contain '='.
        ("A<<E=F\nv\nE=F\n", [("A", "v")]),
        # The runner's empty-name check tests the whole line, so it never fires.
        ("=v\n", [("", "v")]),
        # Heredocs.
        ("M<<EOF\nline1\nline2\nEOF\n", [("M", "line1\nline2")]),
        ("M<<EOF\nline1\nEOF", [("M", "line1")]),
        ("M<<EOF\nEOF\n", [("M", "")]),
        ("M<<EOF\n\nEOF\n", [("M", "")]),
        ("M<<EOF\n\n\nEOF\n", [("M", "\n")]),
        ("M<<EOF\nA=1\nEOF\nB=2\n", [("M", "A=1"), ("B", "2")]),
        ("M<<EOF\n  EOF\nEOF\n", [("M", "  EOF")]),
        ("M<<ghadelimiter_1\nx\nghadelimiter_1\n", [("M", "x")]),
        # A leading UTF-8 byte-order mark is dropped, as File.ReadAllText does.
        ("\ufeffA=1\n", [("A", "1")]),
        # Off Windows only LF ends a line: CR stays in values and delimiters.
        ("A=1\r\nB=2\r\n", [("A", "1\r"), ("B", "2\r")]),
        ("M<<EOF\r\nx\r\nEOF\r\n", [("M", "x\r")]),
    ],
)
def test_parse_env_file(text: str, expected: list[tuple[str, str]]) -> None:
    assert parse_env_file(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1\r\nB=2\r\n", [("A", "1"), ("B", "2")]),
        ("M<<EOF\r\nx\r\ny\r\nEOF\r\n", [("M", "x\r\ny")]),
        ("M<<EOF\r\nx\nEOF\n", [("M", "x")]),
    ],
)
def test_parse_env_file_windows_newlines(text: str, expected: list[tuple[str, str]]) -> None:
    assert parse_env_file(text, windows=True) == expected


@pytest.mark.parametrize(
    ("text", "message", "pairs"),
    [
        ("novalue\n", "Invalid format 'novalue'", []),
        (" \n", "Invalid format ' '", []),
        ("A=1\nbad\nB=2\n", "Invalid format 'bad'", [("A", "1")]),
        (
            "<<EOF\nx\nEOF\n",
            "Invalid format '<<EOF'. Name must not be empty and delimiter must not be empty",
            [],
        ),
        (
            "M<<\nx\n",
            "Invalid format 'M<<'. Name must not be empty and delimiter must not be empty",
            [],
        ),
        ("A=1\nM<<EOF\nx\n", "Invalid value. Matching delimiter not found 'EOF'", [("A", "1")]),
        ("M<<EOF\n", "Invalid value. Matching delimiter not found 'EOF'", []),
        ("M<<EOF\nx", "Invalid value. EOF marker missing new line.", []),
        # CRLF delimiter line does not match a bare delimiter off Windows.
        ("M<<EOF\nx\nEOF\r\n", "Invalid value. Matching delimiter not found 'EOF'", []),
    ],
)
def test_parse_env_file_errors(text: str, message: str, pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(EnvFileError) as info:
        parse_env_file(text)
    assert str(info.value) == message
    assert info.value.pairs == pairs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("/opt/bin\n", ["/opt/bin"]),
        ("/a\n/b\n", ["/a", "/b"]),
        ("/a\n\n\n/b", ["/a", "/b"]),
        # ReadAllLines splits on CRLF, CR and LF alike.
        ("/a\r\n/b\r/c\n", ["/a", "/b", "/c"]),
        # Whitespace is kept; only empty lines are skipped.
        (" /a \n", [" /a "]),
        ("\ufeff/a\n", ["/a"]),
        # Not a line break for ReadAllLines.
        ("/a\x0b/b\n", ["/a\x0b/b"]),
        ("/a\n/a\n", ["/a", "/a"]),
    ],
)
def test_parse_path_file(text: str, expected: list[str]) -> None:
    assert parse_path_file(text) == expected
