"""Secret masking (runner SecretMasker + the ValueEncoders HostContext registers)."""

import base64
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.engine.masking import Masker, encoded_variations


def masker(*secrets: str) -> Masker:
    m = Masker()
    for s in secrets:
        m.add(s)
    return m


@pytest.mark.parametrize(
    ("secrets", "text", "expected"),
    [
        ((), "nothing to hide", "nothing to hide"),
        (("s3cret",), "", ""),
        (("s3cret",), "no match here", "no match here"),
        (("s3cret",), "token=s3cret", "token=***"),
        (("s3cret",), "s3crets3cret and s3cret", "*** and ***"),
        # Overlapping occurrences of one secret merge into one mask.
        (("aba",), "ababa", "***"),
        # Touching ranges merge too (the runner merges when start <= end).
        (("ab",), "abab-ab", "***-***"),
        # Overlapping different secrets: one mask covers both.
        (("abcd", "cdef"), "xabcdefx", "x***x"),
        (("abc", "abcdef"), "abcdef abc", "*** ***"),
        # Case-sensitive, ordinal.
        (("Secret",), "secret SECRET Secret", "secret SECRET ***"),
        # add-mask does not trim: surrounding spaces are part of the value.
        ((" padded ",), "a padded b", "a***b"),
    ],
)
def test_mask(secrets: tuple[str, ...], text: str, expected: str) -> None:
    assert masker(*secrets).mask(text) == expected


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\r\n"])
def test_add_ignores_empty_and_whitespace(value: str) -> None:
    m = masker(value)
    assert m.secrets == frozenset()
    assert m.mask("a b\tc") == "a b\tc"


def test_multiline_secret_registers_each_trimmed_line() -> None:
    m = masker("line-one\r\n  line-two  \n\nline-three")
    assert m.secrets == frozenset(
        {"line-one\r\n  line-two  \n\nline-three", "line-one", "line-two", "line-three"}
    )
    assert m.mask("got line-two here") == "got *** here"
    assert m.mask("line-one") == "***"


@pytest.mark.parametrize(
    ("secret", "encoded"),
    [
        ("p@ss:word", base64.b64encode(b"p@ss:word").decode()),
        # Shifted base64 catches the secret inside base64("user:" + secret).
        ("p@ss:word", base64.b64encode(b"@ss:word").decode()),
        ("p@ss:word", base64.b64encode(b"ss:word").decode()),
        ("it's", "it''s"),  # expression string escape
        ('a"b\\c\nd', 'a\\"b\\\\c\\nd'),  # JSON string escape
        ("tab\there\x01", "tab\\there\\u0001"),
        ("a b/c?d=é~", "a%20b%2Fc%3Fd%3D%C3%A9~"),  # Uri.EscapeDataString
        ("<a&'b'>", "&lt;a&amp;&apos;b&apos;&gt;"),  # XML escape
        ('"quoted-value"', "quoted-value"),  # TrimDoubleQuotes (> 8 chars)
    ],
)
def test_encoded_forms_are_masked(secret: str, encoded: str) -> None:
    assert encoded in encoded_variations(secret)
    assert masker(secret).mask(f"[{encoded}]") == "[***]"


def test_base64_inside_basic_auth_header() -> None:
    m = masker("hunter2-password")
    header = base64.b64encode(b"user:hunter2-password").decode()
    assert header not in m.mask(f"Authorization: Basic {header}")


@pytest.mark.parametrize(
    ("secret", "not_expected"),
    [
        ('"short"', "short"),  # TrimDoubleQuotes needs more than 8 characters
        ("plain", "plain'"),
    ],
)
def test_encoders_do_not_over_register(secret: str, not_expected: str) -> None:
    assert not_expected not in encoded_variations(secret)


def test_encoded_variations_are_distinct_and_non_empty() -> None:
    variations = encoded_variations("abc")
    assert len(variations) == len(set(variations))
    assert all(variations)
    # Plain text with no special characters: escapes equal the value and are dropped later.
    assert "abc" in variations


def test_secrets_property_excludes_encodings() -> None:
    m = masker("s3cret")
    assert m.secrets == frozenset({"s3cret"})


def test_adding_twice_is_a_no_op() -> None:
    m = masker("s3cret")
    before = m._state
    m.add("s3cret")
    assert m._state is before
    assert m.mask("s3cret") == "***"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tok s3cret", "tok ***"),
        (["s3cret", 1, None], ["***", 1, None]),
        ({"k": "s3cret", "n": 2}, {"k": "***", "n": 2}),
        ({"s3cret": ["x s3cret"]}, {"***": ["x ***"]}),
        (("s3cret", {"a": ("s3cret",)}), ("***", {"a": ("***",)})),
        (42, 42),
    ],
)
def test_mask_obj(value: object, expected: object) -> None:
    assert masker("s3cret").mask_obj(value) == expected


def test_mask_obj_without_secrets_returns_input() -> None:
    data = {"a": ["b"]}
    assert Masker().mask_obj(data) is data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clean line", "clean line"),
        ("a key-007 b key-042key-042", "a *** b ***"),
        (base64.b64encode(b"key-013").decode(), "***"),
    ],
)
def test_many_secrets(text: str, expected: str) -> None:
    # Enough values that mask() takes the single-regex prefilter path.
    m = masker(*(f"key-{i:03d}" for i in range(50)))
    assert m.mask(text) == expected


def test_mask_returns_same_object_when_no_hit() -> None:
    text = "a line without anything secret in it"
    assert masker("s3cret").mask(text) is text


def test_concurrent_add_and_mask() -> None:
    m = Masker()
    secrets = [f"secret-{i:04d}" for i in range(200)]
    line = " ".join(secrets)
    errors: list[str] = []

    def writer() -> None:
        for s in secrets:
            m.add(s)

    def reader() -> None:
        for _ in range(200):
            out = m.mask(line)
            # Each word is either fully masked or untouched, never partially.
            for word in out.split(" "):
                if word != "***" and word not in secrets:
                    errors.append(word)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert m.mask(line) == " ".join(["***"] * len(secrets))
    assert m.secrets == frozenset(secrets)


def _reference(values: set[str], text: str) -> str:
    """The runner's algorithm, plainly: every occurrence of every value, ranges merged
    when they overlap or touch, each merged range one mask."""
    ranges = sorted(
        (i, i + len(v)) for v in values for i in range(len(text)) if text.startswith(v, i)
    )
    out, pos, cur = [], 0, None
    for start, end in ranges:
        if cur and start <= cur[1]:
            cur = (cur[0], max(cur[1], end))
            continue
        if cur:
            out += [text[pos : cur[0]], "***"]
            pos = cur[1]
        cur = (start, end)
    if cur:
        out += [text[pos : cur[0]], "***"]
        pos = cur[1]
    return "".join(out) + text[pos:]


def _registered(masker: Masker) -> set[str]:
    return {v for s in masker.secrets for v in (s, *encoded_variations(s))}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    secrets=st.lists(st.text("abc-", min_size=1, max_size=20), min_size=1, max_size=60),
    text=st.text("abc-x\n", max_size=300),
)
def test_masking_matches_the_reference_with_few_and_many_values(
    secrets: list[str], text: str
) -> None:
    """Small alphabets make values overlap, touch and contain each other; past 32 values
    the k-gram index answers instead of the plain scan, and both must agree with it."""
    masker = Masker()
    for s in secrets:
        masker.add(s)
    assert masker.mask(text) == _reference(_registered(masker), text)


def test_a_thousand_masks_each_masked_in_a_line() -> None:
    import secrets as random_secrets

    values = [random_secrets.token_urlsafe(4 + i % 40) for i in range(1000)]
    masker = Masker()
    for i, v in enumerate(values):
        masker.add(v)
        assert masker.mask(f"line {i}: {v}.") == f"line {i}: ***."
    text = "".join(f"{i} {v} end\n" for i, v in enumerate(values))
    assert masker.mask(text) == "".join(f"{i} *** end\n" for i in range(1000))


@pytest.mark.parametrize(
    ("secret", "text", "expected"),
    [
        ("abab", "xabababx", "x***x"),  # overlapping occurrences: one mask
        ("ab", "abab ab", "*** ***"),  # touching: one mask
        ("tok", "tok" * 100_000, "***"),  # a long line of touching hits
    ],
)
def test_back_to_back_occurrences_are_one_mask(secret: str, text: str, expected: str) -> None:
    masker = Masker()
    masker.add(secret)
    assert masker.mask(text) == expected
