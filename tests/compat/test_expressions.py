# ruff: noqa: E501
"""Every expression function, operator and coercion, from "Evaluate expressions in
workflows and actions" (docs.github.com/en/actions/reference/workflows-and-actions/expressions).

Each expression is evaluated in a step's `env:`; a `shell: python` step writes the
values to $GITHUB_OUTPUT with the multiline form so the report shows them verbatim."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.harness import Repo, Result

DUMP = """
import os
with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
    for k, v in sorted(os.environ.items()):
        if k.startswith("E_"):
            f.write(f"{k[2:].lower()}<<__EOF__\\n{v}\\n__EOF__\\n")
"""


def _eval(
    repo: Repo, exprs: dict[str, str], extra_env: str = "", event: str = "push", *args: str
) -> tuple[Result, dict[str, str]]:
    env_lines = "\n".join(f"                  E_{k.upper()}: {v}" for k, v in exprs.items())
    dump = "\n".join("                  " + line for line in DUMP.strip().splitlines())
    repo.workflow(
        f"""
        on: [push, workflow_dispatch]
        env:
          continue: true
          time: 3
        {extra_env}
        jobs:
          e:
            runs-on: ubuntu-latest
            steps:
              - id: v
                shell: python
                env:
{env_lines}
                run: |
{dump}
        """
    )
    repo.commit()
    r = repo.run(event, *args)
    assert r.code == 0, r.output
    return r, r.step("e", "v")["outputs"]


def test_literals_doc_example(repo: Repo) -> None:
    # Doc "Example of literals": null, false, 711, -9.2, 0xff, -2.99e-2, 'It''s open source!'
    _, out = _eval(
        repo,
        {
            "null": "${{ null }}",
            "bool": "${{ false }}",
            "int": "${{ 711 }}",
            "float": "${{ -9.2 }}",
            "hex": "${{ 0xff }}",
            "exp": "${{ -2.99e-2 }}",
            "str": "${{ 'It''s open source!' }}",
        },
    )
    # Doc cast-to-string table: Null -> '', Boolean -> 'true'/'false', Number -> "Decimal
    # format, exponential for large numbers"
    assert out == {
        "null": "",
        "bool": "false",
        "int": "711",
        "float": "-9.2",
        "hex": "255",
        "exp": "-0.0299",
        "str": "It's open source!",
    }


def test_number_formatting(repo: Repo) -> None:
    # Doc: Number -> "Decimal format, exponential for large numbers"
    _, out = _eval(
        repo,
        {
            "one": "${{ 1.0 }}",
            "tenth": "${{ 0.1 }}",
            "big": "${{ 1e21 }}",
            "neg0": "${{ -0 }}",
            "fj": "${{ fromJSON('2.50') }}",
            "fjint": "${{ fromJSON('10') }}",
        },
    )
    assert out["one"] == "1"
    assert out["tenth"] == "0.1"
    assert out["big"] == "1E+21"
    assert out["neg0"] == "0"
    assert out["fj"] == "2.5"
    assert out["fjint"] == "10"


def test_string_functions(repo: Repo) -> None:
    _, out = _eval(
        repo,
        {
            # Doc: "contains('Hello world', 'llo') returns true"; "not case sensitive"
            "contains": "${{ contains('Hello world', 'llo') }}",
            "contains_ci": "${{ contains('Hello world', 'LLO') }}",
            # Doc: contains(fromJSON('["push", "pull_request"]'), github.event_name)
            "contains_arr": '${{ contains(fromJSON(\'["push", "pull_request"]\'), github.event_name) }}',
            "contains_arr_no": "${{ contains(fromJSON('[\"pushx\"]'), github.event_name) }}",
            # arrays: "returns true if the item is an element in the array" (not substring)
            "contains_arr_sub": "${{ contains(fromJSON('[\"push-it\"]'), 'push') }}",
            # "Casts values to a string"
            "contains_num": "${{ contains(12345, 234) }}",
            # Doc: "startsWith('Hello world', 'He') returns true"; "not case sensitive"
            "sw": "${{ startsWith('Hello world', 'He') }}",
            "sw_ci": "${{ startsWith('Hello world', 'hE') }}",
            "sw_no": "${{ startsWith('Hello world', 'world') }}",
            # Doc: "endsWith('Hello world', 'ld') returns true"
            "ew": "${{ endsWith('Hello world', 'ld') }}",
            "ew_ci": "${{ endsWith('Hello world', 'LD') }}",
            # Doc: format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat') -> 'Hello Mona the Octocat'
            "fmt": "${{ format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat') }}",
            # Doc: format('{{Hello {0} {1} {2}!}}', ...) -> '{Hello Mona the Octocat!}'
            "fmt_esc": "${{ format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat') }}",
            "fmt_repeat": "${{ format('{0}-{0}-{1}', 'a', true) }}",
            # Doc: join: "default separator , is used"
            "join_default": '${{ join(fromJSON(\'["a","b","c"]\')) }}',
            "join_sep": "${{ join(fromJSON('[\"bug\",\"help wanted\"]'), ', ') }}",
            # "The value for array can be an array or a string"
            "join_str": "${{ join('abc', '-') }}",
            "join_mixed": "${{ join(fromJSON('[1, true, null, \"x\"]'), '|') }}",
        },
    )
    assert out == {
        "contains": "true",
        "contains_ci": "true",
        "contains_arr": "true",
        "contains_arr_no": "false",
        "contains_arr_sub": "false",
        "contains_num": "true",
        "sw": "true",
        "sw_ci": "true",
        "sw_no": "false",
        "ew": "true",
        "ew_ci": "true",
        "fmt": "Hello Mona the Octocat",
        "fmt_esc": "{Hello Mona the Octocat!}",
        "fmt_repeat": "a-a-true",
        "join_default": "a,b,c",
        "join_sep": "bug, help wanted",
        "join_str": "abc",
        "join_mixed": "1|true||x",
    }


def test_tojson_fromjson(repo: Repo) -> None:
    # Doc: toJSON "Returns a pretty-print JSON representation of value"; e.g. toJSON(job)
    # might return { "status": "success" }
    _, out = _eval(
        repo,
        {
            "obj": """${{ toJSON(fromJSON('{"a":1,"b":[true,null,"x"],"c":{}}')) }}""",
            "arr": "${{ toJSON(fromJSON('[]')) }}",
            "str": "${{ toJSON('say \"hi\"') }}",
            "num": "${{ toJSON(1.5) }}",
            "null": "${{ toJSON(null) }}",
            "job": "${{ toJSON(job) }}",
            # Doc "Example returning a JSON data type": fromJSON(env.continue) -> boolean,
            # fromJSON(env.time) -> integer
            "bool": "${{ fromJSON(env.continue) == true }}",
            "time": "${{ fromJSON(env.time) == 3 }}",
            "strnum_str": "${{ env.time == '3' }}",
            "roundtrip": """${{ fromJSON('{"k":"v"}').k }}""",
        },
    )
    assert out["obj"] == '{\n  "a": 1,\n  "b": [\n    true,\n    null,\n    "x"\n  ],\n  "c": {}\n}'
    assert out["arr"] == "[]"
    assert out["str"] == '"say \\"hi\\""'
    assert out["num"] == "1.5"
    assert out["null"] == "null"
    assert '"status": "success"' in out["job"] and out["job"].startswith("{\n  ")
    assert out["bool"] == "true"
    assert out["time"] == "true"
    assert out["strnum_str"] == "true"
    assert out["roundtrip"] == "v"


def test_operators_and_coercion_table(repo: Repo) -> None:
    # Doc: "If the types do not match, GitHub coerces the type to a number": Null -> 0,
    # Boolean true->1 false->0, String "Parsed from any legal JSON number format, otherwise
    # NaN. Note: empty string returns 0.", Array/Object -> NaN. "When NaN is one of the
    # operands of any relational comparison (>, <, >=, <=), the result is always false."
    # "GitHub ignores case when comparing strings." "Objects and arrays are only considered
    # equal when they are the same instance."
    _, out = _eval(
        repo,
        {
            "null_eq_0": "${{ null == 0 }}",
            "true_eq_1": "${{ true == 1 }}",
            "false_eq_0": "${{ false == 0 }}",
            "empty_eq_0": "${{ '' == 0 }}",
            "empty_eq_false": "${{ '' == false }}",
            "str_num": "${{ '3.0' == 3 }}",
            "str_hex": "${{ '0xff' == 255 }}",
            "str_nan": "${{ 'abc' == 0 }}",
            "nan_lt": "${{ 'abc' < 1 }}",
            "nan_ge": "${{ 'abc' >= 1 }}",
            "nan_ne": "${{ 'abc' != 1 }}",
            "case": "${{ 'ABC' == 'abc' }}",
            "str_lt": "${{ 'a' < 'B' }}",
            "arr_eq": "${{ fromJSON('[]') == fromJSON('[]') }}",
            "arr_num": "${{ fromJSON('[]') == 0 }}",
            "null_lt": "${{ null < 1 }}",
            "num_cmp": "${{ 10 > 9 }}",
            "str_cmp_lex": "${{ '10' > '9' }}",
            # && / || return operand values, not booleans
            "and": "${{ 'a' && 'b' }}",
            "or": "${{ '' || 'fallback' }}",
            "or_null": "${{ null || 0 }}",
            "and_false": "${{ 0 && 'x' }}",
            "not": "${{ !'' }}",
            "not_str": "${{ !'false' }}",
            "group": "${{ (1 == 1) && !(2 < 1) }}",
            "index": '${{ fromJSON(\'["x","y"]\')[1] }}',
            "index_key": """${{ fromJSON('{"a-b":1}')['a-b'] }}""",
            "missing": "${{ github.nope.deeper }}",
        },
    )
    assert out == {
        "null_eq_0": "true",
        "true_eq_1": "true",
        "false_eq_0": "true",
        "empty_eq_0": "true",
        "empty_eq_false": "true",
        "str_num": "true",
        "str_hex": "true",
        "str_nan": "false",
        "nan_lt": "false",
        "nan_ge": "false",
        "nan_ne": "true",
        "case": "true",
        "str_lt": "true",
        "arr_eq": "false",
        "arr_num": "false",
        "null_lt": "true",
        "num_cmp": "true",
        "str_cmp_lex": "false",
        "and": "b",
        "or": "fallback",
        "or_null": "0",
        "and_false": "0",
        "not": "true",
        "not_str": "false",
        "group": "true",
        "index": "y",
        "index_key": "1",
        "missing": "",
    }


def test_object_filters_doc_example(repo: Repo) -> None:
    # Doc "Object filters": fruits.*.name returns [ "apple", "orange", "pear" ]
    fruits = '[{"name":"apple","quantity":1},{"name":"orange","quantity":2},{"name":"pear","quantity":1}]'
    _, out = _eval(
        repo,
        {
            "names": f"${{{{ join(fromJSON('{fruits}').*.name, ',') }}}}",
            "contains": f"${{{{ contains(fromJSON('{fruits}').*.name, 'ORANGE') }}}}",
            "qty": f"${{{{ toJSON(fromJSON('{fruits}').*.quantity) }}}}",
            "objfilter": """${{ join(fromJSON('{"a":{"c":"x"},"b":{"c":"y"}}').*.c, '+') }}""",
        },
    )
    assert out["names"] == "apple,orange,pear"
    assert out["contains"] == "true"
    assert out["qty"] == "[\n  1,\n  2,\n  1\n]"
    assert sorted(out["objfilter"].split("+")) == ["x", "y"]


def test_case_function_doc_examples(repo: Repo) -> None:
    # Doc "case": "Evaluates predicates in order and returns the value corresponding to
    # the first predicate that evaluates to true ... returns the last argument as the default"
    _, out = _eval(
        repo,
        {
            "single": "${{ case(github.ref == 'refs/heads/main', 'production', 'development') }}",
            "multi": "${{ case(github.ref == 'refs/heads/x', 'a', startsWith(github.ref, 'refs/heads/'), 'b', 'c') }}",
            "default": "${{ case(false, 'a', 'z') }}",
        },
    )
    assert out == {"single": "production", "multi": "b", "default": "z"}


def test_hashfiles_matches_python_recomputation(repo: Repo) -> None:
    # Doc "hashFiles": "calculates an individual SHA-256 hash for each matched file, and then
    # uses those hashes to calculate a final SHA-256 hash for the set of files. If the path
    # pattern does not match any files, this returns an empty string."
    repo.write("lib/a.rb", "puts 1\n")
    repo.write("lib/sub/b.rb", "puts 2\n")
    repo.write("lib/foo/c.rb", "puts 3\n")
    repo.write("x/package-lock.json", "{}\n")
    repo.write("package-lock.json", '{"a": 1}\n')
    repo.workflow(
        """
        on: push
        jobs:
          e:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - id: h
                run: |
                  echo "all=${{ hashFiles('lib/**/*.rb') }}" >> "$GITHUB_OUTPUT"
                  echo "neg=${{ hashFiles('/lib/**/*.rb', '!/lib/foo/*.rb') }}" >> "$GITHUB_OUTPUT"
                  echo "locks=${{ hashFiles('**/package-lock.json') }}" >> "$GITHUB_OUTPUT"
                  echo "none=${{ hashFiles('**/nothing.here') }}" >> "$GITHUB_OUTPUT"
                  echo "multi=${{ hashFiles('**/package-lock.json', 'lib/a.rb') }}" >> "$GITHUB_OUTPUT"
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    out = r.step("e", "h")["outputs"]

    def combined(paths: list[str]) -> str:
        final = hashlib.sha256()
        for p in sorted(paths):  # @actions/glob returns matches in sorted path order
            final.update(hashlib.sha256(Path(repo.root, p).read_bytes()).digest())
        return final.hexdigest()

    assert out["all"] == combined(["lib/a.rb", "lib/foo/c.rb", "lib/sub/b.rb"])
    assert out["neg"] == combined(["lib/a.rb", "lib/sub/b.rb"])
    assert out["locks"] == combined(["package-lock.json", "x/package-lock.json"])
    assert out["none"] == ""
    assert out["multi"] == combined(["lib/a.rb", "package-lock.json", "x/package-lock.json"])


def test_if_condition_truthiness(repo: Repo) -> None:
    # Doc: "in conditionals, falsy values (false, 0, -0, "", '', null) are coerced to false
    # and truthy (true and other non-falsy values) are coerced to true."
    # Workflow syntax `if`: "You can omit the ${{ }} expression syntax" unless the
    # expression starts with !.
    repo.workflow(
        """
        on: push
        jobs:
          e:
            runs-on: ubuntu-latest
            steps:
              - {id: zero, if: "${{ 0 }}", run: "true"}
              - {id: negzero, if: "${{ -0 }}", run: "true"}
              - {id: empty, if: "${{ '' }}", run: "true"}
              - {id: isnull, if: "${{ null }}", run: "true"}
              - {id: strfalse, if: "${{ 'false' }}", run: "true"}
              - {id: arr, if: "${{ fromJSON('[]') }}", run: "true"}
              - {id: bare, if: "github.event_name == 'push'", run: "true"}
              - {id: bare_not, if: "${{ !startsWith(github.ref, 'refs/tags/') }}", run: "true"}
              - {id: literal_text, if: "${{ false }} || true", run: "true"}
        """
    )
    repo.commit()
    r = repo.run()
    assert r.code == 0, r.output
    concl = {s["id"]: s["conclusion"] for s in r.job("e")["steps"]}
    assert concl == {
        "zero": "skipped",
        "negzero": "skipped",
        "empty": "skipped",
        "isnull": "skipped",
        "strfalse": "success",
        "arr": "success",
        "bare": "success",
        "bare_not": "success",
        # a template with text around ${{ }} is a non-empty string: truthy
        "literal_text": "success",
    }
