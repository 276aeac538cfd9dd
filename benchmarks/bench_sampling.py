"""Generation speed of the local sampling client against one-at-a-time ``model.generate``, on the same prompts.

The prompts are ``sft.evaluate``'s: the first N of the dataset's validation split (same split, same selection), as
generation prompts, greedy, stopping at ``<|im_end|>``. Both sides use the same loaded model:

    (a) our sampling client: every request submitted before any is awaited, as ``sft.evaluate`` does;
    (b) the baseline: Hugging Face ``model.generate`` one prompt at a time (greedy, KV cache, same stop token); to
        keep the run bounded it may run on an evenly spread subset, and its per-prompt time is extrapolated to N.

    python benchmarks/bench_sampling.py --adapter checkpoints/<run>/sampler_weights/final_checkpoint
    python benchmarks/bench_sampling.py                      # the untrained base model, max_tokens 64

With a trained adapter most rows stop early (the realistic setting); the base model answers in prose and most rows
run to max_tokens. Numbers depend on the machine and on what else runs on it: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402
from tinker import types  # noqa: E402

from sft.config import LOCAL_BASE_MODEL, TrainConfig  # noqa: E402
from sft.data_loader import load_dataset, select_validation_samples, split_dataset  # noqa: E402
from sft.datum_builder import build_generation_prompt  # noqa: E402
from sft.engines.futures import on_engine_thread  # noqa: E402
from sft.engines.local import LocalServiceClient  # noqa: E402
from sft.engines.local_runtime import unpack_linears  # noqa: E402
from sft.engines.local_sampling import LocalSamplingClient  # noqa: E402
from sft.sampling import stop_token_ids  # noqa: E402
from sft.utils import quiet_libraries  # noqa: E402


def validation_prompts(n: int, tokenizer: Any) -> list[types.ModelInput]:
    cfg = TrainConfig()
    _, validation = split_dataset(load_dataset(cfg.data_path), cfg.validation_fraction, cfg.seed)
    return [build_generation_prompt(s.prompt, tokenizer) for s in select_validation_samples(validation, n, cfg.seed)]


def run_client(client: LocalSamplingClient, prompts, params) -> tuple[float, list[types.SampledSequence]]:
    start = time.perf_counter()
    futures = [client.sample(p, 1, params) for p in prompts]
    sequences = [f.result().sequences[0] for f in futures]
    return time.perf_counter() - start, sequences


@torch.inference_mode()
def run_generate(runner: Any, prompts, max_tokens: int, stops: list[int]) -> tuple[float, list[list[int]]]:
    """One prompt at a time through ``model.generate``: greedy, KV cache, stopping at ``stops``."""
    runner.model.eval()
    outputs = []
    start = time.perf_counter()
    for prompt in prompts:
        ids = torch.tensor([prompt.to_ints()], device=runner.device)
        with runner.autocast_context():
            out = runner.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=runner.pad_id,
                eos_token_id=stops,
            )
        tokens = out[0, ids.shape[1] :].tolist()
        cut = next((i + 1 for i, t in enumerate(tokens) if t in stops), len(tokens))
        outputs.append(tokens[:cut])
    return time.perf_counter() - start, outputs


def line(name: str, seconds: float, prompts: int, tokens: int, note: str = "") -> str:
    return f"{name:<44} {seconds:8.1f} s  {prompts / seconds:6.2f} prompts/s  {tokens / seconds:7.1f} tokens/s" + (
        f"  {note}" if note else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adapter", default=None, help="a sampler checkpoint directory (sampler_weights/<name>)")
    parser.add_argument("--num_prompts", type=int, default=100)
    parser.add_argument("--max_tokens", type=int, default=None, help="default: 256 with --adapter, else 64")
    parser.add_argument("--baseline_prompts", type=int, default=20, help="baseline subset, spread evenly (0: all)")
    parser.add_argument("--max_batch", type=int, default=None, help="default: the engine's sampling_batch_size")
    parser.add_argument("--repeats", type=int, default=3, help="runs of our client; the median is reported")
    parser.add_argument("--ablations", action="store_true", help="also time without continuous batching / prefix")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: the engine's)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="auto")
    args = parser.parse_args()
    quiet_libraries()

    service = LocalServiceClient(device=args.device, precision=args.precision)
    args.max_batch = args.max_batch or service.sampling_batch_size
    if args.threads:
        on_engine_thread(torch.set_num_threads, args.threads)
    if args.adapter:
        base = service.create_sampling_client(model_path=args.adapter).result()
    else:
        base = service.create_sampling_client(base_model=LOCAL_BASE_MODEL).result()
    runner = base._runner
    tokenizer = runner.tokenizer
    max_tokens = args.max_tokens or (256 if args.adapter else 64)
    stops = stop_token_ids(tokenizer)
    params = types.SamplingParams(max_tokens=max_tokens, temperature=0.0, stop=stops)
    prompts = validation_prompts(args.num_prompts, tokenizer)
    n = len(prompts)
    print(
        f"model {args.adapter or LOCAL_BASE_MODEL}, device {runner.device}, compute {runner.autocast or 'float32'}, "
        f"{on_engine_thread(torch.get_num_threads)} threads; "
        f"{n} validation prompts ({sum(p.length for p in prompts)} prompt tokens), "
        f"greedy, max_tokens {max_tokens}, stop <|im_end|>, max_batch {args.max_batch}"
    )

    run_client(LocalSamplingClient(runner, args.max_batch), prompts[:2], params)  # warm-up
    ours_times = []
    ours: list[types.SampledSequence] = []
    for _ in range(max(1, args.repeats)):
        # A fresh client each time, as sft.evaluate has: the shared prefix is computed again.
        seconds, ours = run_client(LocalSamplingClient(runner, args.max_batch), prompts, params)
        ours_times.append(seconds)
    ours_s = statistics.median(ours_times)
    ours_tokens = sum(len(s.tokens) for s in ours)
    reasons = Counter(s.stop_reason for s in ours)
    lengths = sorted(len(s.tokens) for s in ours)

    # The baseline is plain transformers: the model as loaded, without our client's packed weights.
    on_engine_thread(unpack_linears, runner.model)
    step = 1 if args.baseline_prompts <= 0 else max(1, n // args.baseline_prompts)
    subset = list(range(0, n, step))[: args.baseline_prompts or n]
    # On the engine thread, as our client's work: a second thread computing would slow both (see engine_pool).
    base_s, base_out = on_engine_thread(run_generate, runner, [prompts[i] for i in subset], max_tokens, stops)
    base_tokens = sum(len(t) for t in base_out)
    per_prompt = base_s / len(subset)
    match = sum(ours[i].tokens == tokens for i, tokens in zip(subset, base_out))

    print(
        f"generated {ours_tokens} tokens: {reasons.get('stop', 0)} rows stopped, {reasons.get('length', 0)} hit "
        f"max_tokens; lengths min/median/max {lengths[0]}/{lengths[len(lengths) // 2]}/{lengths[-1]}\n"
    )
    runs = ", ".join(f"{t:.1f}" for t in ours_times)
    print(line("(a) sampling client, all submitted at once", ours_s, n, ours_tokens, f"median of {runs} s"))
    ablations = []
    if args.ablations:
        for name, kwargs in [
            ("    without continuous batching (refill 0)", {"refill_fraction": 0.0}),
            ("    refill at 0.75 of max_batch", {"refill_fraction": 0.75}),
            ("    without the shared-prefix cache", {"share_prefix": False}),
            ("    without guessed tokens for the last rows", {"speculate": False}),
            ("    without oneDNN-packed weights", {"pack_weights": False}),
        ]:
            if not kwargs.get("pack_weights", True):
                on_engine_thread(unpack_linears, runner.model)
            seconds, seqs = run_client(LocalSamplingClient(runner, args.max_batch, **kwargs), prompts, params)
            same = sum(a.tokens == b.tokens for a, b in zip(seqs, ours))
            ablations.append(line(name, seconds, n, sum(len(s.tokens) for s in seqs), f"{same}/{n} rows as (a)"))
        print("\n".join(ablations))
    extrapolated = per_prompt * n
    print(
        line(
            "(b) model.generate, one prompt at a time",
            extrapolated,
            n,
            base_tokens / base_s * extrapolated,
            f"timed on {len(subset)} prompts ({base_s:.1f} s, {base_tokens} tokens), extrapolated to {n}",
        )
    )
    print(
        f"\nspeed-up (a) over (b): {extrapolated / ours_s:.1f}x per prompt "
        f"({per_prompt:.2f} s vs {ours_s / n:.2f} s); tokens/s {ours_tokens / ours_s / (base_tokens / base_s):.1f}x"
    )
    print(f"outputs: {match}/{len(subset)} baseline rows have exactly the tokens of (a)")


if __name__ == "__main__":
    main()
