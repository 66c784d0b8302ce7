"""Draw results.json as a bar chart (run in the harness's venv, which has matplotlib)."""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server or in CI
import matplotlib.pyplot as plt


def draw(results_path: Path, png_path: Path) -> None:
    """One panel per workload, one bar per contender: median requests per second."""
    results = json.loads(results_path.read_text())
    workloads = results["workloads"]
    # One colour per contender across panels, also when a contender sits out a workload.
    names = list(dict.fromkeys(row["contender"] for w in workloads for row in w["rows"]))
    colour = {name: f"C{i}" for i, name in enumerate(names)}
    fig, axes = plt.subplots(
        1, len(workloads), figsize=(max(6.4, 3.2 * len(workloads)), 4), squeeze=False
    )
    for ax, workload in zip(axes[0], workloads, strict=True):
        rows = workload["rows"]
        shown = [row["contender"] for row in rows]
        rps = [row["rps"] for row in rows]
        bars = ax.bar(range(len(rows)), rps, color=[colour[name] for name in shown])
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
        ax.set_xticks(range(len(rows)), shown, rotation=35, ha="right", fontsize=8)
        ax.set_title(workload["name"], fontsize=9)
        ax.set_ylabel("requests/s (median of rounds)", fontsize=8)
    fig.suptitle(results["title"], fontsize=10)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)


if __name__ == "__main__":
    draw(Path(sys.argv[1]), Path(sys.argv[2]))
