import subprocess
import sys


def test_library_imports_without_streamlit():
    code = (
        "import sys, rnnviz, rnnviz.frames, rnnviz.reference, rnnviz.cells; "
        "import pkgutil, importlib; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(rnnviz.__path__, 'rnnviz.')"
        " if m.name != 'rnnviz.ui' and not m.name.startswith('rnnviz.train')]; "
        "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
