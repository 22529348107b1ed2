"""Command line: run a chapter at a scale, or build the whole book.

    python -m plateaus list
    python -m plateaus run typicality --scale extended [--recompute] [--jobs 2]
    python -m plateaus book [--scale paper] [--recompute]
"""
from __future__ import annotations

import argparse
import os
import sys

from .params import SCALES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m plateaus",
        description="Execute the chapters of the book 'Entanglement-induced barren plateaus' "
        "with papermill and build the site.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the chapters in book order and the scales")
    run = sub.add_parser("run", help="execute one chapter at a scale into book/<name>.ipynb")
    run.add_argument("name", help="chapter name (see 'list')")
    book = sub.add_parser("book", help="execute every chapter, then build the HTML site")
    preview = sub.add_parser("preview", help="build a small site of the introduction and one chapter")
    preview.add_argument("name", help="chapter name (see 'list')")
    preview.add_argument("--out", required=True, help="directory for the preview site")
    for p in (run, book, preview):
        p.add_argument("--scale", default="paper", choices=SCALES,
                       help="quick (seconds, for tests), paper (the paper's sizes) or extended")
        p.add_argument("--recompute", action="store_true",
                       help="ignore cached tables in data/ and re-run the simulations")
        p.add_argument("--jobs", type=int, default=None,
                       help="worker processes for the ensembles (default: PLATEAUS_N_JOBS or 1)")
        p.add_argument("--scheduler", default=None,
                       help="dask.distributed scheduler address, or 'local' (needs the dask extra)")
    args = parser.parse_args(argv)

    from . import runner

    if args.command == "list":
        print("chapters:", " ".join(runner.chapters()))
        print("scales:  ", " ".join(SCALES))
        return 0
    os.environ.setdefault("PLATEAUS_PROGRESS", "1")  # ensembles show a bar on this terminal
    if args.jobs is not None:
        if args.jobs < 1:
            parser.error(f"--jobs must be a positive integer, got {args.jobs}")
        os.environ["PLATEAUS_N_JOBS"] = str(args.jobs)
    if args.scheduler:
        os.environ["PLATEAUS_SCHEDULER"] = args.scheduler
    try:
        if args.command == "preview":
            index = runner.preview_chapter(args.name, args.scale, out=args.out, recompute=args.recompute)
            print(f"\nThe preview is built: {index}")
        elif args.command == "run":
            runner.execute_chapter(args.name, args.scale, recompute=args.recompute, log_output=False)
        else:
            index = runner.run_book(args.scale, recompute=args.recompute)
            print(f"\nThe book is built: {index}")
    except (ValueError, runner.ChapterError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
