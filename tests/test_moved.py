"""Old module paths (before the redesign of issue 13) keep working, with a deprecation warning;
maintainer builders that left the package say which command replaced them."""
import importlib
import subprocess
import sys
import warnings

import pytest
from astropy.utils.exceptions import AstropyDeprecationWarning

from vo_blazar import _moved


def _fresh(name):
    """Import ``name`` as if for the first time (the stand-in warns when it is created)."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize("old, new, attribute", [
    ("vo_blazar.sed.builder", "vo_blazar.pipeline", "build_seds"),
    ("vo_blazar.batch", "vo_blazar.classifier.batch", "classify_batch"),
    ("vo_blazar.samp", "vo_blazar.interop.samp", "send_table"),
    ("vo_blazar.model.training", "vo_blazar.training.cross_validation", "cross_validate"),
    ("vo_blazar.snapshot", "vo_blazar.access.names", "resolve_name"),
])
def test_old_module_forwards_to_the_new_one_with_a_warning(old, new, attribute):
    with pytest.warns(AstropyDeprecationWarning, match=f"{old} is deprecated: it moved to {new}"):
        module = _fresh(old)
    # the very same object, not a copy: isinstance checks and identity keep working
    assert getattr(module, attribute) is getattr(importlib.import_module(new), attribute)
    assert attribute in dir(module)
    with pytest.raises(AttributeError):
        module.no_such_name


def test_child_of_an_old_package_imports():
    with pytest.warns(AstropyDeprecationWarning):
        _fresh("vo_blazar.snapshot")
        module = _fresh("vo_blazar.snapshot.names")
    from vo_blazar.access.names import normalise_name
    assert module.normalise_name is normalise_name


@pytest.mark.parametrize("old", sorted(_moved.MOVED_TO_TOOLS))
def test_maintainer_module_names_its_replacement(old):
    sys.modules.pop(old, None)
    with warnings.catch_warnings():
        # the parent of vo_blazar.dataset.labels, vo_blazar.dataset, is itself a moved module
        warnings.simplefilter("ignore", AstropyDeprecationWarning)
        with pytest.raises(ImportError, match=r"maintainer builder .* python -m tools\."):
            importlib.import_module(old)


def test_every_moved_target_exists():
    for new in set(_moved.MOVED.values()):
        assert importlib.util.find_spec(new) is not None, new


def test_moved_names_of_packages_warn():
    import vo_blazar.model
    import vo_blazar.sed
    from vo_blazar.pipeline import build_sed
    from vo_blazar.training.config import TrainingConfig
    with pytest.warns(AstropyDeprecationWarning, match="vo_blazar.sed.build_sed is deprecated"):
        assert vo_blazar.sed.build_sed is build_sed
    with pytest.warns(AstropyDeprecationWarning, match="use vo_blazar.training.config.TrainingConfig"):
        assert vo_blazar.model.TrainingConfig is TrainingConfig
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        vo_blazar.sed.nothing


def test_runtime_never_imports_tools_or_training():
    """What a default install runs (offline classify) imports neither the maintainer tools nor
    the training code, nor the live-VO clients (pyvo, astroquery): an offline answer needs none."""
    code = ("import sys, vo_blazar; from astropy.coordinates import SkyCoord;"
            "vo_blazar.classify(SkyCoord(166.11381, 38.20883, unit='deg'), offline=True);"
            "bad = sorted(m for m in sys.modules if m.startswith(('tools', 'vo_blazar.training', 'tensorflow', 'keras', 'pyvo', 'astroquery')));"
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert run.returncode == 0, run.stdout + run.stderr
