"""The FLOP counter and CPU-peak derivation of benchmarks/bench_vs_trl.py, checked against real model shapes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_vs_trl.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_vs_trl", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_vs_trl"] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_shape_counts_match_the_real_model(bench, tiny_model_dir: Path) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    shape = bench.ModelShape.from_config(json.loads((tiny_model_dir / "config.json").read_text()))
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir), dtype=torch.float32)
    linear = sum(m.weight.numel() for m in model.model.layers.modules() if isinstance(m, torch.nn.Linear))
    assert shape.linear_params() == linear
    assert model.lm_head.weight.shape == (shape.vocab, shape.hidden)

    targets = bench.lora_targets(model)
    assert targets == ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=4, target_modules=targets))
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    assert shape.lora_params(4, targets) == trainable


def test_training_flops_by_hand(bench) -> None:
    shape = bench.ModelShape(layers=2, hidden=8, heads=2, kv_heads=1, head_dim=4, intermediate=16, vocab=100)
    # per layer: q 8x8, k 8x4, v 8x4, o 8x8, gate/up 8x16, down 16x8
    assert shape.linear_params() == 2 * (64 + 32 + 32 + 64 + 128 * 3)
    counts = bench.StepCounts(tokens=10, logit_positions=3, attention_lengths=[4, 6])
    flops = bench.training_flops(shape, counts, lora_rank=0, lora_targets=[])
    linear, head = 2 * 1152 * 10, 2 * 8 * 100 * 3  # 1152 linear weights in all; 3 logit positions
    attention = 2 * 2 * (10 + 21) * 8 * 2  # causal pairs s(s+1)/2: 10 and 21; heads x head_dim 8; 2 layers
    assert flops.forward == linear + head + attention
    assert flops.backward == linear + head + 2 * attention

    lora = bench.training_flops(shape, counts, lora_rank=2, lora_targets=["q_proj"])
    q_lora = 2 * 2 * (8 + 8)  # 2 layers x rank 2 x (in + out)
    assert lora.forward - flops.forward == 2 * q_lora * 10
    assert lora.backward - flops.backward == 4 * q_lora * 10


CPUINFO = """processor\t: 0
model name\t: Some CPU
cpu MHz\t\t: {mhz}
flags\t\t: fpu sse sse2 {flags}

processor\t: 1
cpu MHz\t\t: 1800.000
flags\t\t: fpu sse sse2 {flags}
"""


@pytest.mark.parametrize(
    ("flags", "fp32", "bf16"),
    [
        ("avx avx2 fma", 32, None),
        ("avx avx2 fma avx512f", 64, None),
        ("avx avx2 fma avx512f avx512_bf16", 64, 128),
        ("avx avx2 fma avx512f amx_bf16 amx_tile", 64, 1024),
        ("avx", 16, None),
        ("", 8, None),
    ],
)
def test_cpu_peak_from_flags(bench, flags: str, fp32: int, bf16: int | None) -> None:
    peak = bench.cpu_peak(CPUINFO.format(mhz="2000.000", flags=flags), None, cores=2)
    assert (peak.fp32_per_cycle, peak.bf16_per_cycle) == (fp32, bf16)
    assert peak.flops("fp32") == 2 * 2000e6 * fp32
    assert peak.clock_source == "/proc/cpuinfo cpu MHz"
    assert (peak.flops("bf16") is None) == (bf16 is None)


def test_cpu_peak_prefers_lscpu_max_clock(bench) -> None:
    lscpu = "Model name: Some CPU\nCPU max MHz:                        3500.0000\nCPU min MHz: 400.0000\n"
    peak = bench.cpu_peak(CPUINFO.format(mhz="2000.000", flags="avx2 fma"), lscpu, cores=4)
    assert (peak.mhz, peak.clock_source) == (3500.0, "lscpu CPU max MHz")
    assert peak.flops("fp32") == 4 * 3500e6 * 32
    assert "GFLOP/s" in peak.describe()


def test_this_machine_has_a_peak(bench) -> None:
    if not Path("/proc/cpuinfo").is_file():
        pytest.skip("no /proc/cpuinfo")
    peak = bench.this_cpu_peak()
    assert peak.cores >= 1 and peak.mhz > 0 and peak.flops("fp32") > 0


def test_mfu_is_also_reported_against_a_measured_matmul(bench, capsys) -> None:
    measured = bench.measured_matmul_flops("fp32", size=256, repeats=2)
    assert 1e8 < measured < 1e14  # a real product was timed
    # A nominal peak below what the CPU sustains (a virtual CPU reporting its base clock) is called out.
    peak = bench.cpu_peak(CPUINFO.format(mhz="1000.000", flags="avx2 fma"), None, cores=1)  # 1.8 GHz x 32
    shape = bench.ModelShape(layers=2, hidden=8, heads=2, kv_heads=1, head_dim=4, intermediate=16, vocab=100)
    counts = bench.StepCounts(tokens=10, logit_positions=3, attention_lengths=[4, 6])
    result = bench.SideResult(
        side="ours",
        settings={"precision": "fp32"},
        step_seconds=[1.0, 0.5, 0.5],
        train_losses=[1.0, 0.9, 0.8],
        input_tokens=[10] * 3,
        target_tokens=[3] * 3,
        computed=[counts] * 3,
        useful=[counts] * 3,
        adapter={"target_modules": []},
    )
    args = bench.parse_args(["--steps", "2", "--skip", "1"])
    row = bench.summarize(result, args, shape, peak, {"fp32": 1e12})
    computed_flops = bench.training_flops(shape, counts, args.rank, []).total
    assert row["% of measured matmul"] == pytest.approx(100 * computed_flops / 0.5 / 1e12)
    assert row["MFU computed %"] == pytest.approx(100 * computed_flops / 0.5 / peak.flops("fp32"))
    bench.print_report([result], args, shape, peak, None, {"fp32": 1e12})
    out = capsys.readouterr().out
    assert "runs at 1000.0 GFLOP/s: above the nominal 57.6 GFLOP/s" in out and "% of measured matmul" in out
