"""Peak memory and step time of the local engine against the longest pack it builds (``max_pack_tokens``).

    .venv/bin/python benchmarks/bench_pack_size.py [--sizes 1024 768 640 512] [--steps 8] [--heavy 3]

The rows and batches are exactly those of the default run (``sft.train``'s split, datums and seed-determined
batch order, 600 x 8). For each size, in one process on one adapter:

- peak RSS over the ``--heavy`` batches with the most tokens of the run (the steps that set a run's peak), measured
  by resetting the kernel's high-water mark (``/proc/self/clear_refs``, Linux) before them;
- the median step time (``forward_backward`` + ``optim_step``) over ``--steps`` ordinary batches, the same batches for
  every size, sizes taken in turn and then in reverse order so drift in the machine's load falls on all of them;
- how many packs a step makes on average over the whole run and the tokens computed (the shared prefix is computed
  once per pack, so smaller packs compute it more often).

The baseline is the first size given (1024, the engine's default before this benchmark). Run it with the allocator
``make run`` uses (``LD_PRELOAD`` of jemalloc, see the Makefile) for numbers that match a run; compare the ratios of
one invocation, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tinker import types  # noqa: E402

from sft.config import TrainConfig  # noqa: E402
from sft.engines.local import LocalServiceClient  # noqa: E402
from sft.engines.models import load_tokenizer  # noqa: E402
from sft.engines.packing import plan_packs, shared_prefix_length  # noqa: E402
from sft.prompt_builder import SYSTEM_PROMPT  # noqa: E402
from sft.renderers import select_renderer  # noqa: E402
from sft.train import dry_run_figures  # noqa: E402
from sft.utils import quiet_libraries  # noqa: E402


def peak_rss_gb() -> float:
    """This process's peak RSS since the last :func:`reset_peak_rss` (``VmHWM``), in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError("/proc/self/status has no VmHWM")


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 768, 640, 512])
    parser.add_argument("--steps", type=int, default=8, help="ordinary steps timed per size and pass (two passes)")
    parser.add_argument("--heavy", type=int, default=3, help="heaviest batches of the run, for the peak RSS")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        parser.error("peak RSS is read from /proc: Linux only")
    quiet_libraries()

    cfg = TrainConfig()
    base_model = cfg.resolved_base_model()
    tokenizer = load_tokenizer(base_model)
    renderer = select_renderer(base_model, tokenizer, SYSTEM_PROMPT, requested=cfg.renderer).renderer
    _, visited = dry_run_figures(cfg, tokenizer, renderer)
    batches = [visited[s * cfg.batch_size : (s + 1) * cfg.batch_size] for s in range(cfg.num_steps)]
    heavy = sorted(batches, key=lambda b: -sum(d.model_input.length for d in b))[: args.heavy]
    ordinary = batches[50 : 50 + 2 * args.steps]

    # The packs each step would make, from the row lengths alone (building them would allocate their masks and
    # leave that memory with the allocator, inflating the peaks below).
    layout: dict[int, tuple[float, int, int]] = {}
    for size in args.sizes:
        lengths: list[int] = []
        for batch in batches:
            rows = [d.model_input.to_ints() for d in batch]
            prefix = shared_prefix_length(rows)
            plan = plan_packs([len(r) for r in rows], prefix, size)
            lengths += [prefix + sum(len(rows[i]) - prefix for i in pack) for pack in plan]
        layout[size] = (len(lengths) / len(batches), sum(lengths), max(lengths))

    adam = types.AdamParams(learning_rate=1e-4)
    times: dict[int, list[float]] = {size: [] for size in args.sizes}
    peak: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pack-") as scratch:
        service = LocalServiceClient(save_root=scratch)
        client = service.create_lora_training_client(base_model, rank=cfg.lora_rank, seed=cfg.seed).result()

        def step(batch: list[types.Datum]) -> float:
            start = time.perf_counter()
            client.forward_backward(batch, "cross_entropy")
            client.optim_step(adam).result()
            return time.perf_counter() - start

        for size in args.sizes:
            client.max_pack_tokens = size
            step(heavy[0])  # warm-up at this size: kernels, allocator, optimizer state
            reset_peak_rss()
            for batch in heavy:
                step(batch)
            peak[size] = peak_rss_gb()
        for rnd, order in enumerate((args.sizes, args.sizes[::-1])):
            for size in order:
                client.max_pack_tokens = size
                times[size] += [step(b) for b in ordinary[rnd * args.steps : (rnd + 1) * args.steps]]

    base = args.sizes[0]
    base_step = statistics.median(times[base])
    allocator = "jemalloc" if "libjemalloc" in Path("/proc/self/maps").read_text() else "the C library's malloc"
    print(
        f"{cfg.num_steps} x {cfg.batch_size} rows of the default run; baseline max_pack_tokens={base}; "
        f"allocator: {allocator} (make run preloads jemalloc where installed)"
    )
    print(
        "| max_pack_tokens | packs/step | tokens computed | longest pack | peak RSS, heaviest batches"
        " | s/step (median) | vs baseline |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        per_step, computed, longest = layout[size]
        median = statistics.median(times[size])
        print(
            f"| {size} | {per_step:.2f} | {computed:,} ({computed / layout[base][1] - 1:+.1%}) | {longest} "
            f"| {peak[size]:.2f} GB | {median:.2f} | {base_step / median:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
