"""Run every contender on every workload, interleaved, and compare their median times.

    python benchmarks/run.py [--rounds N] [--quick] [--json PATH] [--png PATH]

Two copies of ``server.py`` run in their own processes (no added latency, and 10 ms per
response); each round runs every workload with every contender in a fresh random order,
so that drift on the machine hits all of them alike. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import selectors
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import contenders as bench
from benchmarks import convert, memory

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.py"
THREADS20 = "official-threads20"
SEQ = "official-seq"
TRIO_H11 = "sdk-trio-h11"
TRIO_HTTPCORE = "sdk-trio-httpcore"
TRIO_BARE = "httpx-bare-trio"
# An SDK contender and the bare client it is measured against ("vs bare"). h11 has no
# bare client here: on trio, sdk-trio-h11 faces bare httpx, the client it replaces.
SDK_VS_BARE = (
    ("sdk-httpcore", "httpx-bare"),
    ("sdk-aiohttp", "aiohttp-bare"),
    (TRIO_HTTPCORE, TRIO_BARE),
    (TRIO_H11, TRIO_BARE),
)
# goals 1-3 take the faster of these (sdk-h11 on asyncio is shown, not judged)
ASYNCIO_SDK = ("sdk-httpcore", "sdk-aiohttp")
# goal 4 holds for each SDK variant on trio
TRIO_SDK = (TRIO_H11, TRIO_HTTPCORE)
# issue 10's goals (1-6) and the h11 transport's (7), as ratios of medians
GOAL_LIST = 0.80  # 1: listing, against the official SDK
GOAL_OVERHEAD = 1.25  # 2: against a bare client on the same transport
GOAL_VS_THREADS = 0.80  # 3: users and creates, against the official SDK on 20 threads
GOAL_VS_SEQ = 0.125  # 3: ... and at least 8x faster than it sequentially
GOAL_TRIO = 1.10  # 4: on trio, against bare httpx on trio
GOAL_TRIO_VS_OFFICIAL = 0.80  # 7: sdk-trio-h11 against the official SDK, as in 1 and 3
MEMORY_CLIENTS = 1_000_000  # 6
WARM_SIZE = 300
SERVER_START_TIMEOUT = 60.0
PACKAGES = (
    "sunshine-async",
    "sunshine-conversations-client",
    "httpx",
    "httpcore",
    "aiohttp",
    "anyio",
    "trio",
    "urllib3",
    "pydantic",
    "cattrs",
)


@dataclass(frozen=True)
class Plan:
    """Data the servers hold and the workloads run against them."""

    list_size: int
    users: int
    per_user: int
    creates: int
    latency_ms: float

    def workloads(self) -> list[bench.Workload]:
        return [
            bench.Workload(f"list{self.list_size // 1000}k", "list", 0, list_size=self.list_size)
            if self.list_size >= 1000
            else bench.Workload(f"list{self.list_size}", "list", 0, list_size=self.list_size),
            bench.Workload(
                "users", "users", self.latency_ms, users=self.users, per_user=self.per_user
            ),
            bench.Workload("creates", "creates", self.latency_ms, creates=self.creates),
        ]

    def warmups(self) -> list[bench.Workload]:
        """Short untimed passes: imports, caches and first-use code paths get warm."""
        return [
            bench.Workload("warm-list", "list", 0, list_size=WARM_SIZE, list_user="warm"),
            bench.Workload(
                "warm-users",
                "users",
                self.latency_ms,
                users=min(self.users, 20),
                per_user=self.per_user,
            ),
            bench.Workload("warm-creates", "creates", self.latency_ms, creates=40),
        ]


FULL = Plan(list_size=20_000, users=200, per_user=50, creates=1_000, latency_ms=10.0)
QUICK = Plan(list_size=500, users=20, per_user=5, creates=20, latency_ms=0.0)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5; 1 quick)")
    parser.add_argument(
        "--quick", action="store_true", help="a tiny smoke run: no latency, no timing verdicts"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write raw times, medians and ratios"
        " (default benchmarks/results.json; none with --quick)",
    )
    parser.add_argument(
        "--png",
        type=Path,
        default=None,
        help="where to draw the chart (default benchmarks/results.png; none with --quick)",
    )
    parser.add_argument("--only", default="", help="comma-separated contender names to run")
    parser.add_argument("--seed", type=int, default=1, help="seed of the run-order shuffle")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up")
    parser.add_argument(
        "--max-minutes", type=float, default=30.0, help="stop starting new rounds after this"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal FAILs")
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    if not 1 <= args.rounds <= 100:
        parser.error("--rounds must be between 1 and 100")
    if not args.quick:
        args.json = args.json or HERE / "results.json"
        args.png = args.png or HERE / "results.png"
    return args


# --- servers ---------------------------------------------------------------------------


@contextlib.contextmanager
def running_server(plan: Plan, latency_ms: float, budget_s: float) -> Iterator[str]:
    """Start ``server.py`` in a subprocess; yield its base URL; always stop it."""
    command = [
        sys.executable,
        str(SERVER),
        "--latency-ms",
        str(latency_ms),
        "--list-size",
        str(plan.list_size),
        "--warm-size",
        str(WARM_SIZE),
        "--users",
        str(plan.users),
        "--per-user",
        str(plan.per_user),
        "--app-id",
        bench.APP_ID,
        "--max-seconds",
        str(int(budget_s)),
        "--stop-on-stdin-eof",
    ]
    process = subprocess.Popen(  # noqa: S603 - our own script, run by this interpreter
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(SERVER_START_TIMEOUT):
                raise bench.BenchError(f"server did not start within {SERVER_START_TIMEOUT}s")
        line = process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise bench.BenchError(f"server failed to start (said {line!r})")
        yield line
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


# --- measuring -------------------------------------------------------------------------


def measure_checked(contender: bench.Contender, workload: bench.Workload, base_url: str) -> float:
    result = contender.measure(workload, base_url)
    if result.count != workload.expected:
        raise bench.BenchError(
            f"{contender.name} on {workload.name}: got {result.count} clients,"
            f" expected {workload.expected}"
        )
    return result.seconds


def median_table(times: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {
        workload: {name: statistics.median(values) for name, values in per.items() if values}
        for workload, per in times.items()
    }


def ratios_against(
    medians: dict[str, dict[str, float]], baseline: str
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for workload, per in medians.items():
        base = per.get(baseline)
        if base:
            out[workload] = {name: value / base for name, value in per.items()}
    return out


def sdk_vs_bare(medians: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for workload, per in medians.items():
        out[workload] = {
            f"{sdk}/{bare}": per[sdk] / per[bare]
            for sdk, bare in SDK_VS_BARE
            if sdk in per and per.get(bare)
        }
    return out


@dataclass(frozen=True)
class Goal:
    goal: str
    workload: str
    ratio: float | None
    limit: float
    verdict: str  # PASS, FAIL, SKIP or INFO
    detail: str


def judge(medians: dict[str, dict[str, float]], *, quick: bool) -> list[Goal]:
    """Goals 1-4 and 7, from the medians of one interleaved run."""
    goals: list[Goal] = []

    def goal(number: str, workload: str, ratio: float | None, limit: float, detail: str) -> None:
        if ratio is None:
            verdict = "SKIP"
        elif quick:
            verdict = "INFO"
        else:
            verdict = "PASS" if ratio <= limit else "FAIL"
        goals.append(Goal(number, workload, ratio, limit, verdict, detail))

    for workload, per in medians.items():
        sdks = [(per[name], name) for name in ASYNCIO_SDK if name in per]
        best_time, best = min(sdks) if sdks else (None, "")
        officials = [per[name] for name in (THREADS20, SEQ) if name in per]
        fastest_official = min(officials) if officials else None
        if workload.startswith("list"):
            base = fastest_official
            ratio = best_time / base if best_time and base else None
            goal("1", workload, ratio, GOAL_LIST, f"{best} / the faster official contender")
        bare = dict(SDK_VS_BARE).get(best)
        bare_time = per.get(bare) if bare else None
        ratio = best_time / bare_time if best_time and bare_time else None
        goal("2", workload, ratio, GOAL_OVERHEAD, f"{best} / {bare}")
        if workload in ("users", "creates"):
            base = per.get(THREADS20)
            ratio = best_time / base if best_time and base else None
            goal("3", workload, ratio, GOAL_VS_THREADS, f"{best} / {THREADS20}")
            base = per.get(SEQ)
            ratio = best_time / base if best_time and base else None
            goal("3", workload, ratio, GOAL_VS_SEQ, f"{best} / {SEQ} (8x faster)")
        trio_bare = per.get(TRIO_BARE)
        for name in TRIO_SDK:
            trio_sdk = per.get(name)
            ratio = trio_sdk / trio_bare if trio_sdk and trio_bare else None
            goal("4", workload, ratio, GOAL_TRIO, f"{name} / {TRIO_BARE}")
        # 7: on trio, the new transport against the official SDK, with goal 1's
        # baseline for the listing and goal 3's (20 threads) for users and creates
        trio_time = per.get(TRIO_H11)
        if workload.startswith("list"):
            base, against = fastest_official, "the faster official contender"
        elif workload in ("users", "creates"):
            base, against = per.get(THREADS20), THREADS20
        else:
            continue
        ratio = trio_time / base if trio_time and base else None
        goal("7", workload, ratio, GOAL_TRIO_VS_OFFICIAL, f"{TRIO_H11} / {against}")
    return goals


def conversion_goal(*, quick: bool) -> Goal:
    """Goal 5 (``convert.py``): structuring a typical Client in <= 5 µs."""
    if not bench.have("sunshine_async"):
        return Goal("5", "convert", None, 1.0, "SKIP", "sdk not installed")
    us = convert.client_us(quick=quick)
    verdict = "INFO" if quick else ("PASS" if us <= convert.GOAL_US else "FAIL")
    return Goal("5", "convert", us / convert.GOAL_US, 1.0, verdict, convert.goal_line(us))


def memory_goal(*, quick: bool, budget_s: float) -> Goal:
    """Goal 6 (``memory.py``): listing a million clients adds < 20 MB of RSS."""
    if not bench.have("sunshine_async"):
        return Goal("6", "memory", None, 1.0, "SKIP", "sdk not installed")
    size = 5_000 if quick else MEMORY_CLIENTS
    plan = Plan(list_size=size, users=0, per_user=0, creates=0, latency_ms=0.0)
    with running_server(plan, 0.0, budget_s) as url:
        done = subprocess.run(  # noqa: S603 - our own script, run by this interpreter
            [sys.executable, str(HERE / "memory.py"), "--base-url", url, "--expected", str(size)],
            capture_output=True,
            text=True,
            timeout=budget_s,
            check=False,
        )
    if done.returncode != 0:
        raise bench.BenchError(f"memory.py failed: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    growth = float(result["growth_mb"])
    verdict = "INFO" if quick else ("PASS" if growth < memory.GOAL_MB else "FAIL")
    detail = (
        f"{result['clients']:,} clients ({result['transport']}): RSS {result['warm_rss_mb']:.1f}"
        f" -> {result['end_rss_mb']:.1f} MB, +{growth:.1f} MB"
    )
    return Goal("6", "memory", growth / memory.GOAL_MB, 1.0, verdict, detail)


# --- output ----------------------------------------------------------------------------


def format_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def print_tables(
    workloads: list[bench.Workload],
    names: list[str],
    times: dict[str, dict[str, list[float]]],
    medians: dict[str, dict[str, float]],
    vs_threads: dict[str, dict[str, float]],
    vs_seq: dict[str, dict[str, float]],
    rounds: int,
) -> None:
    bare_of = dict(SDK_VS_BARE)
    for workload in workloads:
        w = workload.name
        print()
        print(
            f"{w}: {workload.expected} clients, {workload.latency_ms:g} ms latency,"
            f" {rounds} round(s); median seconds and ratios"
        )
        header = f"  {'contender':<20}{'median s':>10}{'min s':>9}{'max s':>9}"
        header += f"{'vs thr20':>10}{'vs seq':>9}{'vs bare':>9}"
        print(header)
        for name in names:
            values = times[w].get(name)
            if not values:
                print(f"  {name:<20}{'skipped':>10}")
                continue
            bare = bare_of.get(name)
            bare_median = medians[w].get(bare) if bare else None
            vs_bare = medians[w][name] / bare_median if bare_median else None
            print(
                f"  {name:<20}{medians[w][name]:>10.3f}{min(values):>9.3f}{max(values):>9.3f}"
                f"{format_ratio(vs_threads.get(w, {}).get(name)):>10}"
                f"{format_ratio(vs_seq.get(w, {}).get(name)):>9}"
                f"{format_ratio(vs_bare):>9}"
            )


def print_goals(goals: list[Goal], *, quick: bool) -> None:
    print()
    print("Goals" + (" (--quick: shown, not judged)" if quick else "") + ":")
    for goal in goals:
        if goal.goal == "1":
            text = f"1 {goal.workload}: best asyncio SDK <= {goal.limit:.2f}x official"
        elif goal.goal == "2":
            text = f"2 {goal.workload}: SDK overhead <= {goal.limit:.2f}x bare, same transport"
        elif goal.goal == "3":
            text = f"3 {goal.workload}: best asyncio SDK <= {goal.limit:.3g}x official"
        elif goal.goal == "4":
            text = f"4 {goal.workload}: SDK on trio <= {goal.limit:.2f}x {TRIO_BARE}"
        elif goal.goal == "7":
            text = f"7 {goal.workload}: {TRIO_H11} <= {goal.limit:.2f}x official"
        elif goal.goal == "5":
            text = f"5 {goal.workload}: a typical Client <= {convert.GOAL_US:g} µs"
        else:
            text = f"6 {goal.workload}: 1M listed clients add < {memory.GOAL_MB:g} MB RSS"
        print(f"  {goal.verdict:<5}{text:<62}{format_ratio(goal.ratio):>8}  {goal.detail}")


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def draw_chart(path: Path, workloads: list[str], names: list[str], ratios: Any) -> str | None:
    """A bar chart of medians relative to official-threads20; returns a note if it cannot."""
    if not bench.have("matplotlib"):
        return "matplotlib is not installed: no chart"
    if not ratios:
        return f"no {THREADS20} times: no chart"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [name for name in names if any(name in ratios.get(w, {}) for w in workloads)]
    width = 0.8 / max(len(shown), 1)
    fig, ax = plt.subplots(figsize=(13, 5.5))
    try:
        colors = plt.get_cmap("tab10")
        for i, name in enumerate(shown):
            xs = [
                g + (i - (len(shown) - 1) / 2) * width
                for g, w in enumerate(workloads)
                if name in ratios.get(w, {})
            ]
            ys = [ratios[w][name] for w in workloads if name in ratios.get(w, {})]
            bars = ax.bar(xs, ys, width=width, label=name, color=colors(i % 10))
            ax.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=7, rotation=90, padding=2)
        ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
        ax.set_yscale("log")
        values = [v for w in workloads for v in ratios.get(w, {}).values()]
        ax.set_ylim(min(*values, 1.0) / 1.5, max(*values, 1.0) * 2.0)  # room for labels
        ax.set_xticks(range(len(workloads)), workloads)
        ax.set_ylabel(f"median time / {THREADS20} (log scale; lower is faster)")
        ax.set_title("sunshine-async benchmarks: median time relative to official-threads20")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return None


# --- main ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    workloads = plan.workloads()
    contenders = bench.all_contenders()
    if args.only:
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = wanted - {c.name for c in contenders}
        if unknown:
            print(f"unknown contender(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        contenders = [c for c in contenders if c.name in wanted]
    names = [c.name for c in contenders]
    skipped = {c.name: reason for c in contenders if (reason := c.unavailable())}
    active = [c for c in contenders if c.name not in skipped]
    print(f"Python {platform.python_version()} on {platform.platform()}")
    print(
        "versions: "
        + ", ".join(f"{name} {version}" for name, version in versions().items() if version)
    )
    sdk_api = bench.describe_sdk_api() if bench.have("sunshine_async") else "sdk not installed"
    print(f"SDK: {sdk_api}")
    for name, reason in skipped.items():
        print(f"note: skipping {name}: {reason}")

    times: dict[str, dict[str, list[float]]] = {
        w.name: {c.name: [] for c in active} for w in workloads
    }
    orders: list[dict[str, list[str]]] = []
    deadline = time.monotonic() + args.max_minutes * 60
    rounds_done = 0
    started = time.monotonic()
    try:
        with (
            running_server(plan, 0.0, args.max_minutes * 60 + 600) as fast_url,
            running_server(plan, plan.latency_ms, args.max_minutes * 60 + 600) as slow_url,
        ):
            url_of = {0.0: fast_url, plan.latency_ms: slow_url}
            print(f"servers: {fast_url} (0 ms), {slow_url} ({plan.latency_ms:g} ms)")
            if not args.quick and not args.no_warmup:
                for workload in plan.warmups():
                    for contender in active:
                        measure_checked(contender, workload, url_of[workload.latency_ms])
                print(f"warm-up done in {time.monotonic() - started:.1f}s")
            rng = random.Random(args.seed)
            for round_index in range(args.rounds):
                if time.monotonic() > deadline:
                    print(f"note: --max-minutes reached; stopping after {rounds_done} round(s)")
                    break
                round_start = time.monotonic()
                order_of_round: dict[str, list[str]] = {}
                for workload in workloads:
                    order = list(active)
                    rng.shuffle(order)
                    order_of_round[workload.name] = [c.name for c in order]
                    for contender in order:
                        seconds = measure_checked(contender, workload, url_of[workload.latency_ms])
                        times[workload.name][contender.name].append(seconds)
                orders.append(order_of_round)
                rounds_done += 1
                print(
                    f"round {round_index + 1}/{args.rounds}: {time.monotonic() - round_start:.1f}s"
                )
    except bench.BenchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2

    medians = median_table(times)
    vs_threads = ratios_against(medians, THREADS20)
    vs_seq = ratios_against(medians, SEQ)
    pairs = sdk_vs_bare(medians)
    try:
        memory_result = memory_goal(quick=args.quick, budget_s=600.0)
    except bench.BenchError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    goals = [
        *judge(medians, quick=args.quick),
        conversion_goal(quick=args.quick),
        memory_result,
    ]
    print_tables(workloads, names, times, medians, vs_threads, vs_seq, rounds_done)
    print_goals(goals, quick=args.quick)
    print(f"\ntotal {time.monotonic() - started:.1f}s")

    if args.json is not None:
        report = {
            "meta": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "versions": versions(),
                "sdk_api": sdk_api,
                "quick": args.quick,
                "rounds": rounds_done,
                "seed": args.seed,
                "warmup": not (args.quick or args.no_warmup),
            },
            "workloads": {w.name: {**asdict(w), "expected": w.expected} for w in workloads},
            "contenders": {
                c.name: {"runtime": c.runtime, "skipped": skipped.get(c.name)} for c in contenders
            },
            "orders": orders,
            "times": times,
            "medians": medians,
            "ratios": {
                "vs_official_threads20": vs_threads,
                "vs_official_seq": vs_seq,
                "sdk_vs_bare": pairs,
            },
            "goals": [asdict(goal) for goal in goals],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    if args.png is not None:
        note = draw_chart(args.png, [w.name for w in workloads], names, vs_threads)
        print(f"note: {note}" if note else f"wrote {args.png}")
    if args.strict and any(goal.verdict == "FAIL" for goal in goals):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
