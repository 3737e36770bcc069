"""The settings a class's server depends on, read the way Streamlit reads them."""

from __future__ import annotations

import os
from pathlib import Path

import tomllib

from deploy.serve import streamlit_command

ROOT = Path(__file__).resolve().parent.parent


def test_no_full_garbage_collection_after_each_run() -> None:
    """A full gc.collect(2) after every script run cost ~3/4 of the server's CPU per click."""
    from streamlit import config

    config_file = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config_file["runner"]["postScriptGC"] is False
    here = Path.cwd()
    try:
        os.chdir(ROOT)  # Streamlit reads ./.streamlit/config.toml from where it is started
        config.get_config_options(force_reparse=True)
        assert config.get_option("runner.postScriptGC") is False
    finally:
        os.chdir(here)
        config.get_config_options(force_reparse=True)
    assert "--runner.postScriptGC=false" in streamlit_command(8601)
