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
    fig = tradeoff_figure(sweeps)
    fig.savefig(path, format="png")
    plt.close(fig)


def tradeoff_figure(sweeps: dict[str, tuple[list[dict], float]]):
    """The trade-off chart as a matplotlib figure. Threshold labels are placed last, each where its drawn text
    touches no other label (the configured thresholds first, in bold; others only where there is room)."""
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    wanted = []  # (is configured, x, y, threshold, colour)
    for name, (rows, current) in sweeps.items():
        points = [(r["answer_rate"], r["abstention"], r["threshold"]) for r in rows if r["answer_rate"] is not None and r["abstention"] is not None]
        if not points:
            continue
        line = ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=f"{name} (threshold {current:g})")[0]
        for x, y, t in points:
            if t == current:
                ax.plot([x], [y], marker="o", markersize=11, fillstyle="none", color=line.get_color())
            wanted.append((t == current, x, y, t, line.get_color()))
    ax.set_xlabel("answer rate (answerable questions answered)")
    ax.set_ylabel("abstention (unanswerable questions declined)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left")
    ax.set_title("Abstention trade-off: each point is one threshold (labelled where there is room)")
    fig.tight_layout()

    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    taken = [fig.legends[0].get_window_extent(renderer)] if fig.legends else []
    if ax.get_legend() is not None:
        taken.append(ax.get_legend().get_window_extent(renderer))
    for configured, x, y, t, colour in sorted(wanted, key=lambda w: not w[0]):
        near = ((6, 6), (6, -12), (-6, 6), (-6, -12))
        for dx, dy in near + ((8, 16), (-8, -22)) if configured else near:
            text = ax.annotate(f"{t:g}", (x, y), textcoords="offset points", xytext=(dx, dy), ha="left" if dx > 0 else "right",
                               fontsize=8 if configured else 7, fontweight="bold" if configured else "normal", color=colour)
            box = text.get_window_extent(renderer)
            room = box if configured else box.padded(18)  # the others sparse enough to read beside the curves
            if box.x0 >= inside.x0 and box.x1 <= inside.x1 and box.y1 <= inside.y1 and not any(room.overlaps(o) for o in taken):
                taken.append(box)
                break
            text.remove()
    return fig


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
