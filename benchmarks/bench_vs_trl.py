"""Side-by-side LoRA SFT training: our local engine against TRL's ``SFTTrainer`` + PEFT, on the same work.

    .venv/bin/python benchmarks/bench_vs_trl.py [--steps 12] [--skip 2] [--batch_size 8] [--rank 32] [--quick]
    .venv/bin/python benchmarks/bench_vs_trl.py --only ours      # or --only trl: one side, in this process

Needs TRL (``pip install -r benchmarks/requirements-bench.txt``); ``--only ours`` does not.

What is the same on both sides: the bundled SmolLM2-135M-Instruct in float32 (bf16 only where the CPU has native
bf16), LoRA rank/alpha/dropout 0 on every attention and MLP projection (not ``lm_head``: TRL refuses an adapter on
the LM head, so ours runs with ``train_unembed=False``), the same initial adapter (seeded like our engine), the
same rows (every 7th record of the training split, token ids from ``sft.datum_builder`` rendered by our prompt
builder, completion-only loss), the same seed-determined batch order (``sft.train.batch_indices``), AdamW
(betas 0.9/0.95, eps, no weight decay), grad-norm clipping, and our learning-rate schedule
(``sft.utils.learning_rate_at``, given to TRL as a LambdaLR).

Loss normalisation: our engine sums ``-logprob * weight`` (Tinker semantics); TRL averages over the completion
tokens of the batch. Ours gets weights of ``1 / (weighted tokens in the batch)``, so its summed loss *is* TRL's
mean-token loss: same loss, same gradients, same learning rate. Both sides should then follow the same loss
curve, and their held-out losses should agree within float noise.

(a) ours: exactly the client calls ``sft.train`` makes (``create_lora_training_client``, then per step
``forward_backward(batch, "cross_entropy")`` and ``optim_step(AdamParams)`` submitted together and awaited).
(b) TRL: ``SFTTrainer`` on pre-tokenised ``input_ids`` + ``completion_mask`` with ``completion_only_loss=True``,
its fastest CPU settings (fused AdamW as TRL's default, no gradient checkpointing, padding-free batches where they
give the padded loss, no eval/saving/logging), timed per step by a ``TrainerCallback`` (on_step_begin to
on_step_end; TRL fetches and collates the batch before on_step_begin, ours collates inside its step).

Each side runs in its own process (so peak RSS is its own), and the two take turns step by step (the order
alternating), so they never compete for the cores and see the same drift in the machine's load. The first
``--skip`` steps are trained but not timed.
How to read the report: ``ours/TRL`` > 1 on a rate means ours is faster. Rates are over the timed steps (s/step is
the median; tokens/s and FLOP/s are totals over totals). "computed" FLOPs count what each side actually runs
(padding, every position's logits); "useful" FLOPs count the same minimal work for both (each row once, logits
only where the loss is), so their MFU ratio equals the speed ratio. The machine may be shared: compare the
ratios of one invocation, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything here is local: the bundled model and our dataset

import numpy as np  # noqa: E402
import torch  # noqa: E402

from sft.config import DATA_PATH, LEARNING_RATE_LOCAL, LOCAL_BASE_MODEL, LORA_SCALE_LOCAL, MAX_LENGTH, TrainConfig  # noqa: E402
from sft.data_loader import Sample, load_dataset, select_validation_samples, split_dataset  # noqa: E402
from sft.datum_builder import TokenizedSample, tokenize_sample  # noqa: E402
from sft.train import batch_indices  # noqa: E402
from sft.utils import learning_rate_at, quiet_libraries  # noqa: E402

SIDES = ("ours", "trl")
LABEL = {"ours": "ours (local engine)", "trl": "TRL SFTTrainer"}


# -- FLOPs ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelShape:
    """The shapes that set a dense decoder's FLOPs (Llama-style: q/k/v/o attention, gate/up/down MLP)."""

    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ModelShape:
        heads = int(config["num_attention_heads"])
        hidden = int(config["hidden_size"])
        return cls(
            layers=int(config["num_hidden_layers"]),
            hidden=hidden,
            heads=heads,
            kv_heads=int(config.get("num_key_value_heads") or heads),
            head_dim=int(config.get("head_dim") or hidden // heads),
            intermediate=int(config["intermediate_size"]),
            vocab=int(config["vocab_size"]),
        )

    def projections(self) -> dict[str, tuple[int, int]]:
        """(in_features, out_features) of each linear layer of one decoder block."""
        q, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
        h, m = self.hidden, self.intermediate
        return {
            "q_proj": (h, q),
            "k_proj": (h, kv),
            "v_proj": (h, kv),
            "o_proj": (q, h),
            "gate_proj": (h, m),
            "up_proj": (h, m),
            "down_proj": (m, h),
        }

    def linear_params(self) -> int:
        """Weights of all decoder-block linear layers (no embedding, no LM head)."""
        return self.layers * sum(i * o for i, o in self.projections().values())

    def lora_params(self, rank: int, targets: Sequence[str]) -> int:
        """LoRA factor weights (A: in x r, B: r x out) on the targeted decoder-block layers."""
        return self.layers * sum(rank * (i + o) for name, (i, o) in self.projections().items() if name in targets)


@dataclass
class StepCounts:
    """What one training step runs through the model.

    tokens: positions run through the decoder blocks (padding included if it is computed);
    logit_positions: positions the LM head projects to the vocabulary;
    attention_lengths: the length of each causal attention computation (one per row, or one per packed row);
    attention_pairs: if set, the query-key pairs scored instead (an engine that reports what it computed).
    """

    tokens: int
    logit_positions: int
    attention_lengths: list[int]
    attention_pairs: int | None = None


@dataclass(frozen=True)
class StepFlops:
    forward: float
    backward: float

    @property
    def total(self) -> float:
        return self.forward + self.backward


def training_flops(shape: ModelShape, counts: StepCounts, lora_rank: int, lora_targets: Sequence[str]) -> StepFlops:
    """Matmul FLOPs of one LoRA training step (2 FLOPs per multiply-add; norms, activations, softmax not counted).

    Forward: 2 x (decoder linear + LoRA params) x tokens; LM head 2 x hidden x vocab (+ its LoRA) x logit
    positions; attention causal: QK^T and PV over s(s+1)/2 query-key pairs per head, i.e. 2 x 2 x s^2/2 x
    (heads x head_dim) per layer and row of length s.
    Backward: the base weights are frozen, so linear layers and the LM head need only activation gradients (= their
    forward); LoRA factors need activation and weight gradients (2x their forward); attention needs dQ, dK, dV and
    dP (2x its forward).
    """
    linear = shape.linear_params()
    lora = shape.lora_params(lora_rank, lora_targets)
    head = shape.hidden * shape.vocab
    head_lora = lora_rank * (shape.hidden + shape.vocab) if "lm_head" in lora_targets else 0
    pairs = (
        counts.attention_pairs
        if counts.attention_pairs is not None
        else sum(s * (s + 1) // 2 for s in counts.attention_lengths)
    )
    attention = 2.0 * 2.0 * pairs * shape.heads * shape.head_dim * shape.layers
    forward = 2.0 * (linear + lora) * counts.tokens + 2.0 * (head + head_lora) * counts.logit_positions + attention
    backward = (
        2.0 * linear * counts.tokens
        + 4.0 * lora * counts.tokens
        + (2.0 * head + 4.0 * head_lora) * counts.logit_positions
        + 2.0 * attention
    )
    return StepFlops(forward, backward)


# -- the CPU's peak ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CpuPeak:
    """Peak FLOP/s = cores x clock x FLOP per cycle per core, and how each factor was found."""

    cores: int
    mhz: float
    clock_source: str
    fp32_per_cycle: int
    bf16_per_cycle: int | None
    isa: str

    def flops(self, precision: str) -> float | None:
        per_cycle = self.bf16_per_cycle if precision == "bf16" else self.fp32_per_cycle
        return None if per_cycle is None else self.cores * self.mhz * 1e6 * per_cycle

    def describe(self) -> str:
        peak = self.flops("fp32") or 0.0
        bf16_peak = self.flops("bf16")
        bf16 = f"{self.bf16_per_cycle} FLOP/cycle = {bf16_peak / 1e9:.1f} GFLOP/s" if bf16_peak else "not native"
        return (
            f"{self.cores} cores x {self.mhz / 1000:.3f} GHz ({self.clock_source}) x {self.fp32_per_cycle} fp32 "
            f"FLOP/cycle ({self.isa}) = {peak / 1e9:.1f} GFLOP/s fp32; bf16: {bf16}"
        )


def cpu_peak(cpuinfo: str, lscpu: str | None, cores: int) -> CpuPeak:
    """Derive the peak from ``/proc/cpuinfo`` (ISA flags, "cpu MHz") and ``lscpu`` ("CPU max MHz" if it has one).

    FLOP/cycle per core, fp32: 64 with avx512f (assuming 2 512-bit FMA units), 32 with AVX2 + FMA (2 x 256-bit
    FMA), 16 with AVX alone (one 256-bit add + one mul), 8 otherwise (SSE). bf16: 1024 with AMX (one TMUL unit:
    a 16 x 32 by 32 x 16 tile product per 16 cycles, Intel's published figure), twice fp32 with avx512_bf16 alone
    (VDPBF16PS), otherwise not native (emulated through fp32, far slower). oneDNN runs PyTorch's bf16 matrix
    products on AMX where the CPU has it: measured here, 2.0-2.3 TFLOP/s on 2 cores for the model's shapes,
    against ~0.32 in float32.
    """
    flags_match = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    flags = set(flags_match.group(1).split()) if flags_match else set()
    if "avx512f" in flags:
        fp32, isa = 64, "avx512f, 2 FMA units assumed"
    elif "avx2" in flags and "fma" in flags:
        fp32, isa = 32, "AVX2+FMA, 2 x 256-bit FMA"
    elif "avx" in flags:
        fp32, isa = 16, "AVX, no FMA"
    else:
        fp32, isa = 8, "SSE"
    if {"amx_bf16", "amx_tile"} <= flags:
        bf16: int | None = 1024
        isa += "; AMX-BF16"
    elif "avx512_bf16" in flags:
        bf16 = 2 * fp32
    else:
        bf16 = None

    mhz, source = 0.0, ""
    max_match = re.search(r"^CPU max MHz:\s*([\d.]+)", lscpu or "", re.MULTILINE)
    if max_match and float(max_match.group(1)) > 0:
        mhz, source = float(max_match.group(1)), "lscpu CPU max MHz"
    else:
        clocks = [float(v) for v in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", cpuinfo, re.MULTILINE)]
        if clocks:
            mhz, source = max(clocks), "/proc/cpuinfo cpu MHz"
    if mhz <= 0:
        raise ValueError("cannot find the CPU clock in lscpu or /proc/cpuinfo")
    return CpuPeak(cores, mhz, source, fp32, bf16, isa)


def this_cpu_peak() -> CpuPeak:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    lscpu = None
    if shutil.which("lscpu"):
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False, env={"LC_ALL": "C"}).stdout
    return cpu_peak(cpuinfo, lscpu, compute_threads())


def measured_matmul_flops(precision: str, size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of the best of ``repeats`` dense ``size`` x ``size`` matrix products in ``precision`` on this
    process's threads: what the CPU actually sustains, as a check on the nominal peak (a virtual CPU may report a
    base clock below the one it runs at, and its nominal peak is then too low)."""
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(dtype)
    b = torch.randn(size, size, generator=generator).to(dtype)
    a @ b  # warm-up: kernels, pages
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def compute_threads() -> int:
    """The cores both sides compute on: the threads torch uses, at most the CPUs this process may run on."""
    return max(1, min(torch.get_num_threads(), len(os.sched_getaffinity(0))))


# -- the shared workload ----------------------------------------------------------------------------------------------
@dataclass
class Workload:
    train: list[Sample]
    heldout: list[Sample]
    order: list[list[int]]  # per step, indices into ``train``


def make_workload(args: argparse.Namespace, tokenizer: Any) -> Workload:
    """Every ``--every``-th record of our training split (that fits ``MAX_LENGTH``), ``--heldout`` rows of the
    validation split, and ``sft.train``'s batch order for ``skip + steps`` steps."""
    train_split, validation = split_dataset(load_dataset(args.data_path), 0.1, args.seed)
    train = [s for s in train_split[:: args.every] if len(tokenize_sample(s, tokenizer).tokens) <= MAX_LENGTH]
    heldout = select_validation_samples(validation, args.heldout, args.seed)
    total = args.skip + args.steps
    order = [batch_indices(step, args.batch_size, len(train), args.seed) for step in range(total)]
    return Workload(train, heldout, order)


def lora_targets(model: torch.nn.Module) -> list[str]:
    """Leaf names of the linear layers inside attention and MLP blocks: the layers our engine adapts when
    ``train_unembed=False`` (checked against the adapter config it saves)."""
    targets = set()
    for name, module in model.named_modules():
        lowered = name.lower()
        if isinstance(module, torch.nn.Linear) and any(k in lowered for k in ("attn", "attention", "mlp")):
            targets.add(name.rsplit(".", 1)[-1])
    return sorted(targets)


def heldout_loss(model_dir: str, adapter_dir: str | None, rows: Sequence[TokenizedSample]) -> float:
    """Mean -logprob per completion token of ``rows`` under the base model (+ adapter): a plain fp32 forward."""
    from transformers import AutoModelForCausalLM

    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter_dir)
    model.eval()
    total, count = 0.0, 0.0
    with torch.no_grad():
        for start in range(0, len(rows), 8):
            chunk = rows[start : start + 8]
            width = max(len(r.tokens) for r in chunk)
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            weights = torch.zeros((len(chunk), width), dtype=torch.float32)
            for i, r in enumerate(chunk):
                ids[i, : len(r.tokens)] = torch.tensor(r.tokens)
                mask[i, : len(r.tokens)] = 1
                weights[i, : len(r.tokens)] = torch.tensor(r.weights)
            logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            logprobs = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
            total += float(-(logprobs * weights[:, 1:]).sum())
            count += float(weights[:, 1:].sum())
    return total / count


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# -- one side's result ------------------------------------------------------------------------------------------------
@dataclass
class SideResult:
    side: str
    settings: dict[str, Any]
    step_seconds: list[float] = field(default_factory=list)
    train_losses: list[float] = field(default_factory=list)
    input_tokens: list[int] = field(default_factory=list)  # non-pad tokens per step
    target_tokens: list[int] = field(default_factory=list)  # weighted (loss) tokens per step
    computed: list[StepCounts] = field(default_factory=list)  # what the side ran, per step
    useful: list[StepCounts] = field(default_factory=list)  # the minimal work, the same for both sides
    peak_rss_mib: float = 0.0
    heldout_loss: float = math.nan
    adapter: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SideResult:
        counts = {k: [StepCounts(**c) for c in data[k]] for k in ("computed", "useful")}
        return cls(**{**data, **counts})


def useful_counts(rows: Sequence[TokenizedSample]) -> StepCounts:
    """Each row once (its ``len - 1`` shifted inputs), logits only where the loss is."""
    lengths = [len(r.tokens) - 1 for r in rows]
    return StepCounts(sum(lengths), int(sum(sum(r.weights[1:]) for r in rows)), lengths)


def adapter_summary(adapter_dir: str) -> dict[str, Any]:
    config = json.loads((Path(adapter_dir) / "adapter_config.json").read_text(encoding="utf-8"))
    return {
        "target_modules": sorted(config["target_modules"]),
        "r": config["r"],
        "lora_alpha": config["lora_alpha"],
        "lora_dropout": config["lora_dropout"],
    }


def resolved_precision(requested: str) -> str:
    """``auto``: bf16 only where the CPU computes it natively (as our engine decides), else fp32."""
    if requested != "auto":
        return requested
    return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"


# -- taking turns -----------------------------------------------------------------------------------------------------
class Turns:
    """Lockstep between the two side processes: each timed step runs only while the other side waits.

    The machine is shared, so its load drifts; alternating single steps exposes both sides to the same conditions
    and never lets them compete for the cores. ``spec`` is ``"grant_fd,done_fd"`` from the parent, or ``None``
    (one side alone: no waiting).
    """

    def __init__(self, spec: str | None) -> None:
        self._fds = tuple(int(fd) for fd in spec.split(",")) if spec else None

    def ready(self) -> None:
        """Set-up is done: the parent may start handing out steps."""
        if self._fds:
            os.write(self._fds[1], b"r")

    def acquire(self) -> None:
        """Block until it is this side's turn to run a step."""
        if self._fds and os.read(self._fds[0], 1) != b"g":
            raise RuntimeError("the parent benchmark process went away")

    def release(self) -> None:
        if self._fds:
            os.write(self._fds[1], b"d")

    def finish(self) -> None:
        """Block until both sides have run all their steps (so that no evaluation overlaps a timed step)."""
        self.acquire()


class Conductor:
    """The parent's end of :class:`Turns`: starts one child per side and hands out steps alternately."""

    def __init__(self, command: list[str], sides: Sequence[str], result_dir: Path) -> None:
        self.children: dict[str, tuple[subprocess.Popen[bytes], int, int]] = {}
        for side in sides:
            grant_r, grant_w = os.pipe()
            done_r, done_w = os.pipe()
            spec = f"{grant_r},{done_w}"
            argv = [*command, "--only", side, "--result_json", str(result_dir / f"{side}.json"), "--turn_fds", spec]
            process = subprocess.Popen(argv, pass_fds=(grant_r, done_w))
            os.close(grant_r)
            os.close(done_w)
            self.children[side] = (process, grant_w, done_r)

    def _wait(self, side: str, expected: bytes) -> None:
        process, _, done_r = self.children[side]
        if os.read(done_r, 1) != expected:
            process.wait()
            raise RuntimeError(f"the {side} benchmark process stopped (exit code {process.returncode})")

    def run(self, steps: int) -> None:
        try:
            for side in self.children:
                self._wait(side, b"r")
            sides = list(self.children)
            for step in range(steps):
                for side in sides if step % 2 == 0 else sides[::-1]:  # alternate who goes first
                    os.write(self.children[side][1], b"g")
                    self._wait(side, b"d")
            for _, grant_w, _ in self.children.values():
                os.write(grant_w, b"g")  # Turns.finish: all steps done, evaluate
            for side, (process, _, _) in self.children.items():
                if process.wait() != 0:
                    raise RuntimeError(f"the {side} benchmark process failed (exit code {process.returncode})")
        finally:
            for process, grant_w, done_r in self.children.values():
                os.close(grant_w)
                os.close(done_r)
                if process.poll() is None:
                    process.kill()
                    process.wait()


# -- (a) ours ---------------------------------------------------------------------------------------------------------
def ours_step_counts(client: Any, batch_rows: Sequence[TokenizedSample]) -> StepCounts:
    """What our engine computed in its last ``forward_backward``.

    If the training client reports it (attribute ``last_step_counts``: a mapping with ``tokens``,
    ``logit_positions`` and ``attention_lengths`` or ``attention_pairs``), that is used: our local engine does.
    Otherwise every row is counted in full: its ``len - 1`` inputs through the model, logits at every one of them,
    one causal attention per row.
    """
    reported = getattr(client, "last_step_counts", None)
    if isinstance(reported, Mapping) and reported:
        pairs = reported.get("attention_pairs")
        return StepCounts(
            int(reported["tokens"]),
            int(reported["logit_positions"]),
            [int(n) for n in reported.get("attention_lengths", [])],
            None if pairs is None else int(pairs),
        )
    lengths = [len(r.tokens) - 1 for r in batch_rows]
    return StepCounts(sum(lengths), sum(lengths), lengths)


async def run_ours(args: argparse.Namespace, precision: str, work_dir: Path, turns: Turns) -> SideResult:
    from tinker import types

    from sft.datum_builder import build_datum
    from sft.engines.local import LocalServiceClient
    from sft.engines.models import resolve_model_dir

    service = LocalServiceClient(save_root=work_dir, device="cpu", precision=precision)
    client = await service.create_lora_training_client(
        base_model=LOCAL_BASE_MODEL, rank=args.rank, seed=args.seed, train_unembed=False
    )
    tokenizer = client.get_tokenizer()
    work = make_workload(args, tokenizer)
    rows = [tokenize_sample(s, tokenizer) for s in work.train]
    datums = [build_datum(s, tokenizer, MAX_LENGTH) for s in work.train]

    def normalised(batch: list[Any]) -> list[Any]:
        """The batch with weights / (weighted tokens in the batch): the summed loss becomes the mean-token loss."""
        weighted = sum(float(d.loss_fn_inputs["weights"].to_numpy().sum()) for d in batch)
        return [
            types.Datum(
                model_input=d.model_input,
                loss_fn_inputs={
                    "target_tokens": d.loss_fn_inputs["target_tokens"].to_numpy(),
                    "weights": (d.loss_fn_inputs["weights"].to_numpy() / weighted).astype(np.float32),
                },
            )
            for d in batch
        ]

    batches = [normalised([datums[i] for i in idx]) for idx in work.order]
    settings = {"precision": precision, "threads": torch.get_num_threads(), "optimizer": "the engine's AdamW"}
    result = SideResult("ours", settings)
    turns.ready()
    for step, (idx, batch) in enumerate(zip(work.order, batches)):
        adam = types.AdamParams(
            learning_rate=learning_rate_at(step, len(batches), args.learning_rate, args.lr_schedule, args.lr_warmup),
            beta1=args.beta1,
            beta2=args.beta2,
            eps=args.eps,
            weight_decay=0.0,
            grad_clip_norm=args.grad_clip_norm,
        )
        turns.acquire()
        start = time.perf_counter()
        fwd_bwd_future = client.forward_backward(batch, "cross_entropy")
        optim_future = client.optim_step(adam)
        fwd_bwd, _ = await fwd_bwd_future, await optim_future
        result.step_seconds.append(time.perf_counter() - start)
        turns.release()
        batch_rows = [rows[i] for i in idx]
        result.train_losses.append(float(fwd_bwd.metrics["loss:sum"]))
        result.input_tokens.append(sum(d.model_input.length for d in batch))
        result.target_tokens.append(int(sum(sum(r.weights[1:]) for r in batch_rows)))
        result.computed.append(ours_step_counts(client, batch_rows))
        result.useful.append(useful_counts(batch_rows))
        print(f"  ours step {step + 1}/{len(batches)}: {result.step_seconds[-1]:.2f} s", flush=True)
    result.peak_rss_mib = peak_rss_mib()
    turns.finish()

    saved = await client.save_weights_for_sampler("bench")
    result.adapter = adapter_summary(saved.path)
    model_dir, _ = resolve_model_dir(LOCAL_BASE_MODEL)
    result.heldout_loss = heldout_loss(model_dir, saved.path, [tokenize_sample(s, tokenizer) for s in work.heldout])
    return result


# -- (b) TRL ----------------------------------------------------------------------------------------------------------
def trl_batch_stats(inputs: Mapping[str, torch.Tensor]) -> tuple[int, int, StepCounts]:
    """(non-pad tokens, loss tokens, computed counts) of one collated TRL batch.

    Padded: every position of the (B, W) batch runs, and TRL's fused LM head scores every shifted position on CPU
    (it compacts to the loss positions only on CUDA/XPU with Triton). Padding-free: one packed row of T tokens,
    attended as one causal T x T computation with a block-diagonal mask.
    """
    rows, width = inputs["input_ids"].shape
    targets = int((inputs["labels"][:, 1:] != -100).sum())
    non_pad = int(inputs["attention_mask"].sum()) if "attention_mask" in inputs else rows * width
    return non_pad, targets, StepCounts(rows * width, rows * (width - 1), [width] * rows)


def check_trl_labels(trainer: Any, rows: Sequence[TokenizedSample], padding_free: bool) -> str:
    """Collate the first batch as TRL does and check its labels: the token id exactly where our weight is 1."""
    batch_size = trainer.args.per_device_train_batch_size
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(batch_size)])
    # Each row's first token is an instruction token, so the packed layout's masking of row starts changes nothing.
    expected = [[t if w > 0 else -100 for t, w in zip(r.tokens, r.weights)] for r in rows[:batch_size]]
    if padding_free:
        want = torch.tensor([[label for e in expected for label in e]])
    else:
        width = max(len(e) for e in expected)
        want = torch.tensor([e + [-100] * (width - len(e)) for e in expected])
    got = batch["labels"]
    if got.shape != want.shape or not torch.equal(got, want):
        raise AssertionError("TRL's collated labels differ from our completion weights")
    return f"labels of the first collated batch match our weights ({int((want != -100).sum())} loss tokens)"


def padding_free_matches(model: Any, rows: Sequence[TokenizedSample], pad_id: int) -> bool:
    """Whether a packed (padding-free) forward of a few rows gives the padded forward's loss on this model/CPU."""
    from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

    examples = [
        {"input_ids": r.tokens, "labels": [t if w > 0 else -100 for t, w in zip(r.tokens, r.weights)]} for r in rows
    ]
    losses = []
    for free in (False, True):
        batch = DataCollatorForLanguageModeling(pad_token_id=pad_id, padding_free=free)(examples)
        batch = {k: v for k, v in batch.items() if k in ("input_ids", "labels", "attention_mask", "position_ids")}
        with torch.no_grad():  # no KV cache, as in TRL's compute_loss: with one, the packed rows attend to each other
            losses.append(float(model(**batch, use_cache=False).loss))
    return abs(losses[0] - losses[1]) <= 1e-4 * abs(losses[0])


def run_trl(args: argparse.Namespace, precision: str, work_dir: Path, turns: Turns) -> SideResult:
    from datasets import Dataset, disable_progress_bars
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, PrinterCallback, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    from sft.engines.models import load_tokenizer, resolve_model_dir

    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(len(os.sched_getaffinity(0)))  # as our engine does
    disable_progress_bars()
    model_dir, _ = resolve_model_dir(LOCAL_BASE_MODEL)
    tokenizer = load_tokenizer(LOCAL_BASE_MODEL)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    work = make_workload(args, tokenizer)
    rows = [tokenize_sample(s, tokenizer) for s in work.train]
    ordered = [rows[i] for idx in work.order for i in idx]

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    targets = lora_targets(model)
    torch.manual_seed(args.seed)  # the same initial adapter as our engine's (it seeds right before wrapping)
    lora = LoraConfig(
        r=args.rank,
        lora_alpha=LORA_SCALE_LOCAL * args.rank,  # the scale our engine uses by default, so both train the same
        target_modules=targets,
        lora_dropout=0.0,
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)

    padding_free = args.padding_free == "on"
    padding_free_note = "on (--padding_free on)"
    if args.padding_free == "auto":
        padding_free = padding_free_matches(model, ordered[: args.batch_size], tokenizer.pad_token_id)
        padding_free_note = "on (packed loss == padded loss)" if padding_free else "off (packed loss != padded loss)"
    elif args.padding_free == "off":
        padding_free_note = "off (--padding_free off)"

    total_steps = len(work.order)
    config = SFTConfig(
        output_dir=str(work_dir / "trl"),
        max_steps=total_steps,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=1,
        learning_rate=args.learning_rate,
        adam_beta1=args.beta1,
        adam_beta2=args.beta2,
        adam_epsilon=args.eps,
        weight_decay=0.0,
        max_grad_norm=args.grad_clip_norm,
        bf16=precision == "bf16",  # TRL defaults to bf16=True: ~100x slower on a CPU without native bf16
        fp16=False,
        gradient_checkpointing=args.gradient_checkpointing,  # TRL defaults to True
        padding_free=padding_free,
        max_length=None,  # rows are already limited to MAX_LENGTH, as our datums are
        completion_only_loss=True,
        shuffle_dataset=False,
        train_sampling_strategy="sequential",  # the dataset is already in sft.train's batch order
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
        report_to="none",
        save_strategy="no",
        eval_strategy="no",
        logging_strategy="no",
        disable_tqdm=True,
        use_cpu=True,
        seed=args.seed,
    )
    dataset = Dataset.from_dict(
        {
            "input_ids": [r.tokens for r in ordered],
            "completion_mask": [[int(w > 0) for w in r.weights] for r in ordered],
        }
    )
    trainable = [p for p in model.parameters() if p.requires_grad]
    # TRL's default optimizer is fused AdamW ("adamw_torch_fused"); ours is given with our schedule.
    optimizer = torch.optim.AdamW(
        trainable, lr=args.learning_rate, betas=(args.beta1, args.beta2), eps=args.eps, weight_decay=0.0, fused=True
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: (
            learning_rate_at(step, total_steps, args.learning_rate, args.lr_schedule, args.lr_warmup)
            / args.learning_rate
        ),
    )

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.seconds: list[float] = []
            self._start = 0.0

        def on_train_begin(self, *_: Any, **__: Any) -> None:
            turns.ready()  # after the Trainer's own set-up

        def on_step_begin(self, *_: Any, **__: Any) -> None:
            turns.acquire()
            self._start = time.perf_counter()

        def on_step_end(self, *_: Any, **__: Any) -> None:
            self.seconds.append(time.perf_counter() - self._start)
            turns.release()
            print(f"  trl step {len(self.seconds)}/{total_steps}: {self.seconds[-1]:.2f} s", flush=True)

    class RecordingSFTTrainer(SFTTrainer):
        """SFTTrainer that keeps each step's batch and loss (references only; read after training)."""

        def training_step(self, model: Any, inputs: dict[str, Any], *rest: Any, **kwargs: Any) -> torch.Tensor:
            loss = super().training_step(model, inputs, *rest, **kwargs)
            self.bench_steps.append(
                ({k: inputs[k] for k in ("input_ids", "labels", "attention_mask") if k in inputs}, loss)
            )
            return loss

    timer = StepTimer()
    trainer = RecordingSFTTrainer(
        model=model,
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
        optimizers=(optimizer, scheduler),
        callbacks=[timer],
    )
    trainer.remove_callback(PrinterCallback)  # it prints the end-of-training summary; nothing else logs
    trainer.bench_steps = []
    label_check = check_trl_labels(trainer, ordered, padding_free)
    print(f"  trl: {label_check}", flush=True)
    trainer.train()
    turns.finish()

    settings = {
        "precision": precision,
        "threads": torch.get_num_threads(),
        "optimizer": "AdamW fused (TRL's default)",
        "padding_free": padding_free_note,
        "gradient_checkpointing": args.gradient_checkpointing,
        "attention": model.config._attn_implementation,
        "label_check": label_check,
    }
    result = SideResult("trl", settings, timer.seconds, [float(loss) for _, loss in trainer.bench_steps])
    result.peak_rss_mib = peak_rss_mib()
    for step, (inputs, _) in enumerate(trainer.bench_steps):
        non_pad, targets, computed = trl_batch_stats(inputs)
        result.input_tokens.append(non_pad)
        result.target_tokens.append(targets)
        result.computed.append(computed)
        # The useful work is that of our rows (TRL also runs each row's last token, whose prediction is unused).
        result.useful.append(useful_counts(ordered[step * args.batch_size : (step + 1) * args.batch_size]))
    adapter_dir = work_dir / "trl-adapter"
    trainer.model.save_pretrained(str(adapter_dir))
    result.adapter = adapter_summary(str(adapter_dir))
    result.heldout_loss = heldout_loss(
        model_dir, str(adapter_dir), [tokenize_sample(s, tokenizer) for s in work.heldout]
    )
    return result


# -- the report -------------------------------------------------------------------------------------------------------
def summarize(
    result: SideResult,
    args: argparse.Namespace,
    shape: ModelShape,
    peak: CpuPeak,
    measured: Mapping[str, float] | None = None,
) -> dict[str, float]:
    timed = slice(args.skip, None)
    seconds = result.step_seconds[timed]
    wall = sum(seconds)
    targets = result.adapter.get("target_modules", [])
    computed = sum(training_flops(shape, c, args.rank, targets).total for c in result.computed[timed])
    useful = sum(training_flops(shape, c, args.rank, targets).total for c in result.useful[timed])
    peak_flops = peak.flops(result.settings["precision"]) or peak.flops("fp32") or math.nan
    median = statistics.median(seconds)
    return {
        "s/step (median)": median,
        "samples/s": args.batch_size / median,
        "tokens/s (non-pad)": sum(result.input_tokens[timed]) / wall,
        "target tokens/s": sum(result.target_tokens[timed]) / wall,
        "GFLOP/step computed": computed / len(seconds) / 1e9,
        "GFLOP/s computed": computed / wall / 1e9,
        "MFU computed %": 100 * computed / wall / peak_flops,
        "MFU useful %": 100 * useful / wall / peak_flops,
        **(
            {"% of measured matmul": 100 * computed / wall / measured[result.settings["precision"]]}
            if measured and result.settings["precision"] in measured
            else {}
        ),
        "peak RSS MiB": result.peak_rss_mib,
        "train loss, last step": result.train_losses[-1],
        "held-out loss": result.heldout_loss,
    }


def print_report(
    results: Sequence[SideResult],
    args: argparse.Namespace,
    shape: ModelShape,
    peak: CpuPeak,
    base_loss: float | None,
    measured: Mapping[str, float] | None = None,
) -> None:
    print()
    print(
        f"{args.steps} timed steps after {args.skip} warm-up steps, batch {args.batch_size}, LoRA rank {args.rank}, "
        f"lr {args.learning_rate:g} ({args.lr_schedule} after {args.lr_warmup} warm-up steps)"
    )
    print(f"peak: {peak.describe()}")
    for precision, flops in (measured or {}).items():
        nominal = peak.flops(precision)
        note = ""
        if nominal and flops > nominal:
            note = (
                f": above the nominal {nominal / 1e9:.1f} GFLOP/s, so the clock in use is above the one reported "
                "and the MFU rows overstate; read '% of measured matmul'"
            )
        print(f"measured: a dense 2048^3 {precision} matrix product runs at {flops / 1e9:.1f} GFLOP/s{note}")
    for r in results:
        settings = ", ".join(f"{k} {v}" for k, v in r.settings.items() if k != "label_check")
        print(f"{LABEL[r.side]}: {settings}")
        print(f"  LoRA: {r.adapter}")
        print(f"  step seconds: {' '.join(f'{t:.2f}' for t in r.step_seconds)} (first {args.skip} not timed)")
    rows = [summarize(r, args, shape, peak, measured) for r in results]
    header = f"{'':24}" + "".join(f"{LABEL[r.side]:>22}" for r in results)
    if len(results) == 2:
        header += f"{'ours/TRL':>12}"
    print(header)
    for key in rows[0]:
        line = f"{key:24}" + "".join(f"{row[key]:22.4g}" for row in rows)
        if len(results) == 2:
            line += f"{rows[0][key] / rows[1][key]:12.3f}"
        print(line)
    if len(results) == 2:
        ours, trl = results
        speed = rows[0]["samples/s"] / rows[1]["samples/s"]
        print(
            f"speed: ours runs {speed:.2f}x TRL's samples/s (median step {rows[0]['s/step (median)']:.2f} s vs "
            f"{rows[1]['s/step (median)']:.2f} s)"
        )
        if ours.target_tokens != trl.target_tokens:
            print(
                "WARNING: the sides trained on different batches: loss tokens per step "
                f"{ours.target_tokens} vs {trl.target_tokens}"
            )
        if ours.adapter != trl.adapter:
            print(f"WARNING: the adapters differ: {ours.adapter} vs {trl.adapter}")
        gap = max(abs(a - b) for a, b in zip(ours.train_losses, trl.train_losses))
        print(
            f"learning: largest per-step train-loss difference {gap:.2e}; held-out loss ours {ours.heldout_loss:.5f}, "
            f"TRL {trl.heldout_loss:.5f}, difference {ours.heldout_loss - trl.heldout_loss:+.2e}"
            + (f" (untrained: {base_loss:.5f})" if base_loss is not None else "")
        )


# -- main -------------------------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=12, help="timed steps (after --skip warm-up steps)")
    parser.add_argument("--skip", type=int, default=2, help="first steps trained but not timed")
    parser.add_argument("--batch_size", type=int, default=defaults.batch_size)
    parser.add_argument("--rank", type=int, default=defaults.lora_rank)
    parser.add_argument("--learning_rate", type=float, default=LEARNING_RATE_LOCAL)
    parser.add_argument("--lr_schedule", default=defaults.lr_schedule, choices=["linear", "cosine", "constant"])
    parser.add_argument("--lr_warmup", type=int, default=defaults.warmup_steps, help="learning-rate warm-up steps")
    parser.add_argument("--beta1", type=float, default=defaults.beta1)
    parser.add_argument("--beta2", type=float, default=defaults.beta2)
    parser.add_argument("--eps", type=float, default=defaults.eps)
    parser.add_argument("--grad_clip_norm", type=float, default=defaults.grad_clip_norm)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--data_path", default=DATA_PATH)
    parser.add_argument("--every", type=int, default=7, help="train on every N-th record of the training split")
    parser.add_argument("--heldout", type=int, default=32, help="validation rows for the held-out loss")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    parser.add_argument("--padding_free", default="auto", choices=["auto", "on", "off"], help="TRL side")
    parser.add_argument("--gradient_checkpointing", action="store_true", help="TRL side (off: faster here)")
    parser.add_argument("--only", choices=SIDES, help="run one side, in this process")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 timed steps, batch 4, 8 held-out rows")
    parser.add_argument("--result_json", help=argparse.SUPPRESS)  # set by the parent for its child processes
    parser.add_argument("--turn_fds", help=argparse.SUPPRESS)  # likewise: the pipes of Turns
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.skip, args.batch_size, args.heldout = 2, 1, 4, 8
    return args


def run_side(side: str, args: argparse.Namespace) -> SideResult:
    precision = resolved_precision(args.precision)
    turns = Turns(args.turn_fds)
    with tempfile.TemporaryDirectory(prefix=f"bench-vs-trl-{side}-") as tmp:
        if side == "ours":
            return asyncio.run(run_ours(args, precision, Path(tmp), turns))
        return run_trl(args, precision, Path(tmp), turns)


def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    args = parse_args(argv)
    from sft.engines.models import load_tokenizer, resolve_model_dir

    model_dir, _ = resolve_model_dir(LOCAL_BASE_MODEL)
    shape = ModelShape.from_config(json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8")))
    if args.only:
        result = run_side(args.only, args)
        if args.result_json:
            Path(args.result_json).write_text(json.dumps(asdict(result)), encoding="utf-8")
            return 0
        print_report([result], args, shape, this_cpu_peak(), None)
        return 0

    print(f"running both sides in lockstep, one process each: {', '.join(LABEL[s] for s in SIDES)}", flush=True)
    command = [sys.executable, str(Path(__file__).resolve()), *(argv if argv is not None else sys.argv[1:])]
    with tempfile.TemporaryDirectory(prefix="bench-vs-trl-") as tmp:
        load_before = os.getloadavg()[0]
        Conductor(command, SIDES, Path(tmp)).run(args.skip + args.steps)
        load_after = os.getloadavg()[0]
        results = [
            SideResult.from_json(json.loads((Path(tmp) / f"{s}.json").read_text(encoding="utf-8"))) for s in SIDES
        ]
    tokenizer = load_tokenizer(LOCAL_BASE_MODEL)
    work = make_workload(args, tokenizer)
    base_loss = heldout_loss(model_dir, None, [tokenize_sample(s, tokenizer) for s in work.heldout])
    precisions = sorted({r.settings["precision"] for r in results})
    measured = {p: measured_matmul_flops(p) for p in precisions}
    print_report(results, args, shape, this_cpu_peak(), base_loss, measured)
    print(f"machine load (1-min load average) before / after the steps: {load_before:.2f} / {load_after:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
