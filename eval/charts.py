"""PNG charts of a run: hit@k curves, and abstention against answer rate by threshold."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server or in CI
import matplotlib.pyplot as plt  # noqa: E402


def hit_at_k_chart(curves: dict[str, list], path: Path, top_k: int) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, curve in curves.items():
        ks = [k for k, v in enumerate(curve, 1) if v is not None]
        ax.plot(ks, [curve[k - 1] for k in ks], marker="o", label=name)
    ax.axvline(top_k, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("k (passages returned)")
    ax.set_ylabel("hit@k (answerable questions with a gold quote in the top k)")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(range(1, max((len(c) for c in curves.values()), default=1) + 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title("Retrieval: hit@k by system")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def tradeoff_chart(sweeps: dict[str, tuple[list[dict], float]], path: Path) -> None:
    """One curve per system: (answer rate, abstention) at each threshold, the configured one ringed."""
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name, (rows, current) in sweeps.items():
        points = [(r["answer_rate"], r["abstention"], r["threshold"]) for r in rows if r["answer_rate"] is not None and r["abstention"] is not None]
        if not points:
            continue
        line = ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=f"{name} (threshold {current:g})")[0]
        for i, (x, y, t) in enumerate(points):
            if t == current:
                ax.plot([x], [y], marker="o", markersize=11, fillstyle="none", color=line.get_color())
            if t == current or i % 4 == 0:
                # label inward from the right edge so the text stays inside the axes
                ax.annotate(f"{t:g}", (x, y), textcoords="offset points", xytext=(-6 if x > 0.8 else 6, 6),
                            ha="right" if x > 0.8 else "left", fontsize=7, color=line.get_color())
    ax.set_xlabel("answer rate (answerable questions answered)")
    ax.set_ylabel("abstention (unanswerable questions declined)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title("Abstention trade-off: each point is one threshold (labelled)")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def reliability_chart(tables: dict[str, list[dict]], path: Path) -> None:
    """Reliability diagram: share right against mean confidence per bin; the diagonal is perfect calibration."""
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="calibrated")
    for name, rows in tables.items():
        points = [(r["mean_confidence"], r["right"], r["n"]) for r in rows if r["n"]]
        line = ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)[0]
        for x, y, n in points:
            ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(5, -10), fontsize=7, color=line.get_color())
    ax.set_xlabel("mean confidence in bin")
    ax.set_ylabel("share of replies right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title("Reliability (labels: replies per bin)")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
