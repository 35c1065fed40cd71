"""Shared fixtures: the package from this source tree, the built CLI, and
a HOME without user databases so that the CLI and the library see the
same bundled data."""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    """Runs the built `llmroof` (LLMROOF_CLI) and parses its JSON."""
    exe = os.environ.get("LLMROOF_CLI")
    if not exe:
        pytest.skip("LLMROOF_CLI not set (ctest sets it)")
    home = tmp_path_factory.mktemp("home")

    def run(*args, lines=False):
        env = dict(os.environ, HOME=str(home))
        env.pop("LLMROOF_HARDWARE_DIR", None)
        env.pop("LLMROOF_MODULE_DB", None)
        out = subprocess.run([exe, *args], check=True, capture_output=True, env=env).stdout
        if lines:
            return [json.loads(l) for l in out.decode().splitlines() if l.strip()]
        return json.loads(out)

    return run
