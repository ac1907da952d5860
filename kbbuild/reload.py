"""`kb serve --reload`: rebuild when a KB file is saved, so an editor previews the site as it will be.

The rebuild is `kb build` in a child process: the editor sees exactly what `kb build` prints (the
Chinese `kb check` problems of a broken save), a crash cannot take the server down, and a failed build
publishes nothing, so the server keeps serving the last good build (it picks up a new one by itself).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Set
from pathlib import Path

DEBOUNCE_MS = 800  # saves closer together than this (an editor's save-all, a git checkout) are one rebuild
KB_SUFFIXES = (".yaml", ".yml")

Batch = Set[tuple[object, str]]  # what watchfiles yields: {(Change, path), …}


def kb_file(change: object, path: str) -> bool:
    """A KB file, not an editor's swap or backup file (watchfiles' watch_filter)."""
    name = Path(path).name
    return name.endswith(KB_SUFFIXES) and not name.startswith((".", "#", "~"))


def changed_files(batch: Batch, kb_dir: Path) -> list[str]:
    """The KB files of a batch of changes, relative to the KB folder, sorted."""
    out = set()
    for _, path in batch:
        if kb_file(None, path):
            p = Path(path)
            out.add(p.relative_to(kb_dir).as_posix() if p.is_relative_to(kb_dir) else p.name)
    return sorted(out)


def rebuild_on_change(batches: Iterable[Batch], kb_dir: Path, rebuild: Callable[[], bool],
                      report: Callable[[str], None]) -> int:
    """For each batch of saves: rebuild once and say what happened; returns the number of rebuilds."""
    count = 0
    for batch in batches:
        files = changed_files(batch, kb_dir)
        if not files:
            continue
        shown = "、".join(files[:3]) + (f" 等 {len(files)} 个文件" if len(files) > 3 else "")
        report(f"已保存 {shown}：重新构建……")
        count += 1
        if rebuild():
            report("已发布新版本：刷新浏览器即可看到")
        else:
            report("没有发布：上面是要改的问题，改好后保存即可；预览仍是上一次成功的版本")
    return count


def build_command(kb_dir: Path, build_dir: Path) -> list[str]:
    return [sys.executable, "-m", "kbbuild.cli", "build", "--out", str(build_dir), str(kb_dir)]


def run_build(kb_dir: Path, build_dir: Path) -> bool:
    """`kb build` in a child process, its output on this terminal; True when it published."""
    return subprocess.run(build_command(kb_dir, build_dir), check=False).returncode == 0


def start_watcher(kb_dir: Path, build_dir: Path, report: Callable[[str], None],
                  rebuild: Callable[[], bool] | None = None) -> threading.Event:
    """Watch kb_dir in a daemon thread and rebuild (default: `kb build`) on save; set the event to stop."""
    import watchfiles  # rust-backed (inotify), debounces bursts of saves; a polling loop would be worse

    stop = threading.Event()
    kb_dir = kb_dir.resolve()

    def loop() -> None:
        batches = watchfiles.watch(kb_dir, watch_filter=kb_file, debounce=DEBOUNCE_MS, stop_event=stop,
                                   raise_interrupt=False)
        rebuild_on_change(batches, kb_dir, rebuild or (lambda: run_build(kb_dir, build_dir)), report)

    threading.Thread(target=loop, name="kb-reload", daemon=True).start()
    return stop
