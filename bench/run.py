"""Benchmarks, side by side in one run: schemadiff per backend, tusker, a naive script, scale.

    nox -s bench                       # everything, medians of 5 runs
    nox -s bench -- --repeat 7 --sizes 100,300
    python bench/run.py --only peers   # sections: repo, peers, scale

Every figure is the median wall time of --repeat runs (after one untimed warm-up run,
so caches, compiled bytecode included, are as a user's would be on the second run of the
day, unless the row says otherwise), of the whole command as a user runs it: process
start, imports, Postgres, work, clean-up. Peak memory is the largest resident set of any
process in the command's tree (schemadiff's own Python, in practice). It reports; it
never asserts a time.

The repo section uses this repository's schema.sql and supabase/migrations when both
exist, else a synthetic 8-table schema (RLS, a policy and a trigger per table). tusker
(https://pypi.org/project/tusker/) pins another migra/SQLAlchemy than ours, so it gets a
venv of its own under .nox/bench-tusker, made here with `python -m venv` and pip; it
gets a scratch server that is already running, with the platform shim in template1
(its databases are created from template1). The naive script is what one would write
by hand: initdb, pg_ctl start, psql the files into two databases, the migra CLI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import gen_schema

REPO = Path(__file__).resolve().parent.parent
PROBE = "\ncreate table public.bench_probe (id bigint primary key, note text);\n"
TUSKER_VENV = REPO / ".nox" / "bench-tusker"


@dataclass
class Row:
    """One measured command: its runs' wall times and peak memory."""

    section: str
    label: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    exits: set[int] = field(default_factory=set)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")


# --- running and timing -----------------------------------------------------------------


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB of the process tree's largest process, exit code, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    # wait4: the child's rusage, whose ru_maxrss covers its waited-for descendants too.
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode, err.decode(errors="replace")


def measure(row: Row, repeat: int, cmd: list[str], cwd: Path, env: dict[str, str],
            before=None, warmup: bool = True, expect: tuple[int, ...] = (0, 1)) -> Row:
    """Run `cmd` (after `before()`, untimed) warm-up + `repeat` times into `row`."""
    for i in range(repeat + (1 if warmup else 0)):
        if before:
            before()
        seconds, peak, code, err = timed(cmd, cwd, env)
        if code not in expect:
            row.note = f"exit {code}: {err.strip().splitlines()[-1] if err.strip() else ''}"
        if warmup and i == 0:
            continue
        row.seconds.append(seconds)
        row.peak_mb = max(row.peak_mb, peak)
        row.exits.add(code)
    return row


def schemadiff_env(source: Path, cache: Path, url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(source), "SCHEMADIFF_CACHE_DIR": str(cache)}
    env.pop("SCHEMADIFF_DATABASE_URL", None)
    if url:
        env["SCHEMADIFF_DATABASE_URL"] = url
    return env


def sd(*args: str) -> list[str]:
    return [sys.executable, "-m", "schemadiff.cli", *args, "--quiet"]


# --- projects ---------------------------------------------------------------------------


def repo_project(dest: Path) -> tuple[Path, str]:
    """This repository's schema and migrations when both exist, else the synthetic 8 tables."""
    migrations = REPO / "supabase" / "migrations"
    if (REPO / "schema.sql").is_file() and migrations.is_dir() and any(migrations.glob("*.sql")):
        dest.mkdir(parents=True)
        shutil.copy2(REPO / "schema.sql", dest / "schema.sql")
        shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
        shutil.copytree(REPO / "supabase", dest / "supabase")
        tables = (REPO / "schema.sql").read_text().lower().count("create table")
        return dest, f"Fluxa repo ({tables} tables)"
    gen_schema.write_project(dest, 8, changed=False, rls=True)
    return dest, "synthetic 8 tables (no Fluxa migration yet)"


def with_change(project: Path, dest: Path) -> Path:
    """A copy of `project` whose schema.sql has one more table."""
    shutil.copytree(project, dest)
    with open(dest / "schema.sql", "a", encoding="utf-8") as out:
        out.write(PROBE)
    return dest


def tusker_toml(project: Path, host: str, port: int) -> None:
    (project / "tusker.toml").write_text(
        '[schema]\nfilename = "schema.sql"\n\n'
        '[migrations]\nfilename = "supabase/migrations/*.sql"\n\n'
        f'[database]\nhost = "{host}"\nport = {port}\nuser = "postgres"\ndbname = "tusker"\n',
        encoding="utf-8",
    )


def fresh_copy(src: Path, dest: Path):
    """A `before` hook: `dest` becomes a fresh copy of `src` (diff writes files)."""
    def reset() -> None:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(src, dest)
    return reset


# --- peers ------------------------------------------------------------------------------


def tusker_bin() -> Path | None:
    """tusker in its own venv (its pins conflict with ours); made on first use."""
    exe = TUSKER_VENV / "bin" / "tusker"
    if exe.is_file():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(TUSKER_VENV)], check=True)
        subprocess.run([str(TUSKER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "tusker"], check=True)
    except subprocess.CalledProcessError as exc:
        print(f"(tusker skipped: could not install it: {exc})", file=sys.stderr)
        return None
    return exe if exe.is_file() else None


def load_shim_into_template1(server, shim: str) -> None:
    conn = server.connect("template1")
    try:
        with conn.cursor() as cur:
            cur.execute(shim)
    finally:
        conn.close()


NAIVE = r"""
set -euo pipefail
bin={bindir}; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() {{ if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }}
chmod 777 "$tmp"
run "$bin/initdb" -D "$tmp/data" -U postgres --auth=trust --no-sync >/dev/null
run "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w -o "-k $tmp -c listen_addresses=''" \
  start >/dev/null
trap 'run "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null; rm -rf "$tmp"' EXIT
q() {{ "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp" -U postgres "$@" >/dev/null; }}
q -d postgres -c 'create database cur' -c 'create database want'
q -d cur -f {shim} {migrations}
q -d want -f {shim} -f schema.sql
"{migra}" --unsafe "postgresql://postgres@/cur?host=$tmp" "postgresql://postgres@/want?host=$tmp" \
  >/dev/null || [ $? = 2 ]
"""


def naive_script(project: Path, bindir: Path, shim: Path, migra: Path) -> Path:
    files = " ".join(f"-f {p.relative_to(project)}"
                     for p in sorted((project / "supabase" / "migrations").glob("*.sql")))
    script = project / "naive.sh"
    script.write_text(NAIVE.format(bindir=bindir, shim=shim, migrations=files, migra=migra))
    return script


# --- sections ---------------------------------------------------------------------------


def section_repo(args, work: Path, rows: list[Row], url: str) -> str:
    base, label = repo_project(work / "repo")
    changed = with_change(base, work / "repo-changed")
    cache = work / "cache"
    for backend in args.backends:
        env = schemadiff_env(args.source, cache, url if backend == "url" else None)
        b = ["--backend", backend]
        for name, project, cmd in (
            ("check, no change", base, sd("check", *b)),
            ("check, one change", changed, sd("check", *b)),
        ):
            rows.append(measure(Row("repo", f"{name} [{backend}]"), args.repeat, cmd, project, env))
        scratch = work / "diff-scratch"
        for name, project in (("diff, no change", base), ("diff, one change", changed)):
            rows.append(measure(Row("repo", f"{name} [{backend}]"), args.repeat,
                                sd("diff", "bench_probe", *b), scratch, env,
                                before=fresh_copy(project, scratch), expect=(0,)))
    if "local" in args.backends:
        env = schemadiff_env(args.source, cache)

        def drop_layers() -> None:
            for entry in (cache / "clusters").iterdir():
                if "-" in entry.name and entry.is_dir() and not entry.name.startswith("."):
                    shutil.rmtree(entry)

        rows.append(measure(Row("repo", "check, no change, migrations new to the cache [local]",
                                note="replay not cached: built beside the run"),
                            args.repeat, sd("check", "--backend", "local"), base, env,
                            before=drop_layers))
        cold = work / "cold-cache"
        rows.append(measure(Row("repo", "check, no change, empty cache (initdb) [local]"),
                            args.repeat, sd("check", "--backend", "local"), base,
                            schemadiff_env(args.source, cold),
                            before=lambda: shutil.rmtree(cold, ignore_errors=True)))
    return label


def section_peers(args, work: Path, rows: list[Row], server, url: str) -> None:
    base = work / "repo"
    changed = work / "repo-changed"
    tusker = None if args.no_tusker else tusker_bin()
    if tusker is not None:
        for project in (base, changed):
            tusker_toml(project, server.host, server.port)
        env = {**os.environ}
        for name, project, cmd in (
            ("tusker check, no change", base, [str(tusker), "check"]),
            ("tusker check, one change", changed, [str(tusker), "check"]),
            ("tusker diff, no change", base, [str(tusker), "diff"]),
            ("tusker diff, one change", changed, [str(tusker), "diff"]),
        ):
            rows.append(measure(Row("peers", f"{name} [server up]"), args.repeat, cmd,
                                project, env))
    from schemadiff.scratch.binaries import local_bindirs

    bindirs = local_bindirs(15)
    migra = Path(sys.executable).parent / "migra"
    if bindirs and (bindirs[0] / "psql").is_file() and migra.is_file():
        shim = args.source / "schemadiff" / "sql" / "supabase_shim.sql"
        for name, project in (("naive script diff, no change", base),
                              ("naive script diff, one change", changed)):
            script = naive_script(project, bindirs[0], shim, migra)
            rows.append(measure(Row("peers", f"{name} [initdb]"), args.repeat,
                                ["bash", str(script)], project, dict(os.environ),
                                expect=(0,)))
    else:
        print("(naive script skipped: no local psql/initdb or migra CLI)", file=sys.stderr)


def section_scale(args, work: Path, rows: list[Row]) -> None:
    cache = work / "cache"
    env = schemadiff_env(args.source, cache)
    for n in args.sizes:
        project = gen_schema.write_project(work / f"scale-{n}", n, changed=True)
        rows.append(measure(Row("scale", f"check, {n} tables, {n // 10} changes [local]"),
                            args.repeat, sd("check", "--backend", "local"), project, env))
        scratch = work / f"scale-{n}-diff"
        rows.append(measure(Row("scale", f"diff, {n} tables, {n // 10} changes [local]"),
                            args.repeat,
                            # Its changes add CHECKs: data-dependent, acknowledged here.
                            sd("diff", "bench_scale", "--backend", "local",
                               "--allow-data-dependent"),
                            scratch, env, before=fresh_copy(project, scratch), expect=(0,)))


# --- report -----------------------------------------------------------------------------


def section_nox(args, work: Path, rows: list[Row]) -> None:
    """The README's everyday command through nox, its venv kept (the warm-up run builds
    it), against the same venv's bare command: the cost of nox itself."""
    nox = shutil.which("nox")
    if nox is None:
        print("nox section skipped: nox is not on PATH", file=sys.stderr)
        return
    project = work / "nox-repo"
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.splitlines()
    for name in listed:  # the checkout as a clone has it (tools/ for the editable install)
        if (REPO / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, project / name)
    env = {key: value for key, value in os.environ.items()
           if key not in ("SCHEMADIFF_DATABASE_URL", "VIRTUAL_ENV")}
    rows.append(measure(Row("nox", "nox -s check, repeat run (venv kept)"), args.repeat,
                        [nox, "-s", "check", "--", "-q"], project, env))
    bare = project / ".nox" / "check" / "bin" / "schemadiff"
    rows.append(measure(Row("nox", "schemadiff check, bare (same venv)"), args.repeat,
                        [str(bare), "check", "-q"], project, env))


def render(rows: list[Row], label: str, repeat: int) -> str:
    def find(text: str) -> Row | None:
        return next((r for r in rows if r.label == text and r.seconds), None)

    lines = [f"## schemadiff benchmarks — {label}; median of {repeat} runs "
             f"({os.cpu_count()} CPUs)", ""]
    lines.append("| section | command | median s | min s | max s | peak MB | "
                 "peer ÷ ours (>1: we are faster) / cost per table |")
    lines.append("|---|---|---:|---:|---:|---:|---|")
    for row in rows:
        if not row.seconds:
            continue
        ratio = ""
        if row.section == "peers":
            kind = "check" if "check" in row.label else "diff"
            change = "one change" if "one change" in row.label else "no change"
            for backend in ("url", "local"):
                ours = find(f"{kind}, {change} [{backend}]")
                if ours:
                    # > 1: schemadiff is that many times faster than this peer.
                    ratio += f"{row.median / ours.median:.2f}× ours [{backend}]; "
        if row.section == "nox" and row.label.startswith("nox "):
            bare = find("schemadiff check, bare (same venv)")
            if bare:
                ratio = f"{row.median / bare.median:.2f}× the bare command (goal ≤ 1.6×)"
        if row.section == "scale":
            n = int(row.label.split(", ")[1].split()[0])
            ratio = f"{1000 * row.median / n:.1f} ms/table"
        note = f" ({row.note})" if row.note else ""
        lines.append(f"| {row.section} | {row.label}{note} | {row.median:.2f} | "
                     f"{min(row.seconds):.2f} | {max(row.seconds):.2f} | {row.peak_mb:.0f} | "
                     f"{ratio.rstrip('; ')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (≥5)")
    parser.add_argument("--sizes", default="100,300,1000", help="scale: table counts")
    parser.add_argument("--backends", default="local,embedded,url")
    parser.add_argument("--only", default="repo,peers,scale,nox", help="sections to run")
    parser.add_argument("--no-tusker", action="store_true", help="skip installing tusker")
    parser.add_argument("--source", type=Path, default=REPO / "tools",
                        help="schemadiff source root to measure (default: this checkout)")
    parser.add_argument("--json", type=Path, help="also write every run's numbers here")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.backends = [b for b in args.backends.split(",") if b]
    args.source = args.source.resolve()
    sections = set(args.only.split(","))
    sys.path.insert(0, str(args.source))
    from schemadiff.platform import platform_sql as shim_sql
    from schemadiff.scratch import scratch_server

    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="schemadiff-bench-"))
    # Every measured command runs as on a user's machine, where Python keeps compiled
    # bytecode after the first run: written (during the warm-up run) under the bench's
    # temp dir, so neither the source tree nor the venvs change. Without this, a
    # PYTHONDONTWRITEBYTECODE environment recompiles every edited module on every run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, work, True)
        # The server the url backend and tusker share: already running, as theirs would be.
        server, _ = stack.enter_context(scratch_server("local"))
        load_shim_into_template1(server, shim_sql())
        url = f"postgresql://postgres@/postgres?host={server.host}&port={server.port}"
        os.chmod(work, 0o755)  # the naive script's server runs as `nobody` under root
        label = section_repo(args, work, rows, url) if "repo" in sections else ""
        if "peers" in sections:
            if not (work / "repo").exists():
                label = repo_project(work / "repo")[1]
                with_change(work / "repo", work / "repo-changed")
            section_peers(args, work, rows, server, url)
        if "scale" in sections:
            section_scale(args, work, rows)
        if "nox" in sections:
            section_nox(args, work, rows)
    print(render(rows, label, args.repeat))
    if args.json:
        args.json.write_text(json.dumps([{**r.__dict__, "exits": sorted(r.exits),
                                          "median": r.median} for r in rows], indent=2))


if __name__ == "__main__":
    main()
