"""The spell checker's C modules: compiled next to their sources with this Python's settings,
and loaded where they were built (`load`).

    python -m services.spell_checker_service.build_native

`make native` (which `make test`, `make demo` and `make up` run first) and the image's build
stage run it. It calls the C compiler directly (the compiler, header folder and file suffix
come from `sysconfig`), so it needs no build tool from PyPI. Where no compiler is found it
says so and exits 0: each module's Python twin then runs, with the same answers, only slower.

- `_deletes_probe.c`: the deletes index's lookups (deletes_index.py);
- `_edit_costs.c`: the error model's weighted alignment (error_model.py);
- `_sound_swaps.c`: the Swedish sound-spelling swaps (sound_spellings.py);
- `_word_scan.c`: the tokenizer's scan for the words to check (tokenizer.py);
- `_word_forms.c`: the quick "no" before Hunspell sv_SE (word_forms.py);
- `_ranking.c`: the candidates' scoring loop (ranking.py);
- `_utf8.h`: a word's letter offsets in UTF-8 and zlib's CRC-32, included by the two that
  hash strings; a module is compiled again when a header is newer than it.
"""

from __future__ import annotations

import importlib
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

SOURCES = tuple(sorted(Path(__file__).parent.glob("_*.c")))
HEADERS = tuple(sorted(Path(__file__).parent.glob("_*.h")))  # shared by the sources


def load(name: str) -> ModuleType | None:
    """The compiled module `name` (e.g. "_edit_costs"), or None where it was not built: the
    caller then runs its Python twin."""
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError:
        return None


def target(source: Path) -> Path:
    """Where the compiled module goes: beside its source, named for this interpreter."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return source.with_name(source.stem + suffix)


def compiler() -> list[str] | None:
    """The C compiler this Python was built with, else `cc` (None when neither is here)."""
    configured = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "")
    for command in (configured, ["cc"]):
        if command and shutil.which(command[0]):
            return command
    return None


def build(source: Path, *, force: bool = False) -> Path | None:
    """Compile `source` unless its module is already newer; the module's path, or None when
    there is no compiler. A failing compiler raises (a bug in the source must not be hidden)."""
    out = target(source)
    # Its headers are those beside it (a copy built elsewhere brings its own).
    newest = max(path.stat().st_mtime for path in (source, *source.parent.glob("_*.h")))
    if not force and out.exists() and out.stat().st_mtime >= newest:
        return out
    command = compiler()
    if command is None:
        return None
    include = sysconfig.get_paths()["include"]
    # Written under another name and renamed, so a process importing it meanwhile sees the
    # old module or the new one, never half a file.
    with tempfile.TemporaryDirectory(dir=out.parent) as folder:
        partial = Path(folder) / out.name
        flags = ["-O2", "-shared", "-fPIC", "-Wall", "-I", include]
        subprocess.run([*command, *flags, str(source), "-o", str(partial)], check=True)
        partial.replace(out)
    return out


def main() -> None:
    for source in SOURCES:
        built = build(source, force="--force" in sys.argv)
        if built is None:
            print(f"no C compiler: {source.name}'s work will run in Python")
        else:
            print(f"compiled: {built}")


if __name__ == "__main__":
    main()
