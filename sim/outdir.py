"""Where sim may write, and the one function that deletes a folder (docs/reliability.md).

sim replaces only what it wrote itself. Every deletion of a folder tree in ``sim/`` goes
through :func:`remove_tree`, which first proves that the folder is one of the kinds below,
and refuses the filesystem root, the home folder, the working folder and any folder that
contains one of them, and well-known system folders, whatever they hold:

========== ==================================================================================
kind       how sim knows it wrote the folder
========== ==================================================================================
episode    ``manifest.json`` with an ``episode`` key; every file is listed in it
dataset    ``plan.json`` (or a dataset ``manifest.json``); every entry is a dataset file:
           complete episodes, partial folders, merged lists, the log and the lock
marked     ``.sim-output.json`` (sweep, edge-cases, preview, report) listing every file
partial    a hidden staging folder ``.NAME.partial-PID`` (its contents are half-written)
assets     an asset sub-folder that holds only GLB files (``tools/make_assets.py``)
========== ==================================================================================

Episode folders get no marker: their bytes, manifest included, are the output contract.
Deleting never follows a symbolic link: a link inside a folder is removed, not what it
points at; a link given as the folder itself is refused (callers judge and replace the
folder it resolves to).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import OutputError, SystemFailure

EPISODE = "episode"
DATASET = "dataset"
MARKED = "marked"
PARTIAL = "partial"
ASSETS = "assets"
KINDS = (EPISODE, DATASET, MARKED, PARTIAL, ASSETS)

MARKER = ".sim-output.json"
"""The marker of an output folder that has no manifest of its own (sweep, edge-cases, ...)."""
PARTIAL_RE = re.compile(r"^\..+\.partial-\d+$")
TMP_RE = re.compile(r"^\..+\.tmp-\d+(\.[A-Za-z0-9]+)?$")
"""``write_bytes_atomic``'s temporary names (a killed writer may leave one)."""

SYSTEM_FOLDERS = frozenset(
    {
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/snap",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/var",
        "/usr/bin",
        "/usr/include",
        "/usr/lib",
        "/usr/lib64",
        "/usr/local",
        "/usr/sbin",
        "/usr/share",
        "/usr/src",
        "/var/cache",
        "/var/lib",
        "/var/log",
        "/var/tmp",
        "/var/spool",
        "/Applications",
        "/Library",
        "/System",
        "/Users",
        "/Volumes",
        "/private",
        "/private/tmp",
        "/private/var",
    }
)
"""Folders never replaced even if they held sim's output: a typo must not cost a system."""

SHOWN = 3
"""Foreign entries named in a refusal (then ``...``)."""

_rmtree = shutil.rmtree
"""The deletion primitive; tests replace it to prove a refused path is never touched."""


# --- which folders are never replaced ---------------------------------------------------


def _homes() -> list[Path]:
    homes = []
    for text in (os.environ.get("HOME"), _passwd_home()):
        if text:
            homes.append(Path(text).resolve())
    return homes


def _passwd_home() -> str | None:
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except (KeyError, OSError):
        return None


def protected_reason(path: Path) -> str | None:
    """Why ``path`` (resolved) may never be replaced, or None.

    The root, a system folder, the home folder or the working folder, or a folder that
    contains the home or working folder: deleting any of these is never what was meant.
    """
    real = Path(path).resolve()
    if real == Path(real.anchor):
        return "the filesystem root"
    if str(real) in SYSTEM_FOLDERS:
        return "a system folder"
    for home in _homes():
        if real == home:
            return "the home folder"
        if real in home.parents:
            return "a folder that contains the home folder"
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if cwd is not None:
        if real == cwd:
            return "the working folder"
        if real in cwd.parents:
            return "a folder that contains the working folder"
    return None


# --- what sim wrote ----------------------------------------------------------------------


def _read_json(path: Path):
    """JSON of a regular file (not a link), or None."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            return json.loads(fh.read(64 << 20))
    except (OSError, ValueError):
        return None


def _walk(root: Path) -> Iterable[tuple[str, bool]]:
    """(relative path, is a real folder) of everything under ``root``, links not followed.
    A folder that cannot be listed raises: what cannot be seen is not proven to be sim's."""

    def fail(err: OSError) -> None:
        raise err

    for base, dirs, files in os.walk(root, onerror=fail, followlinks=False):
        rel_base = Path(base).relative_to(root)
        for name in dirs:
            rel = (rel_base / name).as_posix()
            yield rel, not os.path.islink(os.path.join(base, name))
        for name in files:
            yield (rel_base / name).as_posix(), False


def _unlisted(root: Path, listed: set[str]) -> list[str]:
    """Entries under ``root`` that are neither listed files nor folders on their paths."""
    folders = {p for f in listed for p in _parents(f)}
    foreign = []
    for rel, is_dir in _walk(root):
        if is_dir:
            if rel not in folders:
                foreign.append(rel + "/")
        elif rel not in listed:
            foreign.append(rel)
    return foreign


def _is_empty(folder: Path) -> bool:
    with os.scandir(folder) as it:
        return next(it, None) is None


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _listed(manifest, key: str = "files") -> set[str] | None:
    if not isinstance(manifest, dict) or not isinstance(manifest.get(key), list):
        return None
    out = set()
    for entry in manifest[key]:
        rel = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(rel, str) or rel.startswith("/") or ".." in rel.split("/"):
            return None
        out.add(rel)
    return out


def episode_manifest(folder: Path) -> dict | None:
    """The episode manifest sim wrote in ``folder``, or None."""
    m = _read_json(Path(folder) / "manifest.json")
    ok = isinstance(m, dict) and isinstance(m.get("episode"), str) and "sim_version" in m
    return m if ok and _listed(m) is not None else None


def _foreign_episode(folder: Path) -> list[str] | None:
    m = episode_manifest(folder)
    if m is None:
        return None
    return _unlisted(folder, _listed(m) | {"manifest.json"})


def _foreign_marked(folder: Path) -> list[str] | None:
    m = _read_json(folder / MARKER)
    if not isinstance(m, dict) or m.get("written_by") != "sim":
        return None
    listed = _listed(m)
    return None if listed is None else _unlisted(folder, listed | {MARKER})


_MERGED = re.compile(
    r"^(coco/(train|val|test)_[^/]+\.json"
    r"|kitti/[^/]+/(train|val|test)\.txt"
    r"|yolo/[^/]+/(detect|segment)/(data\.yaml|(train|val|test)\.txt)"
    r"|nuscenes/(v1\.0-sim/[a-z_]+\.json|samples/CAM_\w+/ep_\d+_[^/]+__\d+\.png"
    r"|maps/sim_stub\.png|splits\.json)"
    r"|kitti_object/[^/]+/Kitti/raw/(training/(image_2/\d+\.png|(label_2|calib)/\d+\.txt)"
    r"|ImageSets/(train|val|test|trainval)\.txt|index\.csv)"
    r"|kitti_tracking/[^/]+/(training/(image_02/\d+/\d+\.png|(label_02|calib)/\d+\.txt)"
    r"|ImageSets/(train|val|test)\.txt|index\.csv))$"
)
_MERGED_DIRS = ("coco", "kitti", "yolo", "nuscenes", "kitti_object", "kitti_tracking")
"""The dataset-level folders merge writes; every file in them must match ``_MERGED``."""
_DATASET_TOP = {"plan.json", "manifest.json", "generate.log", ".lock"}


def is_dataset(folder: Path) -> bool:
    """``folder`` holds a dataset's ``plan.json`` or dataset ``manifest.json``."""
    plan = _read_json(Path(folder) / "plan.json")
    if isinstance(plan, dict) and "dataset" in plan and isinstance(plan.get("episodes"), list):
        return True
    m = _read_json(Path(folder) / "manifest.json")
    return isinstance(m, dict) and "dataset" in m and isinstance(m.get("episodes"), list)


def _foreign_dataset(folder: Path) -> list[str] | None:
    if not is_dataset(folder):
        return None
    foreign: list[str] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        name = entry.name
        real_dir = entry.is_dir(follow_symlinks=False)
        if name in _DATASET_TOP and not real_dir or TMP_RE.match(name) and not real_dir:
            continue
        if real_dir and re.fullmatch(r"shard_\d+", name):
            foreign += _foreign_shard(Path(entry.path), name)
        elif real_dir and name in _MERGED_DIRS:
            foreign += [
                f"{name}/{rel}"
                for rel, is_dir in _walk(Path(entry.path))
                if not is_dir and not _MERGED.match(f"{name}/{rel}")
            ]
        elif real_dir and name == "report":
            sub = _foreign_marked(Path(entry.path))
            foreign += ["report/"] if sub is None else [f"report/{r}" for r in sub]
        elif real_dir and PARTIAL_RE.match(name):
            continue
        else:
            foreign.append(name + ("/" if real_dir else ""))
    return foreign


def _foreign_shard(shard: Path, name: str) -> list[str]:
    foreign = []
    for entry in sorted(os.scandir(shard), key=lambda e: e.name):
        rel = f"{name}/{entry.name}"
        if not entry.is_dir(follow_symlinks=False):
            foreign.append(rel)
        elif PARTIAL_RE.match(entry.name):
            continue
        elif re.fullmatch(r"ep_\d+_.+", entry.name):
            sub = _foreign_episode(Path(entry.path))
            if sub is None:
                if not _is_empty(Path(entry.path)):
                    foreign.append(rel + "/")
            else:
                foreign += [f"{rel}/{r}" for r in sub]
        else:
            foreign.append(rel + "/")
    return foreign


def _foreign_assets(folder: Path) -> list[str]:
    foreign = []
    for rel, _is_dir in _walk(folder):
        path = folder / rel
        if "/" in rel or not rel.endswith(".glb") or not stat.S_ISREG(os.lstat(path).st_mode):
            foreign.append(rel)
    return foreign


def foreign_entries(folder: Path, kind: str) -> list[str] | None:
    """What under ``folder`` sim did not write as a folder of ``kind`` (relative paths, a
    folder with a trailing ``/``); [] if it is all sim's; None if it is not such a folder."""
    folder = Path(folder)
    if kind == EPISODE:
        return _foreign_episode(folder)
    if kind == DATASET:
        return _foreign_dataset(folder)
    if kind == MARKED:
        return _foreign_marked(folder)
    if kind == ASSETS:
        return _foreign_assets(folder)
    if kind == PARTIAL:
        return [] if PARTIAL_RE.match(folder.name) else None
    raise ValueError(f"unknown output kind {kind!r}")


def _describe(entries: list[str]) -> str:
    shown = ", ".join(entries[:SHOWN])
    return shown + (f", ... ({len(entries)} in all)" if len(entries) > SHOWN else "")


def check_replaceable(folder: Path, kinds: Iterable[str], shown: Path | None = None) -> str:
    """The kind of output sim wrote in ``folder`` (an existing, resolved folder), or
    OutputError saying what is there and why it will not be replaced."""
    folder = Path(folder)
    shown = folder if shown is None else shown
    why = protected_reason(folder)
    if why is not None:
        raise OutputError(f"{shown}: is {why}; refusing to replace it")
    kinds = tuple(kinds)
    best: list[str] | None = None
    for kind in kinds:
        foreign = foreign_entries(folder, kind)
        if foreign == []:
            return kind
        if foreign is not None and (best is None or len(foreign) < len(best)):
            best = foreign
    if best is None:
        best = sorted(
            e.name + ("/" if e.is_dir(follow_symlinks=False) else "") for e in os.scandir(folder)
        )
    raise OutputError(
        f"{shown}: holds files sim did not write ({_describe(best)}); refusing to replace it"
    )


# --- the one deletion --------------------------------------------------------------------


def remove_tree(path: Path, kind: str, keep: Iterable[str] = ()) -> None:
    """Delete the folder ``path`` after proving it is sim's output of ``kind``.

    Refuses (OutputError) a link, a protected folder and a folder holding anything sim did
    not write; never follows a link inside. A missing ``path`` is nothing to do. With
    ``keep`` (names of entries of ``path``), the folder stays and only its other entries go
    (``generate --overwrite`` keeps the lock it holds and the run log).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown output kind {kind!r}")
    path = Path(os.path.abspath(path))
    why = protected_reason(path)
    if why is not None:
        raise OutputError(f"{path}: is {why}; refusing to delete it")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{path}: is a symbolic link; refusing to delete through it")
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: is not a folder; refusing to delete it")
    check_replaceable(path, (kind,))
    keep = set(keep)
    if not keep:
        _rmtree(path)
        return
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.name in keep:
            continue
        if entry.is_dir(follow_symlinks=False):
            _rmtree(entry.path)
        else:
            os.unlink(entry.path)


def discard_partial(path: Path) -> None:
    """Best-effort removal of a staging folder sim made (after a failure: never masks it)."""
    try:
        remove_tree(path, PARTIAL)
    except (OSError, OutputError):
        pass


def partial_path(target: Path) -> Path:
    """The hidden staging sibling of ``target`` for this process."""
    return target.parent / f".{target.name}.partial-{os.getpid()}"


def stale_partials(target: Path) -> list[Path]:
    """Staging siblings of ``target`` left by earlier (killed) processes."""
    prefix = f".{target.name}.partial-"
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [
        target.parent / n for n in sorted(names) if n.startswith(prefix) and PARTIAL_RE.match(n)
    ]


# --- choosing and filling an output folder -----------------------------------------------


def resolve_target(out: Path) -> Path:
    """The folder sim will write: ``out`` with every link resolved (a linked ``--out`` is
    judged, and replaced, at the folder it names)."""
    return Path(os.path.abspath(out)).resolve()


def check_target(out: Path, overwrite: bool, kinds: Iterable[str]) -> tuple[Path, str | None]:
    """(resolved target, kind of what is there to replace or None) for writing ``out``.

    A missing or empty folder is fine. A non-empty one needs ``overwrite`` and must be sim's
    output of one of ``kinds``; anything else is refused with OutputError (exit 2) before
    anything is created.
    """
    target = resolve_target(out)
    why = protected_reason(target)
    if why is not None:  # even empty: the folder is renamed over, a shell's cwd with it
        raise OutputError(f"{out}: is {why}; choose a folder inside it")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target, None
    except NotADirectoryError:
        return target, None  # a file on the way: creating the folder says so (exit 3)
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{out}: exists and is not a folder")
    if _is_empty(target):
        return target, None
    if not overwrite:
        raise OutputError(
            f"{out}: exists and is not empty; pass --overwrite or choose another --out"
        )
    return target, check_replaceable(target, kinds, shown=Path(out))


def missing_parents(target: Path) -> list[Path]:
    """The folders above ``target`` that do not exist yet, deepest first (to remove again
    if the command fails: a failed command leaves nothing behind)."""
    out = []
    for parent in Path(target).parents:
        if os.path.lexists(parent):
            break
        out.append(parent)
    return out


def remove_empty(folders: Iterable[Path]) -> None:
    """``rmdir`` each folder (deepest first) that is still empty; an emptied folder only."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return


def write_marker(folder: Path, kind: str) -> None:
    """Write ``folder``'s marker listing every file in it (last, after them all); same
    files, same bytes (no time stamps)."""
    import sim

    folder = Path(folder)
    files = sorted(rel for rel, is_dir in _walk(folder) if not is_dir and rel != MARKER)
    data = {"written_by": "sim", "kind": kind, "sim_version": sim.__version__, "files": files}
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    tmp = folder / f".{MARKER}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(text.encode("utf-8"))
        os.replace(tmp, folder / MARKER)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def system_failure(
    err: OSError, staging: Path | None = None, shown: Path | None = None
) -> SystemFailure:
    """One-line SystemFailure (exit 3) from ``err``, naming the path as the user knows it:
    a file in the hidden staging folder is named under the ``--out`` it was meant for."""

    def rename(name):
        if name is None or staging is None or shown is None:
            return name
        text, base = os.fsdecode(name), os.fsdecode(staging)
        if text == base or text.startswith(base + os.sep):
            return os.fspath(shown) + text[len(base) :]
        return text

    filename = err.filename if err.filename is not None else shown  # write() names no file
    mapped = OSError(
        err.errno, err.strerror or type(err).__name__, rename(filename), None, rename(err.filename2)
    )
    failure = SystemFailure.from_os_error(mapped)
    failure.errno = err.errno  # type: ignore[attr-defined]  # generate: stop, or try again
    return failure


@contextmanager
def staged(
    out: Path, overwrite: bool, kinds: Iterable[str], marker: str | None = None
) -> Iterator[Path]:
    """Write a whole output folder or nothing.

    Checks ``out`` first (:func:`check_target`: nothing is created when it is refused), then
    yields a hidden ``.<name>.partial-<pid>`` sibling to fill. On success ``marker`` (a kind
    name, for outputs without a manifest) is written, the earlier output, if any, is
    removed through :func:`remove_tree` and the staging folder renamed into place. On any
    error the staging folder and the parent folders this call made are removed; an
    ``OSError`` comes out as one-line :class:`SystemFailure` (exit 3).
    """
    kinds = tuple(kinds)
    target, _ = check_target(out, overwrite, kinds)
    partial = partial_path(target)
    made = missing_parents(target)
    discard_partial(partial)  # the same pid, long ago
    try:
        partial.mkdir(parents=True)
        yield partial
        if marker is not None:
            write_marker(partial, marker)
        _, existing = check_target(out, overwrite, kinds)  # it may have changed meanwhile
        if existing is not None:
            remove_tree(target, existing)
        os.replace(partial, target)
    except OSError as err:
        discard_partial(partial)
        remove_empty(made)
        raise system_failure(err, partial, Path(out)) from None
    except BaseException:
        discard_partial(partial)
        remove_empty(made)
        raise
