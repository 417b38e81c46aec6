"""Copy one figure of each experiment from real run directories into docs/figures/, scaled down.

    python scripts/docs_figures.py --phase RUN --readout RUN --measure RUN --routing RUN --samadhi RUN

Each RUN is the `--out` directory of that command (`semphys phase run`, `phase readout --all`,
`langevin measure`, `routing compare`, `samadhi train` + `eval`). The figures are scaled to at most
900 pixels wide and stored with a 256-colour palette so the repository holds no multi-MB binaries; the experiment pages embed them. The
date and command of each run are on the findings pages.
"""

import argparse
from pathlib import Path

from PIL import Image

DOCS = Path(__file__).resolve().parents[1] / "docs" / "figures"
WIDTH = 900
FIGURES = {  # option -> (file in the run directory, name in docs/figures)
    "phase": ("order_parameter.png", "phase-order-parameter.png"),
    "readout": ("readout.png", "readout-accuracy.png"),
    "measure": ("model0-0.png", "measure-lines-of-thought.png"),
    "routing": ("origin_expert.png", "routing-origin-expert.png"),
    "samadhi": ("gate_scores.png", "samadhi-gate-scores.png"),
}


def copy_scaled(source: Path, target: Path) -> None:
    with Image.open(source) as image:
        if image.width > WIDTH:
            image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
        image.convert("RGB").quantize(colors=256).save(target, optimize=True)  # a 256-colour PNG: plots lose nothing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for option in FIGURES:
        parser.add_argument(f"--{option}", type=Path, help=f"the run directory of the {option} command")
    args = parser.parse_args()
    DOCS.mkdir(parents=True, exist_ok=True)
    for option, (name, target) in FIGURES.items():
        run = getattr(args, option)
        if run is None:
            continue
        source = run / name
        if not source.is_file():
            parser.error(f"--{option} {run}: no {name} there; give the command's --out directory")
        copy_scaled(source, DOCS / target)
        print(DOCS / target, f"{(DOCS / target).stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
