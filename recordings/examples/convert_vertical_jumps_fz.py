"""Rebuild the example CSVs of this folder from the vertical-jumps-fz originals (MIT, Gidiel-Machado et al. 2025).

Usage, from the repository root with ../shared/data beside it:
    python recordings/examples/convert_vertical_jumps_fz.py ../shared/data/vertical-jumps-fz

Each tab-separated ``FP1<TAB>FP2`` file becomes forcelab's plain CSV ``time,left,right`` (FP1 -> left,
FP2 -> right), with time in seconds at the 1000 Hz the data set implies. Force values are copied exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

from forcelab.storage.readers import read_force_file

RATE_HZ = 1000.0
FILES = {
    "Dual-CMJ-Fz.txt": "cmj_two_plates.csv",
    "Dual-SJ-Fz.txt": "sj_two_plates.csv",
    "Dual-DJ-Fz.txt": "dj_two_plates.csv",
}


def main(source: Path) -> None:
    """Convert every file of ``FILES`` found in ``source`` into this folder."""
    here = Path(__file__).resolve().parent
    for name, out in FILES.items():
        rec = read_force_file(source / name, rate=RATE_HZ, layout="csv")
        left, right = rec.trace.left, rec.trace.right
        assert left is not None and right is not None
        lines = ["time,left,right"]
        lines += [f"{i / RATE_HZ:.3f},{a!r},{b!r}" for i, (a, b) in enumerate(zip(left.tolist(), right.tolist(), strict=True))]
        (here / out).write_text("\n".join(lines) + "\n", encoding="utf-8")
        sys.stdout.write(f"{source / name} -> {here / out} ({rec.trace.n} samples)\n")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/vertical-jumps-fz"))
