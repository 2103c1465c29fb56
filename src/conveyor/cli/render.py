"""What ``conveyor run`` prints besides live output: --list, --graph, --dry-run, summary."""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from conveyor.cli.console import Console
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


def _notes(pj: PlannedJob) -> str:
    notes = [_matrix_note(pj)]
    if pj.job.uses:
        notes.append(f"calls {pj.job.uses}")
    return "; ".join(n for n in notes if n)


def print_list(plan: Plan) -> None:
    rows = [["WORKFLOW", "STAGE", "JOB", "NAME", "NEEDS", "NOTES"]]
    for wp in plan.workflows:
        for i, level in enumerate(wp.stages):
            for key in level:
                pj = wp.jobs[key]
                rows.append(
                    [
                        wp.file,
                        str(i),
                        key,
                        pj.job.name or "-",
                        ",".join(pj.needs) or "-",
                        _notes(pj),
                    ]
                )
    if len(rows) > 1:
        print("\n".join(_table(rows)))
    elif not plan.not_triggered:
        print(f"no workflow is triggered by '{plan.event.name}'")
    _print_not_triggered(plan)


def _print_not_triggered(plan: Plan) -> None:
    for file, reason in plan.not_triggered:
        print(f"not triggered: {file}: {reason}")


def _label(pj: PlannedJob) -> str:
    note = f" x{len(pj.matrix)}" if pj.matrix else (" x?" if pj.matrix_dynamic else "")
    call = f" ({pj.job.uses.rsplit('/', 1)[-1]})" if pj.job.uses else ""
    return f"{pj.key}{note}{call}"


_INDENT = "  "


def _boxes(labels: list[str], width: int) -> list[str]:
    """Boxes side by side, wrapped onto more rows when they would pass ``width``."""
    rows: list[list[str]] = [[]]
    used = len(_INDENT)
    for label in labels:
        size = len(label) + 5  # "│ " + label + " │" and one space between boxes
        if rows[-1] and used + size > width:
            rows.append([])
            used = len(_INDENT)
        rows[-1].append(label)
        used += size
    lines: list[str] = []
    for row in rows:
        lines.append(_INDENT + " ".join("╭" + "─" * (len(n) + 2) + "╮" for n in row))
        lines.append(_INDENT + " ".join("│ " + n + " │" for n in row))
        lines.append(_INDENT + " ".join("╰" + "─" * (len(n) + 2) + "╯" for n in row))
    return lines


def _edges(wp: WorkflowPlan, level: list[str], labels: dict[str, str]) -> list[str]:
    """One line per job of ``level`` that needs others: ``a, b ──▶ c``."""
    edges = [(", ".join(wp.jobs[k].needs), labels[k]) for k in level if wp.jobs[k].needs]
    lines = []
    for n, (needs, target) in enumerate(edges):
        branch = "└─" if n == len(edges) - 1 else "├─"
        lines.append(f"{_INDENT}   {branch} {needs} ──▶ {target}")
    return lines


def graph_lines(wp: WorkflowPlan, width: int = 100) -> list[str]:
    """The job graph of one workflow: a row of boxes per stage, the edges in between."""
    labels = {k: _label(pj) for k, pj in wp.jobs.items()}
    lines = [f"{wp.workflow.display_name} ({wp.file})"]
    for i, level in enumerate(wp.stages):
        if i:
            lines.extend(_edges(wp, level, labels) or [f"{_INDENT}   │"])
        lines.append(f"{_INDENT}stage {i}")
        lines.extend(_boxes([labels[k] for k in level], width))
    return lines


def print_graph(plan: Plan, width: int | None = None) -> None:
    import shutil

    width = width or max(shutil.get_terminal_size((100, 24)).columns, 40)
    for wp in plan.workflows:
        print("\n".join(graph_lines(wp, width)))
        print()
    _print_not_triggered(plan)


def _step_label(step: Any) -> str:
    if step.name:
        return str(step.name)
    if step.run and step.run.strip():
        return f"Run {step.run.strip().splitlines()[0]}"
    return f"Run {step.uses}"


def _called_jobs(root: Path | None, uses: str) -> list[str]:
    """The jobs of a local reusable workflow, for --dry-run; [] when not local/readable."""
    from conveyor.workflow.selfref import is_self_ref, self_ref_path

    if root is None or not (uses.startswith("./") or is_self_ref(uses)):
        return []
    from conveyor.workflow.errors import WorkflowError, WorkflowErrors
    from conveyor.workflow.loader import load_workflow

    try:
        # `$/` as the working tree has it: a preview, without extracting the event's commit
        rel = self_ref_path(uses) if is_self_ref(uses) else uses[2:]
        called = load_workflow(root / rel, root)
    except (OSError, ValueError, WorkflowError, WorkflowErrors):
        return []
    return list(called.jobs)


def print_dry_run(plan: Plan, root: Path | None = None) -> None:
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
                    inner = _called_jobs(root, job.uses)
                    jobs = f" (jobs: {', '.join(inner)})" if inner else ""
                    print(f"      calls {job.uses}{jobs}")
                for step in job.steps:
                    print(f"      - {_step_label(step)}")
    if not plan.workflows:
        print(f"\nno workflow is triggered by '{plan.event.name}'")
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
    from conveyor.cli.console import RESULT_COLOUR

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
    for file, reason in not_triggered:
        out.write(f"not triggered: {file}: {reason}\n")
    out.write(f"logs: conveyor logs {report.run_id}\n")
    out.flush()
