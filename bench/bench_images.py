"""Time to draw one default-mode image per format, against PNG measured in the same run.

    .venv/bin/python bench/bench_images.py [--repeat 5] [--sizes 256 1024 2048 4096]

Each cell is the median of `--repeat` runs of drawing the scene and encoding it (the
cache the fake keeps is bypassed, so every run does the whole work). The absolute times
depend on the machine; the ratio to PNG does not much.
"""

from __future__ import annotations

import argparse
import statistics
import time

from meshapi_mock.imaging import FORMATS, Drawing, encode, picture


def seconds(drawing: Drawing, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        encode(picture(drawing), drawing.format, drawing.quality)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 2048, 4096])
    args = parser.parse_args()
    print(f"ms per image (median of {args.repeat}); ratio = time / PNG's time")
    print(f"{'size':>11}" + "".join(f"{name:>16}" for name in FORMATS))
    for side in args.sizes:
        times = {
            name: seconds(Drawing(side, side, name, key=b"bench: a red fox"), args.repeat)
            for name in FORMATS
        }
        cells = "".join(
            f"{times[name] * 1000:>8.1f} ({times[name] / times['png']:>4.2f})" for name in FORMATS
        )
        print(f"{side:>5}x{side:<5}{cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
