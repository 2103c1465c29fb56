"""Reporting: the rows of the results table, latest.json, and the printed report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from measure import ms, ratio


def make_row(
    scenario: str,
    metric: str,
    baseline: float | None,
    baseline_what: str,
    conveyor_v: float | None,
    act_v: float | None,
    target: str = "",
    met: bool | None = None,
    conveyor_min: float | None = None,
    act_min: float | None = None,
    unit: str = "s",
    act_text: str | None = None,
) -> dict[str, Any]:
    """One row of the results table (None where not measured).

    Values are in ``unit``: "s" (seconds, the ``*_s`` keys' usual meaning), "MB", or ""
    (a count). ``act_text`` is shown instead of act's value when act has none (e.g.
    ">120 s (timed out)").
    """
    return {
        "scenario": scenario,
        "metric": metric,
        "baseline_s": baseline,
        "baseline": baseline_what,
        "conveyor_s": conveyor_v,
        "act_s": act_v,
        "conveyor_min_s": conveyor_min,
        "act_min_s": act_min,
        "conveyor_vs_baseline": None
        if not baseline or conveyor_v is None
        else conveyor_v / baseline,
        "conveyor_vs_act": None if not act_v or conveyor_v is None else conveyor_v / act_v,
        "target": target,
        "target_met": met,
        "unit": unit,
        "act_text": act_text,
    }


def fmt(value: float | None, unit: str = "s") -> str:
    """A table cell: milliseconds for times, else the value in ``unit``."""
    if unit == "s" or value is None:
        return ms(value)
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.0f}{' ' + unit if unit else ''}"


def write_json(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))


def print_report(result: dict[str, Any], top: int) -> None:
    info = result["machine"]
    print(
        f"\nMachine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), "
        f"Python {info['python']}, {info['bash']}, load avg {info['loadavg_start']} -> "
        f"{info['loadavg_end']}"
    )
    src = info["source"]
    print(
        f"Source: {'snapshot of' if src['snapshot'] else 'live'} src/ at HEAD "
        f"{src['git_head']} (+ working tree), .py sha256 {src['src_sha256']}"
    )
    print(
        f"Conveyor: {info['conveyor_version']}   act: {info['act_version'] or 'skipped'}   "
        f"N={info['repeats']} (median; heavy scenarios N={info.get('heavy_repeats', '-')}), "
        f"warm-up {info['warmup']}"
    )
    header = [
        "scenario",
        "metric",
        "baseline",
        "base",
        "conveyor",
        "act",
        "conv/base",
        "conv/act",
        "conv min",
        "act min",
        "target",
        "ok",
    ]
    table = [header]
    for r in result["rows"]:
        ok = "" if r["target_met"] is None else ("yes" if r["target_met"] else "NO")
        unit = r.get("unit", "s")
        act_cell = fmt(r["act_s"], unit)
        if r["act_s"] is None and r.get("act_text"):
            act_cell = r["act_text"]
        table.append(
            [
                r["scenario"],
                r["metric"],
                r["baseline"] or "-",
                fmt(r["baseline_s"], unit),
                fmt(r["conveyor_s"], unit),
                act_cell,
                ratio(r["conveyor_s"], r["baseline_s"]),
                ratio(r["conveyor_s"], r["act_s"]),
                fmt(r.get("conveyor_min_s"), unit),
                fmt(r.get("act_min_s"), unit),
                r["target"],
                ok,
            ]
        )
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    print()
    for n, row in enumerate(table):
        print(
            "  ".join(
                str(c).ljust(w) if i < 3 or i >= 10 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for note in result["notes"]:
        print(f"note: {note}")

    profiles = result["profiles"]
    for name in ("run_1_step", "run_101_steps", "dry_run_500_jobs"):
        p = profiles.get(name)
        if not p or "error" in p:
            continue
        print(
            f"\nProfile {name}: {ms(p['wall'])} wall under cProfile, "
            f"{p['threads_profiled']} worker threads merged; "
            f"non-blocking self time {p['total_self_ms_non_blocking']:.0f} ms, "
            f"blocking {p['total_self_ms_blocking']:.0f} ms ({p['prof_file']})"
        )
        print("  top self time (excluding waits on children/threads):")
        for r in p["top_self"][:top]:
            print(f"    {r['tottime_ms']:8.1f} ms  {r['ncalls']:>7}x  {r['where']}")
        print("  top conveyor functions by cumulative time (single-call entry chain omitted):")
        chain = [
            r
            for r in p["conveyor_cumulative"]
            if not (r["ncalls"] == 1 and r["cumtime_ms"] > 0.5 * p["wall"] * 1000)
        ]
        for r in chain[:top]:
            print(f"    {r['cumtime_ms']:8.1f} ms  {r['ncalls']:>7}x  {r['where']}")
        print("  blocking (waiting on child processes / other threads):")
        for r in p["top_blocking"][:3]:
            print(f"    {r['tottime_ms']:8.1f} ms  {r['ncalls']:>7}x  {r['where']}")
    imp = profiles.get("importtime_run_1_step")
    if imp:
        print(
            "\nImport time, `conveyor run` of a one-step workflow: "
            f"{imp['total_ms']:.0f} ms over {imp['modules']} modules "
            f"(conveyor's own modules: {imp['conveyor_self_ms']:.0f} ms self)"
        )
        print("  top-level imports by cumulative time:")
        for r in imp["top_cumulative"][:top]:
            print(f"    {r['cumulative_us'] / 1000:7.1f} ms  {r['module']}")
        print("  modules by self time:")
        for r in imp["top_self"][:top]:
            print(f"    {r['self_us'] / 1000:7.1f} ms  {r['module']}")
    imp = profiles.get("importtime_version")
    if imp:
        print(
            f"Import time, `conveyor --version`: {imp['total_ms']:.0f} ms over "
            f"{imp['modules']} modules"
        )
