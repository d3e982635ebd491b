"""The domain layer (`imagegen/` and `domain/`) never imports Reflex, directly or through another
module: it must stay usable from a script, the command line and a worker without a web app."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import email_image_app

PACKAGE_DIR = Path(email_image_app.__file__).resolve().parent
# The command line is held to the same rule: it starts without loading a web framework.
DOMAIN_PACKAGES = ("email_image_app.imagegen", "email_image_app.domain", "email_image_app.cli")
# And the job worker: a process that runs image jobs has no business loading a web framework.
DOMAIN_MODULES = ("email_image_app.worker",)


def domain_modules() -> list[str]:
    names = []
    for package in DOMAIN_PACKAGES:
        folder = PACKAGE_DIR.joinpath(*package.split(".")[1:])
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages([str(folder)], prefix=f"{package}.")]
    return sorted(names + list(DOMAIN_MODULES))


def reflex_modules_after_importing(modules: list[str]) -> list[str]:
    """Import `modules` in a fresh interpreter; the Reflex modules that ended up loaded."""
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in ('reflex', 'reflex_base'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_the_domain_has_the_modules_the_architecture_names():
    modules = domain_modules()
    for expected in (
        "email_image_app.imagegen.client",
        "email_image_app.domain.history",
        "email_image_app.domain.job_stream",
        "email_image_app.domain.messages",
        "email_image_app.domain.campaign.export",
    ):
        assert expected in modules


def test_no_domain_module_imports_reflex():
    assert reflex_modules_after_importing(domain_modules()) == []


def test_the_check_sees_reflex_when_a_module_imports_it():
    # The same check on a Reflex-layer module: proves the test above can fail.
    assert "reflex" in reflex_modules_after_importing(["email_image_app.state.language"])
