"""What ``conveyor run`` prints besides live output: --list, --graph, --dry-run, summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conveyor.engine.output import Console
    from conveyor.engine.report import JobReport, RunReport
    from conveyor.workflow.plan import Plan, PlannedJob, WorkflowPlan


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _matrix_note(pj: PlannedJob) -> str:
    if pj.matrix_dynamic:
        return "matrix from expression"
    if pj.matrix is not None:
        return f"matrix x{len(pj.matrix)}"
    return ""


def print_list(plan: Plan) -> None:
    rows = [["STAGE", "JOB", "NAME", "WORKFLOW", "FILE", "MATRIX"]]
    for wp in plan.workflows:
        for i, level in enumerate(wp.stages):
            for key in level:
                pj = wp.jobs[key]
                rows.append(
                    [
                        str(i),
                        key,
                        pj.job.name or key,
                        wp.workflow.display_name,
                        wp.file,
                        _matrix_note(pj),
                    ]
                )
    if len(rows) > 1:
        print("\n".join(_table(rows)))
    _print_not_triggered(plan)


def _print_not_triggered(plan: Plan) -> None:
    for file, reason in plan.not_triggered:
        print(f"not triggered: {file}: {reason}")


def _box_line(names: list[str]) -> list[str]:
    tops = ["╭" + "─" * (len(n) + 2) + "╮" for n in names]
    mids = ["│ " + n + " │" for n in names]
    bots = ["╰" + "─" * (len(n) + 2) + "╯" for n in names]
    return ["  " + " ".join(tops), "  " + " ".join(mids), "  " + " ".join(bots)]


def graph_lines(wp: WorkflowPlan) -> list[str]:
    lines = [f"{wp.workflow.display_name} ({wp.file})"]
    for i, level in enumerate(wp.stages):
        if i:
            lines.append("      ↓")
        names = []
        for key in level:
            pj = wp.jobs[key]
            note = f" x{len(pj.matrix)}" if pj.matrix else (" x?" if pj.matrix_dynamic else "")
            needs = f" ← {', '.join(pj.needs)}" if pj.needs else ""
            names.append(f"{key}{note}{needs}")
        lines.extend(_box_line(names))
    return lines


def print_graph(plan: Plan) -> None:
    for wp in plan.workflows:
        print("\n".join(graph_lines(wp)))
        print()
    _print_not_triggered(plan)


def print_dry_run(plan: Plan) -> None:
    from conveyor.workflow.matrix import matrix_label

    print(f"event: {plan.event.name}  ref: {plan.event.ref}  sha: {plan.event.sha[:12]}")
    for wp in plan.workflows:
        print(f"\n{wp.workflow.display_name} ({wp.file})")
        for i, level in enumerate(wp.stages):
            for key in level:
                pj = wp.jobs[key]
                job = pj.job
                head = f"  [stage {i}] {key}"
                if job.name:
                    head += f" ({job.name})"
                if pj.needs:
                    head += f"  needs: {', '.join(pj.needs)}"
                if job.if_:
                    head += f"  if: {job.if_}"
                print(head)
                if pj.matrix:
                    for combo in pj.matrix:
                        print(f"      matrix: {matrix_label(combo)}")
                elif pj.matrix_dynamic:
                    print("      matrix: evaluated when its needs finish")
                if job.uses:
                    print(f"      calls {job.uses}")
                for step in job.steps:
                    label = step.name or (
                        f"Run {step.run.strip().splitlines()[0]}"
                        if step.run and step.run.strip()
                        else f"Run {step.uses}"
                    )
                    print(f"      - {label}")
    _print_not_triggered(plan)


def _flatten(jobs: list[JobReport], depth: int = 0) -> list[tuple[int, JobReport]]:
    out: list[tuple[int, JobReport]] = []
    for j in jobs:
        out.append((depth, j))
        out.extend(_flatten(j.jobs, depth + 1))
    return out


def print_summary(
    report: RunReport, console: Console, not_triggered: list[tuple[str, str]] | Any = ()
) -> None:
    from conveyor.engine.output import RESULT_COLOUR

    rows = [["WORKFLOW", "JOB", "RESULT", "DURATION"]]
    colours: list[str] = [""]
    for wf in report.workflows:
        for depth, job in _flatten(wf.jobs):
            rows.append(
                [
                    wf.file.rsplit("/", 1)[-1],
                    "  " * depth + job.name,
                    job.conclusion,
                    f"{job.duration:.2f}s",
                ]
            )
            colours.append(RESULT_COLOUR.get(job.conclusion, ""))
    lines = _table(rows)
    out = console.stream
    out.write("\n")
    for line, colour, row in zip(lines, colours, rows, strict=True):
        if colour and console.colour:
            line = line.replace(row[2], console.paint(row[2], colour), 1)
        out.write(line + "\n")
    final = report.conclusion
    text = f"\nrun {report.run_id}: {final} in {report.duration:.2f}s"
    out.write(
        (console.paint(text, RESULT_COLOUR.get(final, "0")) if console.colour else text) + "\n"
    )
    out.write(f"logs: conveyor logs {report.run_id}\n")
    out.flush()
