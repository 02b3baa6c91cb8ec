"""``forcelab reanalyze --all`` as a real subprocess on a real LocalCluster: output, and SIGKILL then rerun."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from forcelab.storage import bridge
from support.batch import small_archive, trial_states

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


def _cmd(archive: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from forcelab.cli import main; raise SystemExit(main())", "reanalyze", "--all", "--archive", str(archive), *extra]


def test_sigkill_then_rerun_finishes_the_rest_once(tmp_path: Path) -> None:
    archive = small_archive(tmp_path / "cache", tmp_path / "a", weeks=4)  # 12 sessions, 24 trials
    proc = subprocess.Popen(_cmd(archive, "--workers", "1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        deadline = time.monotonic() + 240
        while " 1/12 sessions" not in line and " 2/12 sessions" not in line:  # a session or two done
            assert line and time.monotonic() < deadline, "the batch never reported progress"
            line = proc.stderr.readline()
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    _, still_alive = psutil.wait_procs(children, timeout=30)  # the orphaned worker notices and exits
    for child in still_alive:
        child.kill()
    assert still_alive == [], "Dask worker processes outlived the killed batch"
    version = bridge.method_version()
    after_kill = trial_states(archive)
    done = sum(1 for v, _ in after_kill.values() if v == version)
    assert 0 < done < 24, "the kill must land in the middle of the batch"
    assert set(after_kill.values()) <= {(version, 1), ("", 0)}  # each session whole or untouched

    rerun = subprocess.run(_cmd(archive, "--workers", "1"), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    last = rerun.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"reanalysed (\d+) trials in (\d+) sessions", last)
    assert m is not None, last
    assert int(m.group(1)) == 24 - done  # only what was left
    assert f"skipped {done} trials" in rerun.stdout
    assert set(trial_states(archive).values()) == {(version, 1)}  # nothing twice, nothing missing
    assert not list(archive.rglob("*.reanalyzing"))


def test_without_dask_says_what_to_install(tmp_path: Path) -> None:
    archive = small_archive(tmp_path / "cache", tmp_path / "a", weeks=1, trials=1)
    blocker = tmp_path / "nodask"
    blocker.mkdir()
    (blocker / "distributed.py").write_text("raise ModuleNotFoundError('no distributed', name='distributed')\n")
    env = {**os.environ, "PYTHONPATH": f"{blocker}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    r = subprocess.run(_cmd(archive, "--workers", "2"), capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2
    assert "pip install 'forcelab[lab]'" in r.stderr and "--workers 0" in r.stderr
    ok = subprocess.run(_cmd(archive, "--workers", "0"), capture_output=True, text=True, timeout=120, env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1] == "reanalysed 3 trials in 3 sessions"
