"""Throughput of the local engine on the bundled model: training samples/s and generation tokens/s.

Compares settings in the same process, against a named baseline (fp32 compute, LoRA on attention + MLP only):
    python benchmarks/bench_local_engine.py [--steps 6] [--batch_size 8]
Numbers depend on the machine and on what else it runs; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from tinker import types

from sft.config import DATA_PATH, LOCAL_BASE_MODEL
from sft.data_loader import load_dataset
from sft.datum_builder import build_datums, build_generation_prompt
from sft.engines.local import LocalServiceClient
from sft.sampling import stop_token_ids
from sft.utils import quiet_libraries


def bench_training(precision: str, unembed: bool, samples, steps: int, batch_size: int) -> tuple[float, float]:
    service = LocalServiceClient(save_root="/tmp/bench-local", device="cpu", precision=precision)
    client = service.create_lora_training_client(LOCAL_BASE_MODEL, rank=32, seed=0, train_unembed=unembed).result()
    datums, _ = build_datums(samples, client.get_tokenizer(), 512)
    adam = types.AdamParams(learning_rate=1e-4)
    times = []
    for step in range(steps + 1):
        batch = datums[step * batch_size : (step + 1) * batch_size]
        start = time.perf_counter()
        client.forward_backward(batch, "cross_entropy")
        client.optim_step(adam).result()
        if step:  # the first step warms up allocators and kernels
            times.append(time.perf_counter() - start)
    per_step = statistics.median(times)
    return batch_size / per_step, per_step


def bench_generation(precision: str, samples, max_tokens: int = 48) -> float:
    service = LocalServiceClient(device="cpu", precision=precision)
    sampler = service.create_sampling_client(base_model=LOCAL_BASE_MODEL).result()
    tok = sampler.get_tokenizer()
    params = types.SamplingParams(max_tokens=max_tokens, temperature=0.0, stop=[])  # fixed length
    prompts = [build_generation_prompt(s.prompt, tok) for s in samples[:16]]
    start = time.perf_counter()
    futures = [sampler.sample(p, 1, params) for p in prompts]
    tokens = sum(len(f.result().sequences[0].tokens) for f in futures)
    stop_token_ids(tok)
    return tokens / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch_size", type=int, default=8)
    args = parser.parse_args()
    quiet_libraries()
    samples = load_dataset(DATA_PATH)[::7]
    rows = []
    for precision in ("fp32", "bf16"):
        for unembed in (False, True):
            sps, sec = bench_training(precision, unembed, samples, args.steps, args.batch_size)
            rows.append((precision, unembed, sps, sec))
    base = rows[0][2]
    print(f"training, batch {args.batch_size}, median of {args.steps} steps (baseline: fp32, no unembed LoRA)")
    for precision, unembed, sps, sec in rows:
        print(f"  {precision:5} unembed={unembed!s:5}  {sps:6.2f} samples/s  {sec:5.2f} s/step  x{sps / base:.2f}")
    gen = {p: bench_generation(p, samples) for p in ("fp32", "bf16")}
    print("generation, 16 prompts batched, 48 new tokens each (baseline: fp32)")
    for p, tps in gen.items():
        print(f"  {p:5} {tps:7.1f} tokens/s  x{tps / gen['fp32']:.2f}")


if __name__ == "__main__":
    main()
