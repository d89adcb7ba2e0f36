"""Import hygiene: `import vo_blazar`, reading the model cards and loading the grids stay light.

Each check runs in a fresh interpreter (``sys.modules`` of the test process already holds whatever
other tests imported). Timing goals live in benchmarks/bench_coldstart.py, not here.
"""
import json
import subprocess
import sys

HEAVY = ("tensorflow", "keras", "sklearn", "torch", "jax")


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints a JSON object on its last line."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_loads_no_network_runtime_nor_astropy_coordinates():
    out = _fresh(
        "import json, sys\n"
        "import vo_blazar\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}"
        " or m in ('astropy.coordinates', 'pyvo', 'onnxruntime'))))\n")
    assert out == []


def test_card_and_grid_read_without_tensorflow_or_keras():
    out = _fresh(
        "import json, sys\n"
        "import vo_blazar\n"
        "from vo_blazar.model.card import read_card\n"
        "from vo_blazar.model.ensemble import MODELS_DIR\n"
        "from vo_blazar.grid import FrequencyGrid\n"
        "cards = {v: read_card(MODELS_DIR / v / 'model_card.json') for v in ('gamma', 'nogamma')}\n"
        "grids = {v: FrequencyGrid.load(MODELS_DIR / v / 'grid.json') for v in ('gamma', 'nogamma')}\n"
        "print(json.dumps({'threshold': {v: c['threshold'] for v, c in cards.items()},\n"
        "                  'cells': {v: len(g) for v, g in grids.items()},\n"
        "                  'card_via_attribute': callable(vo_blazar.model.card.read_card),\n"
        f"                  'heavy': sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})}}))\n")
    assert out["heavy"] == []
    assert out["card_via_attribute"] is True
    for variant in ("gamma", "nogamma"):
        assert 0 < out["threshold"][variant] < 1
        assert out["cells"][variant] > 10


def test_lazy_attributes_resolve():
    import vo_blazar
    from vo_blazar.classifier.classification import classify, classify_sed

    assert vo_blazar.classify is classify
    assert vo_blazar.classify_sed is classify_sed
    try:
        vo_blazar.no_such_thing
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("unknown attribute resolved")
