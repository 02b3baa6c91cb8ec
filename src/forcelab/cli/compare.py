"""``forcelab trends``, ``forcelab team`` and ``forcelab report``: comparing sessions from the command line.

``forcelab trends --limb-asymmetry`` gives the single-leg tests' limb asymmetry across sessions
(:mod:`forcelab.compare.limb_trend`): every limb metric of the test, or the one ``--metric`` names.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from forcelab.analysis.asymmetry import FORMULAS
from forcelab.cli import ARCHIVE_HELP, CliError, out


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``trends``, ``team`` and ``report`` subcommands."""
    p = subparsers.add_parser("trends", help="one athlete's metric across sessions, with meaningful-change flags")
    p.add_argument("--athlete", required=True, help="athlete name as in the roster")
    p.add_argument("--metric", help="metric key, e.g. jump_height_takeoff_velocity (required unless "
                   "--limb-asymmetry: then a limb metric, default all of the test's)")
    p.add_argument("--test", help="only trials of this test (cmj, sj, dj, imtp, landing, ...; balance per stance "
                   "condition: balance/CONDITION/STANCE, e.g. balance/eyes_closed/bipedal; with "
                   "--limb-asymmetry sl_cmj (default) or sl_dj)")
    p.add_argument("--aggregate", choices=("best", "mean"), default="best",
                   help="session value (default: best); with --limb-asymmetry, each limb's value")
    p.add_argument("--limb-asymmetry", action="store_true",
                   help="the single-leg tests' limb asymmetry (left-leg vs right-leg trials) across sessions")
    p.add_argument("--formula", choices=FORMULAS, default="percent_difference",
                   help="--limb-asymmetry: the asymmetry formula (default percent_difference)")
    p.add_argument("--swc", type=float, help="smallest worthwhile change in the metric's unit, percentage points with "
                   "--limb-asymmetry (default: from data)")
    p.add_argument("--baseline", type=int, default=5, help="sessions in the rolling baseline (default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=run_trends)

    p = subparsers.add_parser("team", help="athletes x latest key metrics and flags, most concerning first")
    p.add_argument("--test", default="cmj", help="test type (default cmj)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=run_team)

    p = subparsers.add_parser("report", help="write a PDF report of one session")
    p.add_argument("session", type=Path, help="session file (.h5)")
    p.add_argument("--out", required=True, type=Path, help="PDF file to write")
    p.add_argument("--archive", help="archive folder for the trends page (default: the session's archive)")
    p.add_argument("--no-trends", action="store_true", help="leave out the trends page")
    p.set_defaults(func=run_report)


def _index(args: argparse.Namespace) -> Any:
    from forcelab.storage.archive import archive_dir
    from forcelab.storage.index import ArchiveIndex

    path = archive_dir(args.archive)
    index = ArchiveIndex(path)
    index.sync()
    return path, index


def run_trends(args: argparse.Namespace) -> int:
    """Print the trend table (or JSON) of one athlete's metric."""
    from forcelab.compare.source import athlete_trend

    if args.limb_asymmetry:
        return run_limb_trends(args)
    if not args.metric:
        raise CliError("--metric is required (or --limb-asymmetry for the single-leg tests' limb asymmetry)")
    path, index = _index(args)
    with index:
        if args.athlete not in {a["name"] for a in index.athletes()}:
            raise CliError(f"no athlete named {args.athlete!r} in the archive at {path}")
        if args.metric not in index.metric_names(args.athlete):
            known = ", ".join(list(index.metric_names(args.athlete))[:12])
            raise CliError(f"athlete {args.athlete!r} has no metric {args.metric!r}; some that exist: {known}, ...")
        try:
            t = athlete_trend(index, args.athlete, args.metric, test=args.test, aggregate=args.aggregate,
                              swc=args.swc, baseline_sessions=args.baseline)
        except ValueError as exc:  # e.g. balance trials of several stance conditions in one trend
            raise CliError(f"--test {args.test}: {exc}") from exc
    doc = {
        "archive": str(path), "athlete": args.athlete, "metric": t.metric, "aggregate": t.aggregate,
        "better": t.better, "method": t.method, "typical_error_cv_percent": t.typical_error_cv,
        "typical_error": t.typical_error, "smallest_worthwhile_change": t.swc, "params": t.params,
        "sessions": [
            {"session": p.session_id, "date": p.when.isoformat(), "value": p.value, "trials": p.n_trials,
             "change": p.change, "meaningful": p.meaningful, "direction": p.direction,
             "baseline_mean": p.baseline_mean, "z": p.z, "status": p.status, "stronger_side": p.stronger_side}
            for p in t.points
        ],
    }
    if args.json:
        out(json.dumps(doc, indent=2))
        return 0
    out(f"archive: {path}")
    te = "—" if t.typical_error_cv is None else f"{t.typical_error_cv:.1f} %"
    swc = "—" if t.swc is None else f"{t.swc:.4g}"
    out(f"{args.athlete} · {t.metric} · {t.method}")
    out(f"typical error {te} · smallest worthwhile change {swc}")
    out(f"{'date':<17}{'value':>11}{'change':>11}  {'flag':<19}{'status':<13}side")
    for p in t.points:
        change = "" if p.change is None else f"{p.change:+.4g}"
        flag = f"meaningful {p.direction}" if p.meaningful else ""
        out(f"{p.when:%Y-%m-%d %H:%M}{p.value:>11.4g}{change:>11}  {flag:<19}{p.status:<13}{p.stronger_side or ''}")
    return 0


def limb_trend_doc(t: Any) -> dict[str, Any]:
    """One :class:`~forcelab.compare.limb_trend.LimbTrend` as JSON: keys and stored numbers (limb values in
    ``limb_unit``, asymmetries in percent); a missing session has ``value`` null and its ``reason``."""
    return {
        "test": t.test, "metric": t.metric, "name": t.name, "unit": t.unit, "limb_unit": t.limb_unit,
        "formula": t.formula, "statistic": t.statistic, "method": t.method, "reference": t.reference,
        "limb_typical_error_cv_percent": t.limb_cv, "typical_error": t.typical_error,
        "smallest_worthwhile_change": t.swc, "thresholds": list(t.thresholds), "params": t.params,
        "sessions": [
            {"session": p.session_id, "date": p.when.isoformat(), "left": p.left, "right": p.right,
             "left_trials": p.left_trials, "right_trials": p.right_trials, "value": p.value, "missing": p.missing,
             "reason": p.reason, "stronger_side": p.stronger_side, "change": p.change, "meaningful": p.meaningful,
             "direction": p.direction, "level": p.level, "flipped": p.flipped}
            for p in t.points
        ],
    }


def run_limb_trends(args: argparse.Namespace) -> int:
    """Print the limb asymmetry trend of the single-leg tests (or JSON): one table per limb metric."""
    from forcelab.analysis.labels import metric_label, metric_name, metric_text
    from forcelab.analysis.single_leg import LIMB_METRICS
    from forcelab.compare.source import limb_asymmetry_trend, limb_metrics

    test = args.test or "sl_cmj"
    if test not in LIMB_METRICS:
        raise CliError(f"--limb-asymmetry is for the single-leg tests ({', '.join(LIMB_METRICS)}), not {test!r}")
    path, index = _index(args)
    with index:
        if args.athlete not in {a["name"] for a in index.athletes()}:
            raise CliError(f"no athlete named {args.athlete!r} in the archive at {path}")
        have = limb_metrics(index, args.athlete, test)
        if args.metric:
            base = args.metric.removesuffix("_asymmetry")
            if base not in LIMB_METRICS[test]:
                raise CliError(f"{args.metric!r} is not a limb metric of {test}; they are: "
                               f"{', '.join(LIMB_METRICS[test])}")
            if base not in have:
                raise CliError(f"athlete {args.athlete!r} has no {test} trial with {base!r}")
            have = [base]
        if not have:
            raise CliError(f"athlete {args.athlete!r} has no {test} session in the archive at {path}")
        trends = [limb_asymmetry_trend(index, args.athlete, m, test=test, formula=args.formula,
                                       statistic=args.aggregate, swc=args.swc) for m in have]
    if args.json:
        out(json.dumps({"archive": str(path), "athlete": args.athlete, "test": test,
                        "limb_asymmetry": [limb_trend_doc(t) for t in trends]}, indent=2))
        return 0
    out(f"archive: {path}")
    for t in trends:
        te = "—" if t.typical_error is None else f"{t.typical_error:.2g} pp"
        cvs = " / ".join("—" if t.limb_cv[k] is None else f"{t.limb_cv[k]:.1f} %" for k in ("left", "right"))
        swc = "—" if t.swc is None else f"{t.swc:.2g} pp"
        out("")
        out(f"{args.athlete} · {test} · limb asymmetry of {metric_label(t.metric)} · {t.method}")
        out(f"typical error {te} (limbs' trial CV left / right {cvs}) · smallest worthwhile change {swc}")
        out(f"{'date':<17}{'left':>10}{'right':>10}{'asym %':>9}{'change':>9}  {'flag':<17}{'level':<9}side")
        for p in t.points:
            left, right = (metric_text(t.metric, v, t.limb_unit) for v in (p.left, p.right))
            if p.value is None:
                why = (p.reason or "").replace(t.metric, metric_name(t.metric).lower())
                out(f"{p.when:%Y-%m-%d %H:%M}{left:>10}{right:>10}{'missing':>9}  ({why})")
                continue
            change = "" if p.change is None else f"{p.change:+.1f}"
            flag = f"meaningful {p.direction}" if p.meaningful else ""
            side = (p.stronger_side or "") + (" (flipped)" if p.flipped else "")
            out(f"{p.when:%Y-%m-%d %H:%M}{left:>10}{right:>10}{p.value:>9.1f}{change:>9}  {flag:<17}"
                f"{p.level or '':<9}{side}")
    return 0


def run_team(args: argparse.Namespace) -> int:
    """Print the team table: key metrics in words and units, flags in words (``--json``: keys and values)."""
    from forcelab.analysis.labels import metric_name, metric_text, readable
    from forcelab.compare.source import team_table

    path, index = _index(args)
    with index:
        rows = team_table(index, test=args.test)
    if args.json:
        out(json.dumps([{"athlete": r.athlete, "last_session": r.last_session.isoformat() if r.last_session else None,
                          "values": r.values, "units": r.units, "status": r.status, "flags": r.flags,
                          "worst": r.worst} for r in rows], indent=2))
        return 0
    out(f"archive: {path}")
    out(f"{args.test} · latest session of each athlete, most concerning first · status: the worst of green / amber "
        "/ red against the athlete's own baseline")
    for r in rows:
        when = f"{r.last_session:%Y-%m-%d}" if r.last_session else "—"
        status = "too few sessions" if r.worst == "insufficient" else r.worst
        out(f"{status:<6}  {r.athlete}  (last session {when})")
        vals = [f"{metric_name(k)} {metric_text(k, v, r.units.get(k))}" + _mark(r.status.get(k))
                for k, v in r.values.items() if v is not None]
        out("        " + " · ".join(vals))
        for f in r.flags:
            out(f"        ! {readable(f)}")
    return 0


def _mark(status: str | None) -> str:
    """A metric's status after its value where it is not green: ``[amber]``."""
    return f" [{status}]" if status in ("amber", "red") else ""


def _archive_of(session: Path) -> Path | None:
    """The archive folder holding ``session`` (the nearest parent with an index), or None."""
    from forcelab.storage.archive import INDEX_NAME

    for parent in session.resolve().parents:
        if (parent / INDEX_NAME).exists():
            return parent
    return None


def run_report(args: argparse.Namespace) -> int:
    """Write the PDF report of one session."""
    from forcelab.gui.report import write_session_report
    from forcelab.storage.h5open import SessionFileError
    from forcelab.storage.index import ArchiveIndex

    if not args.session.is_file():
        raise CliError(f"{args.session}: no such session file")
    index = None
    if not args.no_trends:
        archive = Path(args.archive) if args.archive else _archive_of(args.session)
        if archive is not None:
            index = ArchiveIndex(archive)
            index.sync()
    try:
        summary = write_session_report(args.session, args.out, index=index)
    except SessionFileError as exc:
        raise CliError(str(exc)) from exc
    finally:
        if index is not None:
            index.close()
    out(f"report: {summary.path} ({summary.pages} pages: {', '.join(summary.titles)})")
    return 0
