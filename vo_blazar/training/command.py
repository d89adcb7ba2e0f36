"""The training run behind ``vo-blazar train``: cross-validate, write the fold ensembles, the model
card and plots into a new folder, and replace the package's shipped models only when asked.

`run_training` writes ``<out_dir>/<variant>/``; it never writes into the package's model folder
except through `ship_models` (``ship=True``, ``vo-blazar train --ship``), which keeps a copy of the
set it replaces and deletes no shipped file. The command line (options, messages, exit statuses)
is `vo_blazar.cli.train`.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..atomic import atomic_path
from ..exceptions import InputValueError, ModelError
from ..model.card import ModelCard
from ..logger import log
from .config import TrainingConfig, preset as get_preset
from ..model.ensemble import CARD_NAME, GRID_NAME, MODELS_DIR, VARIANTS, sha256_of
from ..model.runtime import MANIFEST_NAME, ONNX_NAME

__all__ = ["run_training", "run_same_coverage_study", "write_docs", "ship_models", "is_shipped_path",
           "default_out_dir", "default_loader"]

#: The command line moved to `vo_blazar.cli.train` (issue 13): these names still resolve, with a
#: deprecation warning (this module imports nothing from the command line).
_MOVED_TO_CLI = {"train_command": "vo_blazar.cli.train", "add_arguments": "vo_blazar.cli.train",
                 "main": "vo_blazar.cli.train"}


def __getattr__(name: str):
    from .._moved import moved_attribute
    return moved_attribute(__name__, name, _MOVED_TO_CLI)


def default_out_dir() -> Path:
    """Where a shipping run trains when given no folder: a new ``build/train-<UTC time>/``."""
    return Path("build") / f"train-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"


def is_shipped_path(path: str | Path) -> bool:
    """True for the package's shipped models folder (`MODELS_DIR`) and anything inside it."""
    path, models = Path(path).resolve(), MODELS_DIR.resolve()
    return path == models or models in path.parents


def _training_root(out_dir: str | Path | None, ship: bool) -> Path:
    """The folder a run writes its new model folders into; never the shipped models."""
    if out_dir is None:
        if not ship:
            raise InputValueError("run_training needs out_dir, the folder to write the trained models "
                                  f"to (ship=True also replaces the package's shipped models in {MODELS_DIR})")
        return default_out_dir()
    if is_shipped_path(out_dir):
        raise InputValueError(f"out_dir {out_dir} is the package's shipped models folder; train into "
                              "another folder (ship=True then copies the new models there)")
    return Path(out_dir)


def _set_aside(folder: Path) -> Path | None:
    """Rename an existing ``folder`` to ``<name>.replaced-<n>`` (a new training never deletes one)."""
    if not folder.exists():
        return None
    n = 1
    while (aside := folder.with_name(f"{folder.name}.replaced-{n}")).exists():
        n += 1
    folder.rename(aside)
    return aside


def default_loader(grid, variant: str, subset: str | None = None, *, archive: str | Path | None = None):
    """`vo_blazar.training.archive.load_training_arrays` (the labelled archive) -> X, y, meta."""
    from .archive import load_training_arrays

    return load_training_arrays(grid, variant=variant, subset=subset, path=archive)


def _same_coverage_rows(meta, meta_sc) -> np.ndarray:
    """Row index into the full set for each same-coverage SED, matched by source identifier."""
    for key in ("source_id", "name", "id"):
        if key in getattr(meta, "colnames", []) and key in getattr(meta_sc, "colnames", []):
            where = {str(v): i for i, v in enumerate(meta[key])}
            try:
                return np.array([where[str(v)] for v in meta_sc[key]], dtype=int)
            except KeyError as exc:
                raise InputValueError(f"same-coverage source {exc} is not in the full training set") from exc
    raise InputValueError("cannot match the same-coverage SEDs to the full set: no common identifier column")


def _counts(y: np.ndarray, meta) -> dict[str, Any]:
    d: dict[str, Any] = {"n_total": int(y.size), "n_blazar": int(y.sum()),
                         "n_nonblazar": int(y.size - y.sum())}
    info = dict(getattr(meta, "meta", {}) or {})
    d["archive"] = {k: info[k] for k in ("format", "build_command", "registry_version", "radius_arcsec",
                                         "sources_sha256", "n_sources", "n_points", "n_without_points")
                     if k in info}
    if meta is not None and "origin" in getattr(meta, "colnames", []):
        origins, n = np.unique(np.asarray(meta["origin"]).astype(str), return_counts=True)
        d["per_origin"] = {o: int(k) for o, k in zip(origins, n)}
    return d


def run_training(*, variants: Sequence[str] = VARIANTS, preset: str = "cpu", scaling: str = "shape_level",
                 n_folds: int = 10, epochs: int = 20, patience: int = 4, seed: int | None = None,
                 band_dropout: float | None = None, optical_ir_only: float | None = None,
                 coverage_balance: bool | None = None, out_dir: str | Path | None = None,
                 ship: bool = False, docs_dir: str | Path | None = None,
                 threads: int | None = None, folds: Sequence[int] | None = None, baselines: bool = True,
                 archive: str | Path | None = None, loader: Callable | None = None,
                 grid_factory: Callable | None = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """Cross-validate and ship one ensemble per variant.

    Parameters
    ----------
    variants : sequence of {"gamma", "nogamma"}
    preset : str
        Architecture preset (see `vo_blazar.training.config.PRESETS`).
    scaling : {"shape_level", "shape", "absolute"}
        Flux scaling of the grid (`vo_blazar.grid.scaling`); ``shape_level`` gives the network the
        SED's shape and its flux level as two channels.
    n_folds, epochs, patience, seed, band_dropout, optical_ir_only, coverage_balance
        Training settings (`TrainingConfig`; None keeps its default).
    out_dir : path, optional
        Root of the new model folders (``<out_dir>/<variant>/``); a folder already there is renamed
        to ``<variant>.replaced-<n>``, not deleted. Required unless ``ship`` (then default
        `default_out_dir`); never the package's shipped models folder.
    ship : bool
        Also export each new ensemble to ONNX and replace the shipped set with it (`ship_models`;
        the replaced files are kept in ``<out_dir>/replaced/<variant>/``).
    docs_dir : path, optional
        Where ``model_card.rst`` and ``_static/model/*.png`` go; None skips the docs.
    threads : int, optional
        TensorFlow threads.
    folds : sequence of int, optional
        Run only these folds (measurements; the result is then not a full ensemble).
    archive : path, optional
        The SED archive (default: `vo_blazar.training.archive.default_archive_path`).
    loader : callable, optional
        ``loader(grid, variant, subset) -> (X, y, meta)``; default `default_loader` on ``archive``.
    grid_factory : callable, optional
        ``grid_factory(variant) -> FrequencyGrid``; default ``default_grid(variant)``.

    Returns
    -------
    dict
        variant -> model card (as written to ``model_card.json``).

    Raises
    ------
    InputValueError
        Without ``out_dir`` and ``ship``, or with ``out_dir`` inside the shipped models folder
        (checked before any work).
    """
    root = _training_root(out_dir, ship)   # before any work: the destination is the caller's choice
    from .card import build_card, write_card
    from .figures import plot_cv
    from .network import build_model, input_range
    from .cross_validation import configure_threads, cross_validate

    say = progress or log.info
    threads = configure_threads(threads)
    if loader is None:
        def loader(grid, variant, subset):
            return default_loader(grid, variant, subset, archive=archive)
    if grid_factory is None:
        from ..grid import default_grid

        grid_factory = default_grid
    kw = {k: v for k, v in dict(seed=seed, band_dropout=band_dropout, optical_ir_only=optical_ir_only,
                                coverage_balance=coverage_balance).items() if v is not None}
    training = TrainingConfig(n_folds=n_folds, epochs=epochs, patience=patience, **kw)
    cards = {}
    for variant in variants:
        if variant not in VARIANTS:
            raise InputValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        grid = grid_factory(variant).with_scaling(scaling)
        X, y, meta = loader(grid, variant, None)
        same = None
        try:
            X_sc, y_sc, meta_sc = loader(grid, variant, "same_coverage")
            rows = _same_coverage_rows(meta, meta_sc)
            if not np.array_equal(np.asarray(y)[rows], np.asarray(y_sc)):
                raise InputValueError("same-coverage labels disagree with the full set")
            same = {"X": X_sc, "rows": rows}
        except (InputValueError, NotImplementedError, KeyError) as exc:
            log.warning(f"no leakage-controlled evaluation for {variant}: {exc}")
        config = get_preset(preset, *grid.shape)
        vdir = root / variant
        tmp = root / f".{variant}.training"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        say(f"[{variant}] {len(y)} SEDs ({int(np.sum(y))} blazars), grid {grid.version} ({len(grid)} cells), "
            f"scaling {scaling}, preset {preset}, {n_folds} folds"
            + (f", same-coverage {len(same['rows'])}" if same else ""))
        t0 = time.perf_counter()
        result = cross_validate(X, y, log_nu=grid.log_frequencies, model_config=config, training=training,
                                variant=variant, scaling_kind=grid.scaling.kind,
                                missing_value=grid.scaling.missing_value, floor=grid.scaling.floor,
                                same_coverage=same, out_dir=tmp, baselines=baselines,
                                folds=list(folds) if folds is not None else None, progress=say)
        weights = [{"file": Path(f.model_path).name, "sha256": sha256_of(f.model_path),
                    "bytes": Path(f.model_path).stat().st_size} for f in result.folds]
        counts = _counts(np.asarray(y), meta)
        if same is not None:
            counts["n_same_coverage"] = int(len(same["rows"]))
            counts["n_same_coverage_blazar"] = int(np.sum(np.asarray(y)[same["rows"]]))
        card = build_card(result, grid=grid, weights=weights, data_counts=counts, preset=preset,
                          n_parameters=int(build_model(config, compile=False).count_params()),
                          threads=threads,
                          extra={"input_range": input_range(X, grid.scaling.missing_value)})
        grid.save(tmp / GRID_NAME, overwrite=True)
        write_card(card, tmp / CARD_NAME)
        if ship:   # the export before the swap: a failed export leaves the package untouched
            from .export import export_onnx
            export_onnx(tmp)
        # the new folder appears only when complete; an earlier one is set aside, never deleted
        aside = _set_aside(vdir)
        tmp.rename(vdir)
        say(f"[{variant}] wrote {vdir}" + (f" (the earlier one is now {aside})" if aside else ""))
        if ship:
            keep = root / "replaced" / variant
            _set_aside(keep)
            ship_models(vdir, variant, keep=keep)
            say(f"[{variant}] shipped to {MODELS_DIR / variant}; the replaced set is kept in {keep}")
        cards[variant] = card
        say(f"[{variant}] done in {(time.perf_counter() - t0) / 60:.1f} min: ROC AUC "
            f"{card['metrics']['roc_auc']['mean']:.4f} ± {card['metrics']['roc_auc']['std']:.4f}; "
            f"same-coverage {card['metrics_leakage_controlled'].get('roc_auc', {}).get('mean')}")
        if docs_dir is not None:
            plot_cv(result, Path(docs_dir) / "_static" / "model")
    if docs_dir is not None and cards:
        write_docs(docs_dir, root=root)
    return cards


def run_same_coverage_study(*, preset: str = "wide", scaling: str = "shape", n_folds: int = 10,
                            epochs: int = 15,
                            patience: int = 3, archive: str | Path | None = None, threads: int | None = None,
                            docs_dir: str | Path | None = None, loader: Callable | None = None,
                            grid_factory: Callable | None = None,
                            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train and evaluate *only* on the leakage-controlled set (twelve shared IR-optical bands).

    The network and the gradient-boosting baseline see the same folds of the same-coverage SEDs,
    so neither can use band coverage; this is the comparison the issue's target refers to. Writes
    ``<docs_dir>/_static/model/same_coverage_trained.json`` when ``docs_dir`` is given.
    """
    from .cross_validation import configure_threads, cross_validate

    configure_threads(threads)
    if grid_factory is None:
        from ..grid import default_grid

        grid_factory = default_grid
    grid = grid_factory("gamma").with_scaling(scaling)
    X, y, _ = (loader or (lambda g, v, s: default_loader(g, v, s, archive=archive)))(
        grid, "gamma", "same_coverage")
    training = TrainingConfig(n_folds=n_folds, epochs=epochs, patience=patience, band_dropout=0.0,
                              optical_ir_only=0.0, shared_only=0.0, shared_copies=0)
    r = cross_validate(X, y, log_nu=grid.log_frequencies, model_config=get_preset(preset, *grid.shape),
                       training=training, variant="same_coverage", scaling_kind=grid.scaling.kind,
                       missing_value=grid.scaling.missing_value, floor=grid.scaling.floor,
                       saliency_samples=0, progress=progress or log.info)
    out = {"n": int(len(y)), "n_blazar": int(np.sum(y)), "n_folds": n_folds, "preset": preset,
           "scaling": scaling,
           "network": r.summary("metrics"), "gradient_boosting": r.baseline_summary("gradient_boosting"),
           "coverage_only": r.baseline_summary("coverage_only"), "wall_seconds": r.wall_seconds}
    if docs_dir is not None:
        p = Path(docs_dir) / "_static" / "model"
        p.mkdir(parents=True, exist_ok=True)
        from .card import to_json

        (p / "same_coverage_trained.json").write_text(to_json(out))
    return out


def write_docs(docs_dir: str | Path, *, root: str | Path | None = None) -> Path:
    """Regenerate ``model_card.rst`` from the cards under ``root`` and the measured tables."""
    from ..model.card import read_card
    from .card import render_rst

    root = Path(root) if root is not None else MODELS_DIR
    docs_dir = Path(docs_dir)
    cards = [read_card(root / v / CARD_NAME) for v in VARIANTS if (root / v / CARD_NAME).exists()]
    static = docs_dir / "_static" / "model"
    extra = {}
    for name in ("tradeoff", "scaling_comparison", "same_coverage_trained", "inference"):
        p = static / f"{name}.json"
        extra[name] = json.loads(p.read_text()) if p.exists() else None
    preset_cards = [read_card(p) for p in sorted((static / "preset_cards").glob("*.json"))]
    path = docs_dir / "model_card.rst"
    path.write_text(render_rst(cards, tradeoff=extra["tradeoff"],
                               scaling_comparison=extra["scaling_comparison"],
                               same_coverage_trained=extra["same_coverage_trained"],
                               inference=extra["inference"],
                               preset_cards=preset_cards), encoding="utf-8")
    return path


def ship_models(source: str | Path, variant: str, *, keep: str | Path) -> list[Path]:
    """Replace the package's shipped ``variant`` models with the folder ``source``, keeping the old set.

    ``source`` must be complete and consistent before anything in the package changes: its model
    card, the grid, every fold file the card lists with the SHA-256 it records, and an ONNX export
    made from exactly those files (the shipped models run on ONNX Runtime; `load_ensemble` with
    ``runtime="onnx"`` must accept the folder). The shipped folder is then copied to ``keep``, and
    each new file replaces its shipped namesake in one step (written beside it, renamed over it),
    the card last. No shipped file is deleted: files of the old set that the new card does not
    list (fewer folds) stay and are named in a warning.

    Parameters
    ----------
    source : path
        A model folder as `run_training` writes it (``<out_dir>/<variant>/``), exported to ONNX
        (`vo_blazar.training.export.export_onnx`).
    variant : {"gamma", "nogamma"}
        Which shipped set to replace.
    keep : path
        New folder for a copy of the replaced set; must not exist.

    Returns
    -------
    list of Path
        The files written into the package.

    Raises
    ------
    ModelError
        An incomplete or inconsistent ``source`` (nothing in the package is touched).
    InputValueError
        An unknown ``variant``, a ``source`` inside the shipped folder, or a ``keep`` that exists.
    """
    from ..model.ensemble import load_ensemble

    if variant not in VARIANTS:
        raise InputValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    source, keep, dest = Path(source), Path(keep), MODELS_DIR / variant
    if is_shipped_path(source):
        raise InputValueError(f"{source} is inside the shipped models folder; ship from a training folder")
    if keep.exists():
        raise InputValueError(f"{keep} exists: give a new folder for the copy of the replaced models")
    card = ModelCard.read(source / CARD_NAME, required=()).check_ensemble()
    for entry in card.weights:
        path = source / entry.file
        if not path.is_file() or sha256_of(path) != entry.sha256:
            raise ModelError(f"{path} is missing or differs from the SHA-256 its model card records")
    if not (source / MANIFEST_NAME).is_file():
        raise ModelError(f"{source} has no ONNX export ({MANIFEST_NAME}); the shipped models run on ONNX "
                         f"Runtime: export it first (python -m vo_blazar.training.export --models {source})")
    load_ensemble(variant, directory=source, runtime="onnx")   # a stale or damaged export raises here
    if dest.exists():
        shutil.copytree(dest, keep)
    dest.mkdir(parents=True, exist_ok=True)
    # the card last: until it is replaced, the shipped card still describes the files it lists
    names = [*(entry.file for entry in card.weights), GRID_NAME, ONNX_NAME, MANIFEST_NAME, CARD_NAME]
    written = []
    for name in names:
        with atomic_path(dest / name) as tmp:
            shutil.copyfile(source / name, tmp)
        written.append(dest / name)
    left = sorted(p.name for p in dest.iterdir()
                  if p.is_file() and p not in written and not p.name.startswith("."))
    if left:
        log.warning(f"left in {dest}, not part of the new {variant} set: {', '.join(left)} "
                    f"(a copy is in {keep})")
    return written


if __name__ == "__main__":  # pragma: no cover
    # `python -m vo_blazar.training.command` (named in docs/model_card.rst) runs `vo-blazar train`;
    # the command line lives in vo_blazar.cli.train, imported only here, when run as a script
    import sys

    from vo_blazar.cli.train import main
    sys.exit(main())
