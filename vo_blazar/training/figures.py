"""PNG figures of a cross-validated run: ROC and PR curves, reliability diagram, saliency."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .evaluation import expected_calibration_error, reliability_curve

__all__ = ["plot_cv"]


def plot_cv(result, out_dir: str | Path, *, labels: list[str] | None = None) -> dict[str, str]:
    """Write ``<variant>_{roc,pr,reliability,saliency}.png`` for a `CVResult`; returns name -> path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve, roc_curve

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    v = result.variant
    y, p, pc = result.y, result.oof, result.oof_calibrated
    ok = np.isfinite(p)
    y, p, pc = y[ok], p[ok], pc[ok]
    paths = {}

    def save(fig, kind: str) -> None:
        fig.tight_layout()
        paths[kind] = str(out_dir / f"{v}_{kind}.png")
        fig.savefig(paths[kind], dpi=110)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    fpr, tpr, _ = roc_curve(y, p)
    s = result.summary()
    ax.plot(fpr, tpr, lw=1.5, label=f"network (AUC {s['roc_auc']['mean']:.3f} ± {s['roc_auc']['std']:.3f})")
    for name, style in (("gradient_boosting", "--"), ("coverage_only", ":")):
        b = result.baseline_summary(name)
        if b:
            ax.plot([], [], style, color="gray",
                    label=f"{name.replace('_', ' ')} (AUC {b['roc_auc']['mean']:.3f})")
    thr = result.threshold()
    pred = p >= thr
    ax.plot([np.mean(pred[y == 0])], [np.mean(pred[y == 1])], "o", color="C3", label=f"threshold {thr:.2f}")
    ax.plot([0, 1], [0, 1], color="0.8", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC, out-of-fold ({v})",
           xlim=(-0.01, 1), ylim=(0, 1.01))
    ax.legend(fontsize=7, loc="lower right")
    save(fig, "roc")

    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    prec, rec, _ = precision_recall_curve(y, p)
    ax.plot(rec, prec, lw=1.5, label=f"PR AUC {s['pr_auc']['mean']:.3f} ± {s['pr_auc']['std']:.3f}")
    ax.axhline(y.mean(), color="0.8", lw=0.8, label="chance")
    ax.set(xlabel="recall (blazars)", ylabel="precision", title=f"Precision-recall ({v})", ylim=(0, 1.01))
    ax.legend(fontsize=7, loc="lower left")
    save(fig, "pr")

    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    for q, lab in ((p, "raw"), (pc, "Platt-calibrated")):
        rc = reliability_curve(y, q, 10)
        ece = expected_calibration_error(y, q, 10)
        ax.plot(rc["mean_predicted"], rc["fraction_positive"], "o-", ms=3, label=f"{lab} (ECE {ece:.3f})")
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8)
    ax.set(xlabel="mean predicted p(blazar)", ylabel="observed fraction of blazars",
           title=f"Reliability, out-of-fold ({v})")
    ax.legend(fontsize=7, loc="upper left")
    save(fig, "reliability")

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for which, lab in (("saliency", "shape (channel 0)"), ("saliency_level", "level (channel 2)")):
        if getattr(result.folds[0], which) is None:
            continue
        sal = np.array([getattr(f, which) for f in result.folds])
        ax.errorbar(result.log_nu, sal.mean(axis=0), yerr=sal.std(axis=0), fmt="o-", ms=3, lw=0.8,
                    elinewidth=0.6, label=lab)
    ax.set(xlabel=r"log$_{10}$ ($\nu$ / Hz)", ylabel=r"mean |$\partial p / \partial x$|",
           title=f"Gradient saliency per grid frequency ({v})")
    if result.folds[0].saliency_level is not None:
        ax.legend(fontsize=7)
    save(fig, "saliency")
    return paths
