"""Your own model: open an uploaded state dict of any registered cell, or build one at random.

Files are read by :mod:`rnnviz.checkpoint_reader` (a safetensors header, or ``torch.load(weights_only=True,
mmap=True)``): no code from the file runs, and shapes, dtypes and the size budget
(:data:`MAX_PARAMS`, :data:`MAX_LAYERS`, ...) are checked before any weight is read or any module
is built. The architecture (cell, sizes, layers, directions, bias, projection) is inferred from
tensor shapes (a cell of rnnviz's own is named in the safetensors metadata, ``"cell"``); an
optional embedding ``(V, input_size)``, vocabulary and linear head are recognised by shape too.

The package: :mod:`.model` (the model and its limits), :mod:`.infer` (opening a checkpoint),
:mod:`.keys` (random models and session keys). Import from ``rnnviz.custom``.
"""

from ..checkpoint_reader import CustomModelError
from .infer import (
    infer_architecture,
    load_upload,
    model_from_tensors,
    read_state_dict,
)
from .keys import (
    RANDOM_PREFIX,
    UPLOAD_PREFIX,
    RandomSpec,
    build_random,
    display_name,
    is_custom,
    random_arch,
    resolve,
    save_upload,
    touch,
)
from .model import (
    DEFAULT_CELL,
    KNOWN_TASKS,
    MAX_EXAMPLE_CHARS,
    MAX_HIDDEN,
    MAX_INPUT,
    MAX_LAYERS,
    MAX_PARAMS,
    MAX_STEPS,
    MAX_UPLOAD_BYTES,
    MAX_VOCAB,
    NO_HEAD,
    UPLOAD_SUFFIXES,
    Architecture,
    CustomModel,
    upload_suffix_ok,
)
from .model import (
    _parse_rows as _parse_rows,  # the numbers parser (tests read it)
)

__all__ = [
    "DEFAULT_CELL",
    "KNOWN_TASKS",
    "MAX_EXAMPLE_CHARS",
    "MAX_HIDDEN",
    "MAX_INPUT",
    "MAX_LAYERS",
    "MAX_PARAMS",
    "MAX_STEPS",
    "MAX_UPLOAD_BYTES",
    "MAX_VOCAB",
    "NO_HEAD",
    "RANDOM_PREFIX",
    "UPLOAD_PREFIX",
    "UPLOAD_SUFFIXES",
    "Architecture",
    "CustomModel",
    "CustomModelError",
    "RandomSpec",
    "build_random",
    "display_name",
    "infer_architecture",
    "is_custom",
    "load_upload",
    "model_from_tensors",
    "random_arch",
    "read_state_dict",
    "resolve",
    "save_upload",
    "touch",
    "upload_suffix_ok",
]
