"""`vo_blazar.cli.commands` and `vo_blazar.cli.errors`: the parser, its verbs, exit statuses and
what building the parser costs (no pyvo, ONNX Runtime or TensorFlow before a verb needs them)."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import vo_blazar.cli
from vo_blazar.cli import commands, errors
from vo_blazar.exceptions import InputValueError

CLI_DIR = Path(vo_blazar.cli.__file__).parent
VERBS = ["sed", "classify", "demo", "candidates", "train", "check-services"]


def _subparsers(parser):
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")


def test_every_verb_in_the_documented_order():
    assert list(_subparsers(commands.build_parser()).choices) == VERBS
    assert vo_blazar.cli.main is commands.main


@pytest.mark.parametrize("verb, flags", [
    ("sed", {"--radius", "--offline", "--catalogs", "--output"}),
    ("classify", {"--positions", "--radius", "--offline", "--catalogs", "--no-gamma", "--gamma", "--output",
                  "--plot", "--samp", "--regions", "--checkpoint", "--chunk-size", "--no-progress"}),
    ("demo", {"--output-dir"}),
    ("candidates", {"--region", "--cone", "--polygon", "--xray-error", "--radio-error", "--xray-error-column",
                    "--radio-error-column", "--k", "--xray-flux", "--xray-flux-unit", "--radio-flux",
                    "--radio-flux-unit", "--known", "--keep-known", "--dask", "--chunk-size", "--radius",
                    "--offline", "--catalogs", "--output", "--regions", "--samp", "--top"}),
    ("train", {"--variant", "--preset", "--scaling", "--folds", "--epochs", "--patience", "--seed",
               "--coverage-balance", "--threads", "--out", "--ship", "--docs", "--archive",
               "--same-coverage-study", "--docs-only", "--no-baselines"}),
    ("check-services", {"--catalogs", "--timeout", "--offline"}),
])
def test_each_verb_keeps_its_options(verb, flags):
    p = _subparsers(commands.build_parser()).choices[verb]
    long = {s for a in p._actions for s in a.option_strings if s.startswith("--")} - {"--help"}
    assert long == flags


def test_shared_options_have_one_meaning():
    """--offline is None unless given (the environment decides) on every verb that has it."""
    parser = commands.build_parser()
    for argv in (["sed", "x"], ["classify"], ["candidates", "a", "b"], ["check-services"]):
        assert parser.parse_args(argv).offline is None
        assert parser.parse_args([*argv, "--offline"]).offline is True


def _args(func):
    import argparse
    return argparse.Namespace(func=func)


def test_run_verb_statuses(capsys):
    assert errors.run_verb(_args(lambda a: None), "x") == 0
    assert errors.run_verb(_args(lambda a: 3), "x") == 3

    def user_error(args):
        raise InputValueError("no such thing")
    assert errors.run_verb(_args(user_error), "sed") == errors.EXIT_USER_ERROR == 2
    assert capsys.readouterr().err == "vo-blazar sed: error: no such thing\n"

    def needs_keras(args):
        raise ModuleNotFoundError("No module named 'keras.src'", name="keras.src")
    assert errors.run_verb(_args(needs_keras), "train") == 2
    assert "this needs the train extra (keras.src is not installed)" in capsys.readouterr().err


def test_run_verb_shows_bugs():
    def bug(args):
        raise ZeroDivisionError
    with pytest.raises(ZeroDivisionError):
        errors.run_verb(_args(bug), "sed")

    def other_module(args):
        raise ModuleNotFoundError("No module named 'nonexistent'", name="nonexistent")
    with pytest.raises(ModuleNotFoundError):
        errors.run_verb(_args(other_module), "sed")


def _cli_imports(path: Path) -> set[str]:
    """The vo_blazar.cli modules that ``path`` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("vo_blazar.cli"):
            found.add(node.module.split(".")[2] if node.module.count(".") > 1 else "__init__")
    return found


def test_no_import_cycles_between_cli_modules():
    graph = {p.stem: _cli_imports(p) for p in CLI_DIR.glob("*.py")}
    # the verb modules import the shared ones only; only commands (and the package) import verbs
    for verb in ("sed", "classify", "candidates", "train", "display"):
        assert graph[verb] <= {"options", "errors", "sed", "display"}, (verb, graph[verb])
    assert graph["options"] == set() and graph["errors"] == set()
    assert graph["classify"] == {"options", "sed", "display"} and graph["sed"] == {"options"}

    def reaches(a, b, seen=()):
        return any(n == b or (n not in seen and reaches(n, b, (*seen, n))) for n in graph.get(a, ()))
    assert not any(reaches(m, m) for m in graph)


def test_building_the_parser_imports_no_heavy_module():
    code = ("import sys, json; from vo_blazar.cli import build_parser; build_parser(); "
            "print(json.dumps([m for m in ('pyvo', 'onnxruntime', 'tensorflow', 'keras', 'matplotlib', "
            "'astroquery', 'regions', 'vo_blazar.access.vo', 'vo_blazar.training.command') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_training_command_imports_nothing_from_cli():
    """(Only its ``python -m`` entry, the ``__main__`` block, runs the command line.)"""
    tree = ast.parse((Path(vo_blazar.__file__).parent / "training" / "command.py").read_text())
    body = [n for n in tree.body if not (isinstance(n, ast.If) and "__main__" in ast.unparse(n.test))]
    nodes = [n for top in body for n in ast.walk(top)]
    imported = {(n.level, n.module or "") for n in nodes if isinstance(n, ast.ImportFrom)}
    imported |= {(0, a.name) for n in nodes if isinstance(n, ast.Import) for a in n.names}
    assert (2, "exceptions") in imported                          # the walk does see the imports
    assert not [m for level, m in imported if (level == 2 and m.startswith("cli"))
                or (level == 0 and m.startswith("vo_blazar.cli"))]
