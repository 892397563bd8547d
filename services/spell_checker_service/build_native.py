"""Compile the spell checker's C modules next to their sources, with this Python's settings.

    python -m services.spell_checker_service.build_native

`make install` and the image's build stage run it. It calls the C compiler directly (the
compiler, header folder and file suffix come from `sysconfig`), so it needs no build tool from
PyPI. Where no compiler is found it says so and exits 0: `deletes_index.py` and
`error_model.py` then run the same code in Python, with the same answers, only slower.

- `_deletes_probe.c`: the deletes index's lookups (deletes_index.py);
- `_edit_costs.c`: the error model's weighted alignment (error_model.py).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

SOURCES = tuple(sorted(Path(__file__).parent.glob("_*.c")))


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
    if not force and out.exists() and out.stat().st_mtime >= source.stat().st_mtime:
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
