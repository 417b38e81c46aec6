"""Run the benchmarks: `python -m benchmarks` (all) or `python -m benchmarks capture ...`.

Tables go to stdout, progress to stderr, results to `<out>/<name>.json` (default `runs/bench`).
Exit status 1 when a benchmark failed (the others still run), 2 for an unknown benchmark name.
"""

import argparse
import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import benchmarks
from benchmarks._harness import environment, load_average
from semphys.core.io import write_bytes_atomic


def discover() -> list[str]:
    """Names of the benchmark modules: every module of the package not starting with `_`."""
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


def parser(names: list[str]) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parse = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run semphys benchmarks; each prints a table and writes <out>/<name>.json.",
    )
    parse.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default all): {', '.join(names)}")
    parse.add_argument("--out", type=Path, default=Path("runs/bench"), help="directory of the JSON results")
    parse.add_argument(
        "--repeats", type=int, default=5, help="timed repeats of each case, interleaved, after one warm-up"
    )
    parse.add_argument(
        "--max-rounds",
        type=int,
        default=None,
        help="rounds at most, while waiting for quiet repeats on a busy machine (default 2 x repeats)",
    )
    modules = {}
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        if not callable(getattr(module, "main", None)):
            continue
        modules[name] = module
        if hasattr(module, "add_arguments"):
            module.add_arguments(parse.add_argument_group(name, (module.__doc__ or "").strip().splitlines()[0]))
    return parse, modules


def _environment_line(env: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    load = env["load_average"]
    return (
        f"{env['date']} | semphys {env['git'] or 'not a git checkout'} | torch threads {env['torch_threads']} (interop {env['torch_interop_threads']}), "
        f"{env['cpu_count']} CPUs: {env['cpu']} | {versions}"
        + ("" if load is None else f" | load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    )


def main(argv: list[str] | None = None) -> int:
    parse, modules = parser(discover())
    args = parse.parse_args(argv)
    unknown = [n for n in args.names if n not in modules]
    if unknown:
        parse.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(modules)}")
    if args.repeats < 1:
        parse.error(f"--repeats must be at least 1, got {args.repeats}")
    failed = []
    for name in args.names or list(modules):
        print(f"== benchmark {name}", file=sys.stderr)
        env = environment()
        print(_environment_line(env))
        start = time.perf_counter()
        try:
            result = modules[name].main(args)
        except Exception:  # noqa: BLE001 - report, then run the others
            traceback.print_exc()
            failed.append(name)
            continue
        record = {
            "benchmark": name,
            "environment": env,
            "load_average_after": load_average(),
            "seconds": time.perf_counter() - start,
            "command": " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])]),
            "result": result,
        }
        path = write_bytes_atomic(args.out / f"{name}.json", (json.dumps(record, indent=2) + "\n").encode())
        print(f"wrote {path}", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
