"""Validation gate (CTest label `validation`): the simulator against every
published training run it can reproduce — the shared table
(../shared/validation) and the project's own rows
(tests/validation/published-runs.csv, sources in each row). Prints the table.

Gates (docs/simulator-model.md, "Validation"): the shared table's rows within
20% (the issue's per-row target; 15% until the overlap-interference term moved
MLM-H100-32B, whose exposed DP reduction was already pessimistic, from +14.5%
to +17.4%) and median 7% (the model was developed against them); the project rows,
which no constant was fitted to, within the limits below — the issue's target
(every row within 20%, median 7%) is not met yet and the limits are the
measured state, so a change that makes predictions worse fails here."""
import csv
import os
import re
import statistics
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import validation_table as published  # noqa: E402

MAX_ROW_ERROR = 0.20
MAX_MEDIAN_ERROR = 0.07
# Project rows (published runs the model was not developed on).
PROJECT_MIN_ROWS = 180  # 201 simulated of 202 (session 21: 17 NeMo long-context rows, MegaScale's six 530B MFU rows
# read by the count its Table 2 implies; session 18: the four NVFP4 rows simulated; session 16: eleven 26.02.01
# Megatron-Bridge configurations added; session 15: six Megatron-LM model-TFLOP/s rows read by its own count)
PROJECT_MAX_MEDIAN_ERROR = 0.09  # measured 8.6% of 201 rows (session 21; 8.4% of 178 in sessions 15-20)
# Measured 174 of 201 (session 21); 150 of 178 in sessions 19 and 20, 149 in session 18, 146 of 174 in session 17.
PROJECT_MIN_WITHIN_20 = 171
PROJECT_MAX_ROW_ERROR = 0.55  # measured 53.5%: Qwen3-30B-A3B on 16 H100 (26.02), whose source gives three values;
# session 16's 63.7% (Llama 3 70B on 64 GB300 MXFP8) reads its layout from the recipe since session 17: +11.7%
PROJECT_MAX_NOT_FITTING = 0  # all 196 rows fit since session 13 (the shared Nemotron-340B: fp8 compute weights only)
# Rows with published memory per GPU (the issue's target: every one within 10%).
MEMORY_MAX_MEDIAN_ERROR = 0.10  # measured 7.8% (session 21: loss_parallel's four fp32 copies; 8.3% since session 11)
MEMORY_MIN_WITHIN_10 = 13  # measured 14 of 20 (13 before session 21)

KNOWN_GPUS = {"A100-SXM4-40GB", "A100-SXM4-80GB", "H100-SXM5-80GB", "H200-SXM-141GB", "H800", "B200", "B300", "GB200",
              "GB300", "MI300X"}


@pytest.fixture(scope="module")
def comparison(cb_bin):
    return published.compare(cb_bin)


def _print(results, skipped, capsys):
    with capsys.disabled():
        print()
        print(f"{'id':<52} {'published s':>11} {'simulated s':>11} {'error':>8}")
        for r in results:
            print(f"{r['id']:<52} {r['pub']:>11.3f} {r['sim']:>11.3f} {100 * r['err']:>7.1f}%  "
                  f"({r['scenario']}; {'/'.join(r['class'])}; {r['how']}){'' if r['fits'] else ' DOES NOT FIT'}")
        for rid, why in skipped:
            print(f"not compared: {rid}: {why}")


def test_shared_rows_within_gate(comparison, capsys):
    results, skipped = comparison
    _print(results, skipped, capsys)
    shared = [r for r in results if r["set"] == "shared"]
    assert len(shared) >= 30, "most published rows must be reproducible"
    errors = [abs(r["err"]) for r in shared]
    worst = max(shared, key=lambda r: abs(r["err"]))
    assert abs(worst["err"]) <= MAX_ROW_ERROR, f"{worst['id']} off by {100 * worst['err']:.1f}%"
    assert statistics.median(errors) <= MAX_MEDIAN_ERROR, f"median error {100 * statistics.median(errors):.1f}%"


def test_project_rows_within_measured_limits(comparison):
    results, _ = comparison
    project = [r for r in results if r["set"] == "project"]
    assert len(project) >= PROJECT_MIN_ROWS, f"only {len(project)} project rows could be simulated"
    errors = [abs(r["err"]) for r in project]
    worst = max(project, key=lambda r: abs(r["err"]))
    assert statistics.median(errors) <= PROJECT_MAX_MEDIAN_ERROR, f"median {100 * statistics.median(errors):.1f}%"
    assert abs(worst["err"]) <= PROJECT_MAX_ROW_ERROR, f"{worst['id']} off by {100 * worst['err']:.1f}%"
    within = sum(e <= 0.2 for e in errors)
    assert within >= PROJECT_MIN_WITHIN_20, f"only {within} project rows within 20%"
    not_fitting = [r["id"] for r in results if not r["fits"]]
    assert len(not_fitting) <= PROJECT_MAX_NOT_FITTING, not_fitting


def test_memory_within_measured_limits(comparison):
    results, _ = comparison
    mems = [abs(r["mem_sim"] - r["mem_pub"]) / r["mem_pub"] for r in results if r["mem_pub"]]
    assert len(mems) >= 20
    assert statistics.median(mems) <= MEMORY_MAX_MEDIAN_ERROR, f"memory median {100 * statistics.median(mems):.1f}%"
    within = sum(e <= 0.1 for e in mems)
    assert within >= MEMORY_MIN_WITHIN_10, f"only {within} rows' memory within 10%"


def test_free_text_fields_are_read():
    """Tables in the shared format write GPU, precision, recomputation and source as prose; the generator reads
    them (a hidden table in that format is scored through CB_VALIDATION_CSV)."""
    assert published.gpu_key("A100-SXM4-80GB (Selene DGX A100)") == "A100-SXM4-80GB"
    assert published.gpu_key("A100 40GB") == "A100-SXM4-40GB"
    assert published.gpu_key("H100 (80GB SXM presumed; not stated)") == "H100-SXM5-80GB"
    assert published.gpu_key("DGX GB200 NVL72") == "GB200"
    assert published.gpu_key("B200") == "B200"
    assert published.gpu_key("DGX-B300") == "B300"
    assert published.gpu_key("MI250X") is None
    # The air-cooled MI350X is its own config (2.2 GHz, 1000 W), not the MI355X's (session 26).
    assert published.gpu_key("AMD Instinct MI350X VF") == "MI350X" and published.gpu_key("MI355X OAM") == "MI355X"
    assert published.gpu_peak("MI350X") == 2306.9e12 and published.gpu_peak("MI350X", "fp8") == 4613.7e12
    # V100 (session 26): DGX-2H's 450 W part where a row names it, else DGX-2's; no bf16, so its 16-bit peak is fp16's.
    assert published.gpu_key("V100-SXM3-32GB (DGX-2H)") == "V100-SXM3-32GB-H"
    assert published.gpu_key("V100-32GB") == "V100"
    assert published.gpu_key("AMD Instinct MI300X") == "MI300X" and published.gpu_peak("MI300X") == 1307.4e12
    assert published.gpu_peak("V100") == 125e12 and published.gpu_peak("V100-SXM3-32GB-H") == 130e12
    assert published.gpu_key("A800-SXM4-80GB") == "A800"
    assert [published.num(x) for x in ("2,048", "8 (TP)", "~400", "n/a", "", "—")] == [2048, 8, 400, None, None, None]
    assert published.precision_key("mixed precision 16-bit") == "bf16"
    assert published.precision_key("FP8-CS") == "fp8"
    assert published.precision_key("mxfp8") == "fp8"
    assert published.precision_key("fp16") == "fp16"
    assert published.precision_key("NVFP4") == "nvfp4"
    assert published.precision_key("fp4 (config *_fp4.sh; config_common_fp4.sh not stored)") == "nvfp4"
    # A config file named for it (session 24): "FP8=True ...; config name _fp4", the file's own name.
    assert published.precision_key("FP8=True, FP8_RECIPE=tensorwise; config name _fp4 (config_common_fp4.sh)") == \
        "nvfp4"
    assert published.precision_key("config_GB200_128x4x144xtp4pp8cp2_cg_fp4.sh") == "nvfp4"
    assert published.precision_key("bf16, no_fp4 variant") == "bf16"
    for words in ("config_nano_fp4.sh", "config_GB300_fp4_v2.sh"):  # "nano" is no "no"; "_v2" follows the name
        assert published.precision_key(words) == "nvfp4", words
    assert published.precision_key("bf16, disable_fp4") == "bf16" and published.precision_key("mx_fp4") is None
    for words in ("FP8 (log: fp8 true, fp8_recipe tensorwise, fp4 false)", "BF16, not FP4"):
        assert published.precision_key(words) != "nvfp4", words
    assert published.precision_key("MXFP4") is None
    # An fp8 named only to be turned off, or to compare with, is not the run's precision.
    for words in ("bf16 (fp8: false)", "bf16 (fp8: null)", "fp8=None", "FP8 not used", "FP8 not supported on A100",
                  "bf16 vs fp8", "bf16 instead of fp8"):
        assert published.precision_key(words) == "bf16", words
    assert published.precision_key("fp8 (TE fp8_hybrid) with bf16") == "fp8"
    assert published.precision_key("Float8 (torchao float8 on nn.Linear) + bf16") == "fp8"
    assert published.throughput_metric("tok/s") == ("tokens", None, 1.0)
    assert published.throughput_metric("tracked_stats throughput") == ("samples", None, 1.0)
    assert published.recompute_key("full activation recomputation") == "full"
    assert published.recompute_key("selective + sequence parallelism") == "selective"
    assert published.recompute_key("not stated") == "none"
    assert published.recompute_key("activation checkpointing") == "full"
    assert published.recompute_key("SAC (per-op)") == "selective"
    # JAX's policies by name (session 26): saving nothing is full; saving the projections' dots (those with no
    # dot_general batch dimension, Pax's SAVE_DOT_WITH_NO_BATCH_DIM; MaxText's "minimal") recomputes attention's.
    assert published.recompute_key("SAVE_NOTHING") == "full" and published.recompute_key("nothing_saveable") == "full"
    assert [published.recompute_key(t) for t in ("SAVE_DOT_WITH_NO_BATCH_DIM", "minimal_flash", "SAVE_DOT_ONLY")] == \
        ["selective"] * 3
    assert published.recompute_key("no activation checkpointing") == "none"
    assert published.recompute_key("--checkpoint-activations (Megatron-DeepSpeed)") == "full"
    assert published.recompute_key("rematerialization") == "full"
    assert published.recompute_key("Yes") == "full" and published.recompute_key("no") == "none"
    assert published.recompute_modules({"recompute": "MLP is not recomputed", "notes": ""}) == []
    assert published.recompute_key("recompute core attention") == "selective"
    assert published.recompute_modules({"recompute": "RMSNorm and MLA up-projection recomputed", "notes": ""}) == \
        ["layernorm", "mla_up_proj"]
    # MegaScale's baseline rows by their system's name, not MegaScale's own.
    megascale = {"source": "Jiang et al., MegaScale (arXiv:2402.15627v1), Table 2", "model": "GPT-style 175B"}
    assert published.megascale_baseline(dict(megascale, notes="System=Megatron-LM. Same row of Table 2"))
    assert not published.megascale_baseline(dict(megascale, notes="System=MegaScale (baseline = Megatron-LM "
                                                                    "commit 285068c8)"))
    assert not published.megascale_baseline({"source": "another paper", "notes": "System=Megatron-LM"})
    assert not published.megascale_baseline({"source": "Jin et al., MegaScale-MoE, arXiv:2505.11432",
                                             "notes": "System=Megatron-LM"})
    for words in ("none (activations_checkpoint_* null)", "checkpoint_activations: false",
                  "without --checkpoint-activations", "rematerialization disabled", "rematerialization: none"):
        assert published.recompute_key(words) == "none", words
    assert published.source_month({"source": "Narayanan et al., SC'21, Table 1"}) == 2101
    assert published.source_month({"source": "Korthikanti et al. 2022, Table 5"}) == 2201
    assert published.source_month({"source": "MT-NLG, arXiv:2201.11990, sec. 2.4"}) == 2201
    assert published.source_month({"source": "repo @df0289c2019ab, llama3_h100_202412_torchtitan.md"}) is None
    assert published.framework_of({"source": "NVIDIA NeMo docs/source/performance"}) == "nemo"
    assert published.framework_of({"source": "paper", "recompute": "full (DeepSpeed activation checkpointing)"}) == \
        "deepspeed"
    assert published.framework_of({"source": "x", "framework": "torchtitan"}) == "torchtitan"
    # Unstated shape fields come from a project row of the same model; a mixture-of-experts row whose
    # experts nobody states is refused rather than simulated dense.
    assert published.fill_shape({"model": "Meta-Llama-3-70B", "layers": ""})[0]["layers"] == "80"
    assert published.fill_shape({"model": "mistralai/Mixtral-8x7B-v0.1", "layers": ""})[0]["experts"] == "8"
    row, taken = published.fill_shape({"model": "DeepSeek-V3 671B", "layers": "", "notes": ""})
    assert row["experts"] == "256" and row["layers"] == "61" and "(MLA)" in row["notes"], taken
    assert published.fill_shape({"model": "Some-New-Model 9B", "layers": ""}) == ({"model": "Some-New-Model 9B",
                                                                                     "layers": ""}, "")
    text, why, _ = published.scenario_from_row({"model": "Arctic 480B MoE", "gpu": "H100", "precision": "bf16",
                                                "ep": "8"})
    assert text is None and "experts" in why
    # The experts in words, or in Megatron's arguments and Hugging Face's config keys.
    moe_row = {"id": "X", "model": "a 14B MoE", "gpu": "A100", "gpus": "8", "gpus_per_node": "8", "precision": "bf16",
               "layers": "24", "hidden": "2048", "heads": "16", "kv_heads": "16", "ffn": "5504", "vocab": "151936",
               "seq": "4096", "global_batch_seqs": "64", "micro_batch": "1", "tp": "1", "pp": "1", "dp": "8",
               "recompute": "", "metric": "tokens/s/GPU", "value": "1000"}
    for notes in ("8-expert MoE, top-2 routing", "--num-experts 8 --moe-router-topk 2 --moe-ffn-hidden-size 1408",
                  "num_local_experts: 8, num_experts_per_tok: 2"):
        text, _, how = published.scenario_from_row(dict(moe_row, notes=notes))
        assert text and "experts: 8" in text and "top_k: 2" in text, (notes, how)
        assert ("expert_ffn_hidden: 1408" in text) == ("1408" in notes), notes
    for notes, experts, top_k in (("8 expert-parallel ranks, 64 experts, top-6", "64", "6"),
                                  ("top-2 experts out of 8", "8", "2"), ("64 experts, top_k: 2", "64", "2"),
                                  ("256 routed experts, 8 activated experts", "256", "8")):
        text, _, how = published.scenario_from_row(dict(moe_row, notes=notes))
        assert text and f"experts: {experts}\n" in text and f"top_k: {top_k}\n" in text, (notes, how)
    # Published configurations of models no project row describes (tests/validation/model-shapes.csv), each with
    # the file it was read from; the longest name that starts the row's wins, so V2-Lite does not take V2's shape.
    shapes = list(csv.DictReader(open(published.MODEL_SHAPES)))
    assert shapes and all(r["source"].strip() and published.num(r["layers"]) for r in shapes)
    assert published.fill_shape({"model": "Qwen2.5-72B-Instruct", "layers": ""})[0]["hidden"] == "8192"
    assert published.fill_shape({"model": "DeepSeek-V2-Lite-Chat", "layers": ""})[0]["layers"] == "27"
    assert "(MLA)" in published.fill_shape({"model": "DeepSeek-V2", "layers": "", "notes": ""})[0]["notes"]
    # A point between digits is kept: Qwen2-57B-A14B is not Qwen2.5-7B; an organisation's repository path is cut.
    assert published.fill_shape({"model": "Qwen2-57B-A14B", "layers": ""})[1] == ""
    assert published.fill_shape({"model": "meta-llama/Llama-3.1-8B", "layers": ""})[0]["layers"] == "32"
    # Grok-1's shape is the project's own row's (from xai-org/grok-1's code), so a row naming it gets its experts.
    assert published.fill_shape({"model": "Grok-1 314B (MoE)", "layers": ""})[0]["experts"] == "8"
    # Throughput and time written in other words, and MFU against the row's own GPU's peak.
    shape = {"global_batch_seqs": "1024", "seq": "4096", "layers": "32", "hidden": "4096", "vocab": "32000",
             "gpus": "64", "gpu": "B200", "notes": ""}
    for metric, value in (("tokens per second per GPU", "1000"), ("tokens/s", "64000"), ("samples/s", "15.625")):
        assert published.published_step_time(dict(shape, metric=metric, value=value))[0] == 1024 * 4096 / 64000
    assert published.published_step_time(dict(shape, metric="time per step (s)", value="2.5"))[0] == 2.5
    # NeMo's logged name and the mean that NVIDIA dgxc-benchmarking's parse_train_timing.sh prints of it.
    for metric in ("train_step_timing in s", "Time Mean (s) over iterations 11-44"):
        assert published.published_step_time(dict(shape, metric=metric, value="2.5"))[0] == 2.5, metric
    assert published.published_step_time(dict(shape, metric="time to train (days)", value="2.5"))[0] is None
    assert published.published_step_time(dict(shape, metric="validation_step_timing in s", value="2.5"))[0] is None
    # "teraFLOP/s" spelled out; Narayanan et al.'s eq. 3 written in the notes is the count, and its recomputation.
    gpt = dict(shape, layers="24", hidden="2304", vocab="51200", seq="2048", global_batch_seqs="512", gpus="32",
               gpu="A100 80GB", metric="Achieved teraFLOP/s per GPU", value="137", recompute="")
    eq3 = published.published_step_time(dict(gpt, notes="F=96*B*s*l*h^2*(1+s/(6h)+V/(16*l*h)) (eq.3)"))
    model = published.published_step_time(gpt)
    L, h, V, seq = 24, 2304, 51200, 2048
    ratio = 96 * (1 + seq / (6 * h) + V / (16 * L * h)) / (72 * (1 + seq / (6 * h) + V / (12 * L * h)))
    assert eq3[0] and model[0] and abs(eq3[0] / model[0] / ratio - 1) < 1e-9, (eq3, model)
    assert published.counts_recomputed_forward(dict(gpt, notes="FLOPs as eq. 3, 96Bslh^2(1+s/6h+V/16lh)"))
    assert not published.counts_recomputed_forward(dict(gpt, metric="MFU (72BLsh^2(1+s/6h+v/12hL))",
                                                         notes="HFU uses 96*B*s*l*h"))
    # A run is no older than its model: an undated Qwen3 row is 2025's.
    assert published.source_month({"source": "yanring/Megatron-MoE-ModelZoo readme", "model": "Qwen3-235B-A22B"}) \
        == 2504
    assert published.source_month({"source": "Narayanan et al., SC'21", "model": "GPT 1.7B"}) == 2101
    # The release patterns name their models only: "Llama 405B" is not Llama 4, "LLaMA 33B" not Llama 3.
    assert published.source_month({"source": "a blog, 2024", "model": "Llama 405B"}) == 2401
    assert published.source_month({"source": "a blog", "model": "LLaMA 33B"}) is None
    assert published.source_month({"source": "a blog", "model": "Llama-3.1-405B"}) == 2407
    # MLPerf's benchmark ids name their models and fix their sequence lengths.
    row, words = published.fill_shape({"model": "llama31_405b", "layers": "", "seq": ""})
    assert row["layers"] == "126" and row["seq"] == "8192" and "MLPerf" in words
    # Eq. 3 in the notes is the count of a TFLOP rate only: an MFU stays a model count.
    assert published.published_step_time(dict(gpt, metric="MFU", value="45%",
                                              notes="96*B*s*l*h^2*(1+s/(6h)+V/(16lh))"))[1].endswith("MFU")
    assert not published.counts_recomputed_forward(dict(gpt, notes="model FLOPs 72*B*s*l*h^2, hardware 96*B*s*l*h^2"))
    # A step time in the notes stands in only where it is one run's.
    flops = dict(gpt, metric="Model TFLOPs/sec/GPU", value="250")
    assert published.published_step_time(dict(flops, notes="Time per Global Step 8.18 sec; formula not stated"))[0] \
        == 8.18
    assert published.published_step_time(dict(flops, notes="BF16 step time 10.2 s; FP8 step time 8.18 s; formula "
                                                           "not stated"))[1] != "step time in the notes"
    # Hardware FLOPs said only to be denied are not the count.
    hw = dict(gpt, metric="TFLOPs", value="150", recompute="full")
    assert published.published_step_time(dict(hw, notes="We report model FLOPs, not hardware FLOPs"))[1].startswith("72")
    # torchtitan's logged tps ("tokens per second per device") and wps, and "T/s/GPU"; an unscoped tokens/second
    # in a torchtitan table is its tps, elsewhere the job's.
    for metric in ("TPS/GPU", "WPS", "Throughput (T/s/GPU)"):
        assert published.published_step_time(dict(shape, metric=metric, value="1000"))[0] == 1024 * 4096 / 64000, \
            metric
    titan = dict(shape, metric="Median tokens/second", value="1000", notes="torchtitan run, FSDP2")
    assert published.published_step_time(titan)[0] == 1024 * 4096 / 64000
    assert published.published_step_time(dict(titan, notes="FSDP2"))[0] == 1024 * 4096 / 1000
    # A vocabulary in the words beats the model family's default.
    gpt = {"id": "X", "model": "GPT-style 195B", "gpu": "A100 80GB", "gpus": "384", "gpus_per_node": "8",
           "precision": "bf16", "layers": "106", "hidden": "12288", "heads": "64", "seq": "2048", "global_batch_seqs": "2048",
           "micro_batch": "2", "tp": "4", "pp": "12", "dp": "8", "recompute": "full", "metric": "s/it", "value": "1"}
    for notes, vocab in (("", "51200"), ("VOCAB_LENGTH=250k", "250000"), ("vocab stated as '250k'", "250000"),
                         ("vocab_size 250880", "250880"), ("--padded-vocab-size 50304", "50304"),
                         ("a 250k vocabulary", "250000"), ("unlike BLOOM whose vocabulary of 250,880", "51200"),
                         ("vocab 100,000,2048", "100000")):
        text, _, _ = published.scenario_from_row(dict(gpt, notes=notes))
        assert f"vocab: {vocab}\n" in text, notes
    assert published.published_step_time(dict(shape, metric="step time (ms)", value="2500"))[0] == 2.5
    assert abs(published.published_step_time(dict(shape, metric="step time", value="2500 ms"))[0] - 2.5) < 1e-12
    assert published.published_step_time(dict(shape, metric="tokens/s/GPU", value="1.0k"))[0] == 1024 * 4096 / 64000
    assert published.published_step_time(dict(shape, gpus_per_node="8", metric="tokens/s/node", value="8000"))[0] == \
        1024 * 4096 / 64000
    assert published.published_step_time(dict(shape, metric="tokens/s/node", value="8000"))[0] is None
    assert published.published_step_time(dict(shape, seq="4K", metric="tokens/s/GPU", value="1000"))[0] == \
        1024 * 4096 / 64000
    assert published.published_step_time(dict(shape, metric="step time", value="0,57"))[0] is None
    assert published.published_step_time(dict(shape, metric="step time", value="2.5 s"))[0] == 2.5
    assert published.published_step_time(dict(shape, metric="tokens/s/GPU", value="1,000"))[0] == 1024 * 4096 / 64000
    assert published.published_step_time(dict(shape, metric="step time", value="n/a"))[0] is None
    for metric in ("Throughput (tokens/sec/GPU)", "tokens per GPU per second", "TGS"):
        assert published.published_step_time(dict(shape, metric=metric, value="1000"))[0] == 1024 * 4096 / 64000
    assert published.throughput_metric("model TFLOP/s per GPU") is None
    # A FLOP rate of a row that names its model but not its shape takes the shape of the model's project rows.
    named = dict(shape, model="Llama 2 70B", layers="", hidden="", vocab="", gpu="A800-SXM4-80GB", metric="MFU",
                 value="45")
    B, s, L, h, V = 1024, 4096, 80, 8192, 32000  # Llama 2 70B's project rows: GQA 8 of 64, SwiGLU 28,672
    megatron = 12 * B * s * L * h * h * ((1 + 8 / 64 + s / h) + 28672 / h * 1.5 + V / (2 * L * h))
    assert abs(published.published_step_time(named)[0] / (megatron / (0.45 * 312e12 * 64)) - 1) < 1e-9
    mfu_b200 = published.published_step_time(dict(shape, metric="MFU", value="40"))[0]
    mfu_h100 = published.published_step_time(dict(shape, gpu="H100", metric="MFU", value="40"))[0]
    assert abs(mfu_h100 / mfu_b200 - 2250 / 989) < 1e-9
    for written in ("0.40", "40%"):
        assert published.published_step_time(dict(shape, metric="MFU", value=written))[0] == mfu_b200
    words = {"id": "X", "model": "an MoE", "gpu": "H100", "precision": "bf16", "gpus": "512", "layers": "32",
             "hidden": "4096", "heads": "32", "ffn": "14336", "vocab": "32000", "seq": "4096",
             "global_batch_seqs": "1024", "tp": "2", "pp": "4", "ep": "8", "notes": "8 experts, top-2 routing"}
    text, _, assumed = published.scenario_from_row(words)
    assert "experts: 8" in text and "top_k: 2" in text and "expert_ffn_hidden: 14336" in text, assumed
    # A stated DP that does not multiply out yields to the GPU count, and says so.
    text, _, assumed = published.scenario_from_row(dict(words, dp="32", cp="2"))
    assert "dp: 32" in text and "cp: 2" in text and "not the stated 32" not in assumed
    text, _, assumed = published.scenario_from_row(dict(words, dp="64", cp="2"))
    assert "dp: 32" in text and "not the stated 64" in assumed
    # The project CSV's MTP and pipeline-layout columns reach the scenario; the layout replaces the
    # account-for-embedding/loss reading of fewer layers than stages.
    # 31 layers on pp x vpp = 32 stages would read as the embedding and loss accounted in the split without it.
    layout = "Et|(t|)*29,t|mL"
    text, _, assumed = published.scenario_from_row(dict(words, layers="31", mtp_layers="1", pp="4", vpp="8",
                                                        gpus="512", tp="2", pipeline_layout=layout))
    assert "mtp_layers: 1" in text and f'pipeline_layout: "{layout}"' in text, text
    assert "account_for" not in text and "accounted" not in assumed
    _, _, assumed = published.scenario_from_row(dict(words, layers="31", pp="4", vpp="8", gpus="512", tp="2"))
    assert "accounted in the pipeline split" in assumed


def test_metric_words_a_table_may_use_are_read():
    """Step-time and rate metrics in the words other tables use (session 21): "sec/iter", GPU hours per trillion
    tokens (DeepSeek's reports), a whole job's PFLOP/s (MegaScale's, Megatron-LM 2019's), tokens per day, and
    hardware FLOPs or HFU, which with full recomputation is Narayanan et al.'s 96·B·s·l·h²(1 + s/6h + V/16lh) and
    otherwise not fixed by its name (not read rather than misread)."""
    row = {"global_batch_seqs": "1536", "seq": "2048", "layers": "96", "hidden": "12288", "heads": "96",
           "ffn": "49152", "vocab": "51200", "gpus": "1024", "gpus_per_node": "8", "gpu": "A100", "notes": "",
           "model": "GPT-3 175B", "source": "a paper", "params_b": "175", "recompute": "full"}
    B, s, L, h, V, n = 1536, 2048, 96, 12288, 51200, 1024
    step = lambda metric, value: published.published_step_time(dict(row, metric=metric, value=value))[0]
    assert step("sec/iter", "12.5") == 12.5 and step("ms/step", "900") == 0.9
    assert abs(step("GPU hours per trillion tokens", "180000") - B * s * 180000 * 3600 / 1e12 / n) < 1e-9
    # A whole run's GPU hours for its tokens (Pythia's Table 5, session 26), per a stated count; a bound is none.
    assert abs(step("A100-40GB GPU-hours for 299.9B tokens", "72300") - B * s * 72300 * 3600 / 299.9e9 / n) < 1e-9
    assert step("H800 GPU-hours per 1 trillion training tokens", "180000") == step("GPU hours / trillion tokens",
                                                                                    "180000")
    assert step("GPU-hours for '15T+' tokens", "1300000") is None and step("GPU hours for over 2T tokens", "9") is None
    # Time per epoch over the iterations it states (Megatron-LM 2019's Table 2); a speedup or a scaling efficiency is
    # a ratio to another run, not a rate (its "39 TFLOP/s baseline" is not this row's TFLOP/s).
    assert abs(step("time per epoch, days (1 epoch = 68,507 iterations of 512 x 1024-token sequences)", "2.10") -
               2.10 * 86400 / 68507) < 1e-9
    assert step("weak-scaling efficiency, % of linear scaling of the 39 TFLOP/s single-GPU baseline", "77") is None
    assert step("strong-scaling speedup vs the same model on 1 GPU (1 GPU = 39 TFLOP/s)", "1.64") is None
    model = 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * L * h))
    assert abs(step("aggregate PFLOP/s", "150") - model / 150e15) < 1e-9
    assert abs(step("tokens/day", "1e9") - B * s / (1e9 / 86400)) < 1e-6
    hardware = 96 * B * s * L * h * h * (1 + s / (6 * h) + V / (16 * L * h))
    assert abs(step("hardware TFLOP/s per GPU", "150") - hardware / (150e12 * n)) < 1e-9
    assert abs(step("HFU %", "50") - hardware / (0.5 * 312e12 * n)) < 1e-9
    assert published.published_step_time(dict(row, metric="HFU %", value="50", recompute="selective"))[0] is None


def test_pipeline_layout_and_mtp_from_words():
    """A row in the shared format may quote its recipe's pipeline layout; it is taken where it fits the row, its m
    count the MTP layers. MTP named without a layout is taken only without pipeline parallelism."""
    row = {"id": "X", "layers": "61", "pp": "2", "vpp": "8",
           "notes": "recipe: PP2 VP8 EP32, pp_layout 'Et*4|(t*4|)*14tmL' (last stage 1 layer + MTP + loss)"}
    read, words = published.pipeline_layout_from_words(row)
    assert read["pipeline_layout"] == "Et*4|(t*4|)*14tmL" and read["mtp_layers"] == "1", words
    read, words = published.pipeline_layout_from_words(dict(row, vpp="4"))
    assert "pipeline_layout" not in read and "does not fit" in words
    assert published.layout_stages("Et*2|(t|)*2tL") == ["Ett", "t", "t", "tL"]
    assert published.pipeline_layout_from_words({"pp": "1", "notes": "w/ MTP"})[0]["mtp_layers"] == "1"
    assert "mtp_layers" not in published.pipeline_layout_from_words({"pp": "1", "notes": "w/o MTP"})[0]
    assert "mtp_layers" not in published.pipeline_layout_from_words({"pp": "16", "notes": "1 MTP layer"})[0]
    assert "mtp_layers" not in published.pipeline_layout_from_words({"pp": "1", "notes": "with MTP disabled"})[0]
    # A column wins over the words.
    assert published.pipeline_layout_from_words(dict(row, mtp_layers="0"))[1] == ""


def test_moe_a2a_overlap_from_words():
    """All-to-all overlap is read where the row names it on, not where its words turn it off."""
    row = {"id": "X", "model": "an MoE", "gpu": "GB200", "precision": "bf16", "gpus": "64", "layers": "32",
           "hidden": "4096", "heads": "32", "ffn": "14336", "vocab": "32000", "seq": "4096",
           "global_batch_seqs": "512", "tp": "1", "pp": "1", "ep": "8",
           "notes": "8 experts, top-2; moe_a2a_overlap=True (no DualPipe)"}
    text = published.scenario_from_row(row)[0]
    assert "moe_a2a_overlap: true" in text and "dualpipe" not in text, text
    off = dict(row, notes="8 experts, top-2; hybridep dispatcher, moe_a2a_overlap False, no CUDA graphs")
    assert "moe_a2a_overlap" not in published.scenario_from_row(off)[0]
    # The Megatron-LM recipe index's feature list: "EP overlap" (session 24).
    listed = dict(row, notes="8 experts, top-2; features 'paged stash; full CG; HybridEP; EP overlap'")
    assert "moe_a2a_overlap: true" in published.scenario_from_row(listed)[0]
    assert "moe_a2a_overlap" not in published.scenario_from_row(dict(row, notes="8 experts, top-2; EP overlap: off"))[0]
    for notes in ("8 experts, top-2; not EP overlap", "8 experts, top-2; w/o EP overlap"):
        assert "moe_a2a_overlap" not in published.scenario_from_row(dict(row, notes=notes))[0], notes


def test_hybrid_mamba_models_take_their_published_pattern():
    """Models interleaving Mamba layers with attention are known by name or by the row's words about its layers; a
    pure transformer that shares a family name, or a row comparing itself with one, is not. A known hybrid takes its
    layer pattern and Mamba mixer from tests/validation/model-shapes.csv; one whose pattern is not there is refused."""
    for model, notes in (("Nemotron 3 Nano 30B-A3B", ""), ("Nemotron_3_Super", ""), ("Nemotron-H 8B", ""),
                         ("a 30B MoE", "pattern of 52 layers = 23 Mamba-2 + 23 MoE + 6 attention")):
        assert published.hybrid_state_space({"model": model, "notes": notes}), model
    for model, notes in (("Nemotron-3-8B", ""), ("Kimi-K2", "(Nemotron_3_Nano, a hybrid Mamba-MoE model, is not in"
                                                             " this table)"),
                         ("Llama 3 8B", "faster than Mamba-2/attention hybrids")):
        assert not published.hybrid_state_space({"model": model, "notes": notes}), model
    row = {"id": "X", "source": "s", "gpu": "H100", "gpus": "32", "gpus_per_node": "8", "model": "Nemotron-H 56B",
           "seq": "8192", "global_batch_seqs": "96", "micro_batch": "1", "tp": "8", "pp": "1", "cp": "1",
           "precision": "fp8", "metric": "step time (s)", "value": "15", "notes": ""}
    text, _, how = published.scenario_from_row(row)
    assert text and "hybrid_pattern: \"M-M-M-M*-" in text and "heads: 256" in text and "state: 256" in text, how
    assert "activation: relu2" in text and "layers: 118" in text, text
    assert published.scenario_from_row(dict(row, model="Nemotron-H 4B"))[1].startswith("a hybrid Mamba model"), row
    # Nemotron 3 Super's routed experts run on a 1024-wide latent (moe_latent_size).
    super_text = published.scenario_from_row(dict(row, model="NVIDIA-Nemotron-3-Super-120B-A12B", ep="8"))[0]
    assert super_text and "latent: 1024" in super_text and "top_k: 22" in super_text, super_text


def test_megatron_bridge_nvfp4_rows_run_without_tp_overlap():
    """Megatron-Bridge's performance builders turn TP communication overlap off for nvfp4 and reduce gradients in
    bf16 (docs/evidence/nvfp4.md); the same row in mxfp8 keeps the overlap."""
    row = {"id": "X", "model": "Llama-3-70B", "gpu": "GB200", "precision": "nvfp4", "gpus": "64", "layers": "80",
           "hidden": "8192", "heads": "64", "kv_heads": "8", "ffn": "28672", "vocab": "128256", "seq": "8192",
           "global_batch_seqs": "256", "micro_batch": "1", "tp": "2", "pp": "4", "vpp": "5",
           "framework": "megatron-bridge", "source": "Megatron-Bridge docs/performance-summary.md 26.02.01"}
    text, _, assumed = published.scenario_from_row(row)
    assert "precision: nvfp4" in text and "tp_comm_overlap: false" in text, text
    assert "grad_reduce_in_fp32: false" in text and "fp8_param_gather" not in text, text
    assert "Megatron-Bridge's NVFP4 recipes" in assumed
    text, _, _ = published.scenario_from_row(dict(row, precision="mxfp8"))
    assert "precision: fp8" in text and "tp_comm_overlap: false" not in text, text


def test_gpt_oss_runs_as_megatron_core_of_its_container_ran_it():
    """GPT-OSS alternates a 128-token window with full attention, clamps its experts' activation and biases them;
    Megatron-Core 0.15/0.16 (NeMo 25.11-26.02.01) runs the clamps, fc2's expert bias and the YaRN RoPE unfused
    (docs/evidence/gpt-oss-megatron-kernels.md), and 0.17/0.18 (to 26.06.01) for bf16. A later container, an MXFP8
    row from 26.04 on, or another framework keeps them fused."""
    row = {"id": "X", "model": "GPT-OSS-120B", "gpu": "GB200", "precision": "bf16", "gpus": "64", "layers": "36",
           "hidden": "2880", "heads": "64", "kv_heads": "8", "head_dim": "64", "ffn": "2880", "vocab": "201088",
           "seq": "4096", "global_batch_seqs": "1280", "micro_batch": "4", "tp": "1", "pp": "1", "ep": "64",
           "experts": "128", "top_k": "4", "expert_ffn": "2880", "framework": "megatron-bridge",
           "source": "Megatron-Bridge docs/performance-summary.md, section '26.02 NeMo Container'"}
    text, _, assumed = published.scenario_from_row(row)
    assert "window_size: 128" in text and "window_attn_skip_freq: 2" in text, text
    assert "glu_clamp: 7" in text and "expert_bias: true" in text, text
    assert "unfused_ops: [rope, glu_clamp, expert_bias]" in text and "unfused GPT-OSS ops" in assumed, text
    later = dict(row, source="Megatron-Bridge docs/performance-summary.md, section '26.06 NeMo Container'")
    assert "unfused_ops" in published.scenario_from_row(later)[0]  # Megatron-Core 0.18 still runs them
    assert "unfused_ops" not in published.scenario_from_row(dict(later, precision="mxfp8"))[0]  # TE's fused MLP may
    newer = dict(row, source="Megatron-Bridge docs/performance-summary.md, section '26.08 NeMo Container'")
    assert "unfused_ops" not in published.scenario_from_row(newer)[0]  # not verified
    other = dict(row, framework="other", source="NVIDIA-NeMo/Automodel docs/performance-summary.md")
    text, _, _ = published.scenario_from_row(other)
    assert "unfused_ops" not in text and "window_size: 128" in text, text


def test_model_parallel_size_alone_is_laid_out_as_its_authors_do():
    """A row that states only its model-parallel size runs tensor parallelism over a server and pipeline
    parallelism over the rest (Narayanan et al., Takeaway #1); a row with its layout keeps it."""
    row, words = published.layout_from_words({"notes": "model-parallel size 96 (TP x PP split not stated)",
                                              "gpus_per_node": "8", "tp": "", "pp": ""})
    assert (row["tp"], row["pp"]) == ("8", "12") and "TP8 PP12 assumed" in words
    assert published.layout_from_words({"notes": "model-parallel size 96", "tp": "4", "pp": "24"})[0]["tp"] == "4"
    assert published.layout_from_words({"notes": "no layout", "tp": "", "pp": ""})[1] == ""


def test_model_flops_follow_megatrons_count():
    """A "model TFLOP/s" or MFU row with no named convention is converted with Megatron's own count
    (num_floating_point_operations), which is Korthikanti's 72·B·s·L·h² form for a GPT shape."""
    gpt = {"global_batch_seqs": "1536", "seq": "2048", "layers": "96", "hidden": "12288", "heads": "96",
           "ffn": "49152", "vocab": "51200", "gpus": "1024", "gpu": "A100", "metric": "model TFLOP/s per GPU",
           "value": "150", "notes": "", "model": "GPT-3 175B", "source": "a paper"}
    B, s, L, h, V = 1536, 2048, 96, 12288, 51200
    korthikanti = 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * L * h))
    step, how = published.published_step_time(gpt)
    assert abs(step - korthikanti / (150e12 * 1024)) < 1e-9 * step and how.startswith("72Bslh^2")
    # Llama 3 70B: GQA 8 of 64 heads, SwiGLU f = 3.5h; Megatron-LM counts 12·B·s·L·h²·((1 + 1/8 + s/h)
    # + 3.5·1.5 + V/(2Lh)); Megatron-Bridge halves the causal s/h term.
    llama = dict(gpt, seq="8192", layers="80", hidden="8192", heads="64", kv_heads="8", ffn="28672", vocab="128256",
                 model="Llama 3 70B")
    B, s, L, h, V = 1536, 8192, 80, 8192, 128256
    mlm = 12 * B * s * L * h * h * ((1 + 1 / 8 + s / h) + 3.5 * 1.5 + V / (2 * L * h))
    mb = 12 * B * s * L * h * h * ((1 + 1 / 8 + s / h / 2) + 3.5 * 1.5 + V / (2 * L * h))
    assert abs(published.megatron_model_flops(llama)[0] / mlm - 1) < 1e-12
    assert abs(published.megatron_model_flops(dict(llama, source="Megatron-Bridge performance summary"))[0] / mb
               - 1) < 1e-12
    # A MoE row counts its routed experts' width K times and its dense leading layers at the dense width.
    moe = dict(llama, experts="8", top_k="2", expert_ffn="14336", layers="32", hidden="4096", heads="32",
               ffn="14336", vocab="32000", seq="4096", model="an MoE")
    B, s, L, h, V = 1536, 4096, 32, 4096, 32000
    want = 12 * B * s * L * h * h * ((1 + 8 / 32 + s / h) + 14336 * 2 / h * 1.5 + V / (2 * L * h))
    assert abs(published.megatron_model_flops(moe)[0] / want - 1) < 1e-12
    # Megatron-LM halves the causal term too from 2025 (maxtext issue #1972 quoting Megatron-LM 250b7941), and a
    # "[stated]" model TFLOP/s a Megatron-LM log printed is read with that count.
    mlm_2025 = dict(llama, framework="megatron-lm", source="a Megatron-LM run (2025-09)")
    assert published.causal_halved(mlm_2025) and not published.causal_halved(dict(mlm_2025, source="a 2024 run"))
    assert abs(published.megatron_model_flops(mlm_2025)[0] / mb - 1) < 1e-12
    stated = dict(mlm_2025, metric="model TFLOP/s per GPU [stated]", params_b="70.6")
    step, how = published.published_step_time(stated)
    assert abs(step - mb / (150e12 * 1024)) < 1e-9 * step and "Megatron-LM's count" in how
    assert published.published_step_time(dict(stated, framework="torchtitan"))[0] is None
    # MegaScale's MFU is that count too (its Table 2's PFLOP/s over tokens/s gives it), at the stated peak, whatever
    # framework ran it; an MFU that only cites Narayanan et al. (whose appendix counts the recomputed forward too)
    # stays unread.
    mfu = dict(gpt, metric="MFU % [stated] peak=312", value="49.2", framework="other: megascale", params_b="175",
               source="Jiang et al., MegaScale, NSDI'24, arXiv:2402.15627v1, Figure 9",
               notes="MFU formula not printed (defined as observed/peak throughput, citing Narayanan et al.)")
    step, how = published.published_step_time(mfu)
    assert abs(step - korthikanti / (0.492 * 312e12 * 1024)) < 1e-9 * step and "MegaScale" in how
    assert published.published_step_time(dict(mfu, source="a paper"))[0] is None


def test_recompute_and_offload_modules_are_read_from_words():
    """Megatron-Core's --recompute-modules and --offload-modules as rows quote them, in its spelling, into the
    generated scenario (training.recompute_modules, framework.offload_modules)."""
    row = {"recompute": "selective", "notes": "'--recompute-granularity selective --recompute-modules layernorm moe'"}
    assert published.recompute_modules(row) == ["layernorm", "moe"]
    assert published.recompute_modules({"notes": "GA=512, recompute 'norm, act', DeepEP"}) == ["layernorm", "moe_act"]
    assert published.recompute_modules({"notes": "recompute_modules=[rmsnorm, mla_up_proj]"}) == \
        ["layernorm", "mla_up_proj"]
    assert published.recompute_modules({"notes": "recompute full, 8 micro-batches"}) == []
    assert published.recompute_modules({"recompute": "selective (moe_act, layernorm)"}) == ["moe_act", "layernorm"]
    # A module's name inside a sentence is no list.
    assert published.recompute_modules({"notes": "no recompute, MLP TP-split"}) == []
    assert published.recompute_modules({"notes": "selective recompute, moe layers in fp8"}) == []
    assert published.offload_modules({"notes": "fine-grained activation offloading of expert_fc1 and moe_act"}) == \
        ["expert_fc1", "moe_act"]
    assert published.offload_modules({"notes": "--offload-modules core_attn; TP2"}) == ["core_attn"]
    rows = {r["id"]: r for r in csv.DictReader(open(published.PROJECT_CSV))}
    text, _, _ = published.scenario_from_row(published.with_seq_tokens(dict(
        rows["MOE-MZ-QWEN3-235B-GB200-256-MXFP8"], _set="project")))
    assert "  recompute_modules: [moe_act, layernorm]" in text and "  offload_modules: [expert_fc1, moe_act]" in text


def test_unstated_or_unrepresentable_settings_are_read_as_their_run_ran(cb_bin, tmp_path):
    """The run happened: an unstated micro-batch is the largest that fits; fewer layers than pipeline slots means
    Megatron counted the embedding and the loss as layers; a MaxText remat policy the simulator has no form of is
    the lightest recomputation that fits, its except-MLP policies are the MLP module recomputed; "not DeepEP" is
    the plain all-to-all; "eight loss chunks" hold an eighth of the logits."""
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "rows",
                                                                 "blind-session15.csv")))}
    assert published.recompute_modules(rows["BL15-33"]) == ["mlp"]  # save_dot_with_context_except_mlp
    assert published.recompute_unstated(rows["BL15-35"])  # remat_policy minimal_flash
    gen = lambda r: published.scenario_from_row(published.layout_from_words(  # noqa: E731
        published.with_seq_tokens(dict(r, _set="shared")))[0])
    text, _, assumed = gen(rows["BL15-14"])  # Qwen3-235B's 94 layers on PP32 x VPP3
    assert "account_for_embedding: true" in text and "account_for_loss: true" in text and "94 layers" in assumed
    plain = dict(rows["BL15-24"], notes="EP32 spans 4 nodes, dispatcher not DeepEP (default).")
    assert "moe_dispatcher: deepep" in gen(rows["BL15-24"])[0] and "moe_dispatcher" not in gen(plain)[0]
    assert "loss_chunks: 8" in gen(rows["BL15-28"])[0]
    sets = gen(rows["BL15-01"])[1]  # "Cluster 4x100Gb RoCE per node": the stated fabric, not the configuration's
    assert "cluster.scale_out.nics_per_node=4" in sets and "cluster.scale_out.nic_bandwidth=100Gb/s" in sets
    results, _ = published.compare(cb_bin, project=False, shared_csv=os.path.join(
        os.path.dirname(__file__), "rows", "blind-session15.csv"), only=["BL15-06"])
    assert results[0]["fits"] and "the largest that fits" in results[0]["how"]


def test_pytorch_native_stacks_run_as_pytorch_runs_them():
    """A framework built on FSDP2/DTensor (not naming Transformer Engine) runs its ops eagerly unless it names
    torch.compile, and its DTensor tensor parallelism overlaps nothing unless async TP is named."""
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "rows",
                                                                 "blind-session15b.csv")))}
    gen = lambda r: published.scenario_from_row(published.layout_from_words(  # noqa: E731
        published.with_seq_tokens(dict(r, _set="shared")))[0])[0]
    # KempnerForge's FSDP2 + DTensor TP4 row, its source renamed: a stack whose scripts are not known to compile.
    stack = dict(rows["BL15B-01"], source="a PyTorch-native stack's benchmark table")
    text = gen(stack)
    assert "tp_comm_overlap: false" in text and "elementwise: eager" in text
    asynchronous = dict(stack, notes=stack["notes"] + " Async TP on; torch.compile on.")
    assert "tp_comm_overlap" not in gen(asynchronous) and "elementwise: eager" not in gen(asynchronous)
    te = dict(stack, notes="NeMo-style stack: PyTorch FSDP2 + TE + DeepEP")
    assert "elementwise: eager" not in gen(te)


def test_servers_of_four_gpus_are_their_own_scale_up_domain():
    """A row run on 4-GPU servers (KempnerForge's H200 nodes) gets NVLink over 4 and its own NIC per GPU, not the
    8-GPU server of the cluster document; a stated per-node fabric still wins; an NVL72 rack keeps its domain."""
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "rows",
                                                                 "blind-session15b.csv")))}
    sets_of = lambda r: published.scenario_from_row(published.layout_from_words(  # noqa: E731
        published.with_seq_tokens(dict(r, _set="shared")))[0])[1]
    four = sets_of(rows["BL15B-03"])  # 160 H200, 4 per node
    assert {"cluster.gpus_per_node=4", "cluster.scale_up.domain_gpus=4", "cluster.scale_out.nics_per_node=4"} <= set(
        four)
    stated = sets_of(dict(rows["BL15B-03"], notes=rows["BL15B-03"]["notes"] + " 2x400Gb IB per node."))
    assert stated.index("cluster.scale_out.nics_per_node=2") > stated.index("cluster.scale_out.nics_per_node=4")
    assert not any("domain_gpus" in s for s in sets_of(dict(rows["BL15B-03"], gpus_per_node="8")))
    assert not any("domain_gpus" in s for s in sets_of(dict(rows["BL15B-03"], gpu="GB200")))


def test_pytorch_fsdp_stacks_are_read_as_their_code_runs():
    """KempnerForge casts its model to bf16 (pure bf16: parameters, gradients and moments), other FSDP stacks keep
    fp32 parameters; "full shard across all 128 GPUs" is the row's sharding even where its words name HSDP elsewhere
    (fms-fsdp's 34B and 70B rows: HSDP is the table's 7B and 13B)."""
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "rows",
                                                                 "blind-session15b.csv")))}
    gen = lambda r: published.scenario_from_row(published.layout_from_words(  # noqa: E731
        published.with_seq_tokens(dict(r, _set="shared")))[0])[0]
    assert "pure_bf16: true" in gen(rows["BL15B-17"])  # KempnerForge 8B on one H200
    assert "pure_bf16" not in gen(rows["BL15B-10"])  # fms-fsdp (PyTorch FSDP1 mixed precision)
    read = lambda r: published.sharding_from_words(r)  # noqa: E731
    full, words = read(rows["BL15B-10"])
    assert full["zero"] == "3" and not full.get("shard_group") and "sharded over all 128 GPUs" in words
    hybrid, words = read(rows["BL15B-09"])  # fms-fsdp 13B: HSDP inside a node of 8
    assert hybrid["zero"] == "3" and hybrid["shard_group"] == "8"
    # PyTorch FSDP (FSDP1) stacks run eagerly unless compiled or their own fused kernels are named (TinyLlama).
    fms = gen(rows["BL15B-09"])
    assert "elementwise: eager" in fms and "loss: eager" in fms
    tiny = gen(rows["BL15B-12"])
    assert "elementwise: eager" not in tiny and "loss: eager" not in tiny
    # A comparison names another stack, not the row's ("1.3x faster than PyTorch FSDP").
    assert not published.pytorch_native({"notes": "Megatron-LM, 1.3x faster than PyTorch FSDP"}, "")
    # FlashAttention-2 named on Hopper runs at FA2's rate; FA3 or cuDNN named beside it does not.
    h100 = dict(rows["BL15B-09"], gpu="H100-SXM5-80GB")
    assert "attention_kernel: fa2" in gen(h100)
    assert "attention_kernel: fa2" not in gen(dict(h100, notes=h100["notes"] + " cuDNN attention."))
    assert "attention_kernel: fa2" not in gen(rows["BL15B-09"])  # A100: FA2 is the fused kernel there
    # KempnerForge's benchmark scripts compile (unless a row says otherwise) and reduce after the last micro-batch.
    kempner = gen(rows["BL15B-03"])
    assert "elementwise: eager" not in kempner and "fsdp_grad_sync: last" in kempner
    assert "elementwise: eager" in gen(rows["BL15B-21"])  # "compile=false (stated exception)"


def test_kempnerforge_memory_as_its_code_holds_it(cb_bin, tmp_path):
    """KempnerForge reports torch.cuda.max_memory_allocated in GiB (docs/evidence/pytorch-fsdp-stacks.md); with its
    bf16 model, its unsharded fp32 gradients across accumulation steps and its logits gathered over TP the model
    lands within 17% of what its 7B-175B rows with TP report, four of five within 12% (at the start of session 16
    its 70B row held 16.2 GiB where it reports 82.9)."""
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "rows",
                                                                 "blind-session15b.csv")))}
    reported = {"BL15B-02": 36.2, "BL15B-03": 82.9, "BL15B-04": 93.2, "BL15B-05": 53.8, "BL15B-20": 27.6}
    for rid, gib in reported.items():
        assert f"{gib} GB" in rows[rid]["notes"], rid  # the figure is the row's own
        text, sets, _ = published.scenario_from_row(published.layout_from_words(
            published.with_seq_tokens(dict(rows[rid], _set="shared")))[0])
        path = tmp_path / f"{rid}.yaml"
        path.write_text(text)
        out, err = published.simulate(cb_bin, str(path), sets)
        assert out is not None, err
        # The model's 2 GiB runtime (CUDA context, NCCL buffers) is outside the allocator's count.
        allocated = out["memory_per_gpu"] / 2**30 - 2
        assert abs(allocated / gib - 1) <= (0.17 if rid == "BL15B-20" else 0.12), (rid, allocated, gib)


def test_hardware_and_sharding_words_are_read_narrowly():
    """The session-16 readings of a row's words fire on what they name and not on look-alikes."""
    base = {"id": "X", "source": "github.com/pytorch/torchao README", "gpu": "B200", "gpus": "8", "gpus_per_node": "8",
            "model": "Llama3-8B", "layers": "32", "hidden": "4096", "heads": "32", "kv_heads": "8", "ffn": "14336",
            "vocab": "128256", "seq": "8192", "global_batch_seqs": "8", "micro_batch": "1", "tp": "1", "pp": "1",
            "dp": "8", "cp": "1", "recompute": "full", "precision": "bf16", "metric": "tokens/s/GPU", "value": "8000",
            "notes": "torchtitan on 8 power limited B200s, torch.compile on."}
    sets_of = lambda r: published.scenario_from_row(published.with_seq_tokens(dict(r, _set="shared")))[1]  # noqa: E731
    assert "cluster.gpu.power_limit=750W" in sets_of(base)  # Meta's capped B200s (FBGEMM PR #4172)
    assert not any("power_limit" in s for s in sets_of(dict(base, notes="not power limited, compile on")))
    assert "cluster.gpu.power_limit=800W" in sets_of(dict(base, notes="power-limited to 800 W"))
    assert not any("power_limit" in s for s in sets_of(dict(base, source="vendor blog")))
    # A 96 GB H100: torchtitan's log line states the device (95.0 GiB), an H100 NVL's 93.6 GiB does not qualify.
    h100 = dict(base, gpu="H100-SXM5-80GB", source="github.com/pytorch/torchtitan PR #1",
                notes="memory: 81.85GiB(86.17%)")
    assert {"cluster.gpu.memory=96GB", "cluster.gpu.memory_bandwidth=2.4TB/s", "cluster.gpu.power_limit=500W"} <= set(
        sets_of(h100))
    assert not any("memory=96GB" in s for s in sets_of(dict(h100, notes="memory: 87.6GiB(93.6%)")))
    # The part named by what it reports ("lower-TDP SXM H100 95GB"), and torchao's float8 README, whose table leaves
    # the log line out: its benchmark script's own published run prints it (SOURCE_FACTS).
    assert "cluster.gpu.power_limit=500W" in sets_of(dict(h100, notes="torchtitan run; HBM2e lower-TDP SXM H100 95GB"))
    readme = dict(h100, source="pytorch/ao torchao/float8/README.md, 'NVIDIA H100' table", notes="torchtitan 0.0.2")
    assert {"cluster.gpu.memory=96GB", "cluster.gpu.power_limit=500W"} <= set(
        sets_of(published.with_source_facts(readme)[0]))
    assert not any("memory=96GB" in s for s in sets_of(
        published.with_source_facts(dict(readme, source="pytorch/ao some other README"))[0]))
    # BigScience's topology benchmarks ran their experiment's script (--checkpoint-activations), where a row's
    # column is empty; a stated recomputation stays.
    prequel = dict(base, source="bigscience-workshop/bigscience train/tr11-200B-ml/chronicles-prequel.md", recompute="")
    assert published.recompute_key(published.with_source_facts(prequel)[0]["recompute"]) == "full"
    assert published.with_source_facts(dict(prequel, recompute="selective"))[0]["recompute"] == "selective"
    # MLPerf v5.0's NeMo Llama 3.1 405B implementations set FP8=True in their config_common.sh.
    mlperf = dict(base, source="training_results_v5.0 @0fdc28f0 result NVIDIA/results/eos-dfw_n64_ngc25.01_nemo/"
                               "llama31_405b/result_0.txt", precision="")
    assert published.precision_key(published.with_source_facts(mlperf)[0]["precision"]) == "fp8"
    other = dict(mlperf, source=mlperf["source"].replace("llama31_405b", "llama31_8b"))
    assert published.with_source_facts(other)[0]["precision"] == ""
    # A submission's result path names its benchmark, whose rules fix the sequence (llama31_405b and llama31_8b
    # 8,192, gpt3 2,048): an unstated one is read so; a stated one, or a path outside MLPerf's results, is kept.
    unstated = dict(mlperf, model="Llama 3.1 405B", seq="")
    assert published.mlperf_benchmark(unstated)[0]["seq"] == "8192"
    assert published.mlperf_benchmark(dict(unstated, source=other["source"]))[0]["seq"] == "8192"
    assert published.mlperf_benchmark(dict(unstated, source="MLPerf Training v4.1 NVIDIA/benchmarks/gpt3/x"))[0][
        "seq"] == "2048"
    assert published.mlperf_benchmark(dict(unstated, seq="4096"))[0]["seq"] == "4096"
    assert published.mlperf_benchmark(dict(unstated, source="somebody/repo llama31_405b/notes.md"))[0]["seq"] == ""
    # Sharding words: FSDP2=N, "full shard across all N GPUs" (ZeRO-3 on its own), "FSDP2: 2 nodes" is no group.
    words = lambda notes: published.sharding_from_words(dict(base, notes=notes, gpus="64", dp="64"))[0]  # noqa: E731
    assert words("FSDP2=16 on dense layers")["shard_group"] == "16"
    assert words("full shard across all 64 GPUs (HSDP in the 7B runs)")["zero"] == "3"
    assert not words("full shard across all 64 GPUs (HSDP in the 7B runs)").get("shard_group")
    # What the notes quote of the table's other rows is not the row's ("Same table: ... FSDP32 -> 189 TFLOPs.").
    assert not words("LBS 2, FSDP 64. Same table: Kimi K2 256 GPUs PP8 EP32 FSDP32 -> 189 TFLOPs.").get("shard_group")
    # ... to the sentence's end, not an abbreviation's full stop, nor past a bracket it did not open.
    assert published._CONTRAST.sub("|", "Same table: Kimi K2 vs. DeepSeek FSDP32. FSDP 64") == "| FSDP 64"
    assert published._CONTRAST.sub("|", "FSDP 64 (same table: FSDP32) EP overlap") == "FSDP 64 (|) EP overlap"
    pure = words("pure FSDP across all GPUs")
    assert pure["zero"] == "3" and not pure.get("shard_group")
    assert words("FSDP2: 2 nodes, shard group 16")["shard_group"] == "16"


def test_tp_overlap_is_the_frameworks_default_unless_stated():
    """Megatron-LM's --tp-comm-overlap is off unless passed (store_true in megatron/training/arguments.py), so a
    Megatron-LM row runs without it unless its words name it; NeMo and Megatron-Bridge recipes turn it on (the
    simulator's default); a source older than Transformer Engine's userbuffers (2023) had none."""
    off = "  tp_comm_overlap: false"
    row = {"source": "a technical report, arXiv:2402.16819", "notes": "8-way tensor parallelism"}
    assert off in published.software_generation(row, "megatron-lm", 1)
    for said in ("DP/TP/PP overlap (--overlap-grad-reduce --tp-comm-overlap)", "TP comm overlap on",
                 "tp_comm_overlap: true", "userbuffers", "tensor-parallel communication overlap",
                 "overlap of TP communication with GEMMs"):
        assert off not in published.software_generation(dict(row, notes=said), "megatron-lm", 1), said
    assert off in published.software_generation(dict(row, notes="compared with --tp-comm-overlap"), "megatron", 1)
    assert off not in published.software_generation(row, "nemo", 1)
    # Any framework's row that turns it off says so.
    for said in ("TP_COMM_OVERLAP=False", "TP overlap disabled", "without TP comm overlap", "tp_comm_overlap: off"):
        assert off in published.software_generation(dict(row, notes=said), "nemo", 1), said
    # So does a row whose data-parallel overlap was off; one that names it on keeps the default.
    grad, gather = "  overlap_grad_reduce: false", "  overlap_param_gather: false"
    assert published.software_generation(dict(row, notes="OVERLAP_GRAD_REDUCE=False"), "nemo", 1) == [grad]
    assert published.software_generation(dict(row, notes="no DP overlap"), "nemo", 1) == [grad, gather]
    assert published.software_generation(dict(row, notes="--overlap-param-gather: False"), "nemo", 1) == [gather]
    assert published.software_generation(dict(row, notes="--overlap-grad-reduce --overlap-param-gather"), "nemo", 1) == []
    # What a comparison says of another run is not the row's; a decimal is not a zero; more wordings of "off".
    for said in ("vs. a baseline without TP overlap", "10% faster than without DP overlap", "DP overlap 0.3 s exposed",
                 "TP comm overlap 0.8x of the GEMM time"):
        assert published.software_generation(dict(row, notes=said), "nemo", 1) == [], said
    for said in ("TP overlap: no", "TP overlap was disabled", "TP overlap (off)", "TP overlap isn't used"):
        assert published.tp_overlap_said(dict(row, notes=said)) is False, said
    # Sequence parallelism, likewise.
    for said, off_ in (("SEQ_PARALLEL=False", True), ("without sequence parallelism", True), ("SP off", True),
                       ("SEQ_PARALLEL=True", False), ("with sequence parallelism", False)):
        assert published.said_off(dict(row, notes=said), published._SEQ_PARALLEL) is off_, said
    assert off in published.software_generation(dict(row, source="SC'21 paper"), "nemo", 1)


def test_llm_foundry_attention_on_hopper_is_flash_attention_2():
    """MPT's attn_impl (flash = FlashAttention-2, or the older Triton kernel) never ran cuDNN's attention: on Hopper
    the row runs at FA2's rate; on Ampere FA2 is the fused kernel already and nothing is set."""
    row = {"source": "mosaicml/llm-foundry scripts/train/benchmarking/README.md", "notes": "", "gpu": "H100-SXM5-80GB"}
    assert "  attention_kernel: fa2" in published.software_generation(row, "llm-foundry", 1)
    assert "  attention_kernel: fa2" not in published.software_generation(dict(row, gpu="A100-SXM4-40GB"),
                                                                           "llm-foundry", 1)


def test_mfu_is_read_against_the_peak_the_row_names():
    """An MFU quoted against the fp8 peak (NVIDIA's dgxc-benchmarking tables quote FP8 runs so) is half the MFU
    against the bf16 peak for the same step: the peak the row names decides, else the bf16 peak."""
    row = {"gpu": "H100", "gpus": "64", "precision": "fp8", "metric": "MFU", "value": "40%", "global_batch_seqs": "128",
           "seq": "4096", "layers": "32", "hidden": "4096", "heads": "32", "kv_heads": "8", "ffn": "14336",
           "vocab": "128256", "model": "a Llama", "source": "a table"}
    bf16 = published.published_step_time(dict(row, notes=""))[0]
    for said in ("MFU against the FP8 peak", "(1979 TF FP8 peak)", "peaks 989 TF bf16 / 1979 TF fp8",
                 "peak 1,979 TFLOP/s"):
        assert abs(published.published_step_time(dict(row, notes=said))[0] * 1979 / 989 - bf16) < 1e-9 * bf16, said
    assert published.published_step_time(dict(row, notes="(989 TF bf16 peak)"))[0] == bf16
    assert published.published_step_time(dict(row, precision="bf16", notes="peaks 989 TF bf16 / 1979 TF fp8"))[0] == bf16
    # An achieved rate is not a peak; a bf16 peak or MFU named beside "FP8 peak", or a negation, keeps bf16.
    for said in ("achieved 400 TFLOPS bf16 per GPU", "445 TFLOP/s per GPU vs 989 peak", "against BF16 peak, FP8 compute",
                 "not against the FP8 peak", "BF16 MFU; FP8 peak would halve it"):
        assert published.mfu_peak(dict(row, notes=said), 989e12) == 989e12, said
    assert published.mfu_peak(dict(row, notes="peak BF16 989 TFLOPS, FP8 1979 TFLOPS"), 989e12) == 1979e12
    # The peaks are the GPU configs' (the one the row's cluster runs, or CLUSTERS' cluster.gpu= override): a B200
    # row's MFU is of 2.25 PF, an H800's of its own config, an MI355X's of its config; no fp8 peak on an A100.
    b200 = published.published_step_time(dict(row, gpu="B200", precision="bf16", notes=""))[0]
    assert abs(b200 * 2250 / 989 - published.published_step_time(dict(row, precision="bf16", notes=""))[0]) < 1e-9
    assert published.gpu_peak("H800") == 989e12 and published.gpu_peak("H800", "fp8") == 1979e12
    assert published.gpu_peak("MI355X") == 2516.6e12 and published.gpu_peak("A100-SXM4-80GB", "fp8") == 0


def test_latent_attention_is_counted_as_megatron_counts_it():
    """DeepSeek-V3's multi-head latent attention is counted by Megatron's MLA branch (q and kv LoRA projections,
    rope, core attention over half the causal matrix). Megatron-Bridge 25.11's table gives both model TFLOP/s and
    tokens/s per GPU for DeepSeek-V3 on GB200 and GB300: their ratio, the FLOPs per token it counted, is the MLA
    count's to 1% (counting it as grouped-query attention is 5% short)."""
    rows = [r for r in csv.DictReader(open(published.PROJECT_CSV)) if r["id"].startswith("BW-MB2511-DSV3-")]
    assert len(rows) == 3
    for r in rows:
        tflops = float(re.search(r"Model TFLOP/s/GPU\s*=\s*([\d.]+)", r["notes"]).group(1))
        per_token = tflops * 1e12 / float(r["value"])
        tokens = float(r["global_batch_seqs"]) * float(r["seq"])
        mla, _ = published.megatron_model_flops(dict(r, notes=r["notes"] + " (MLA)"))
        gqa, _ = published.megatron_model_flops(dict(r, notes=""))
        assert abs(mla / tokens / per_token - 1) < 0.01, r["id"]
        assert gqa / tokens / per_token < 0.96, r["id"]


def test_sharding_and_expert_tp_are_read_from_words():
    """A table in the shared format has no zero, shard_group or etp column: the data-parallel sharding and the
    expert tensor-parallel size come from the row's words, and a column, where present, wins."""
    def read(notes, **cols):
        row, _ = published.sharding_from_words(dict({"notes": notes, "source": ""}, **cols))
        return row.get("zero", ""), row.get("shard_group", ""), row.get("etp", "")
    assert read("DP is FSDP, ZeRO-2-like (shards optimizer states and gradients)")[0] == "2"
    assert read("zero=1 (distributed optimizer; the table has no FSDP column)")[0] == "1"
    assert read("ZeRO stage 3, no model parallelism")[0] == "3"
    assert read("FSDP FULL_SHARD (Composer), activation checkpointing")[0] == "3"
    assert read("GBS 128, MBS 1, FSDP 1 (Megatron FSDP), TP1 PP1")[0] == "3"
    assert read("GBS 4096, MBS 1, FSDP 0, TP1 PP4 EP64") == ("1", "", "")  # stated: the distributed optimizer
    assert read("Table: Model TFLOP/s/GPU 2201, FSDP 0. recipe ...")[0] == "1"  # a sentence's end, not a decimal
    assert read("FSDP 0.5 of the nodes")[0] == "3"
    # The first stated value is the row's own, not the alternative configuration a table cell adds.
    assert read("table: FSDP 1; GA 2. parenthesised alternative: FSDP 0, TP 2, PP 4: 2605 tok/s")[0] == "3"
    # "FSDP8 x TP8": sharded over 8 (FSDP1 and FSDP2 name PyTorch's versions); MaxText's mesh axes multiply.
    assert read("TorchTitan, FSDP8 (EP1, PP1)", gpus="64")[:2] == ("3", "8")
    assert read("dcn_data_parallelism 2 x dcn_fsdp 16 x ici_fsdp 8 (HSDP)", gpus="256")[:2] == ("3", "128")
    # Negations and comparisons are not the run's own sharding.
    for words in ("without FSDP", "FSDP disabled", "FSDP=False", "compared with FSDP (OOM)", "PTD-P; faster than ZeRO-3",
                  "unlike FSDP"):
        assert read(words)[0] in ("", "1"), words
    assert read("FSDP SHARD_GRAD_OP")[0] == "2" and read("NO_SHARD")[0] == "0"
    # Llama 3's FSDP: "sharding optimizer states and gradients, no reshard after forward" is ZeRO-2.
    assert read("DP = FSDP sharding optimizer states+gradients, no reshard after forward")[0] == "2"
    assert read("FSDP sharding optimizer states and gradients")[0] == "2"
    assert read("FSDP sharding optimizer states, gradients and parameters")[0] == "3"
    assert read("FSDP, no reshard after forward")[0] == "2"
    for words in ("FSDP (FULL_SHARD); reshard_after_forward: False on the root module",
                  "FSDP full shard. Unlike ZeRO-2, which shards optimizer states and gradients",
                  "FSDP sharding optimizer states and gradients; parameters are also sharded"):
        assert read(words)[0] == "3", words
    assert read("Megatron distributed optimizer sharding optimizer states and gradients")[0] != "2"
    assert read("HSDP (shard 16)", gpus_per_node="8")[:2] == ("3", "16")
    assert read("hybrid sharding across 2 nodes", gpus_per_node="8")[:2] == ("3", "16")
    assert read("torchtitan FSDP2 with float8") [0] == "3"
    assert read("HSDP: HYBRID_SHARD", gpus_per_node="8")[:2] == ("3", "8")
    assert read("FSDP, shard_group=64 (no HSDP stated)", gpus_per_node="4")[:2] == ("3", "64")
    # A table titled "FSDP+DP" whose column says FSDP=64 on 64 GPUs shards over all of them (MaxText on
    # dgxc-benchmarking); "FSDP=128" on 2048 is hybrid; NeMo's "FSDP 1" column is on/off, not a size.
    assert read("Maxtext LLama2 70b (FSDP+DP MBS=2), FSDP=64", gpus="64", gpus_per_node="8")[:2] == ("3", "")
    assert read("FSDP+DP, FSDP=128", gpus="2048", gpus_per_node="8")[:2] == ("3", "128")
    assert read("FSDP 1 (Megatron FSDP)", gpus="64", gpus_per_node="8")[:2] == ("3", "")
    assert read("Megatron TP8 PP8 with the distributed optimizer") == ("", "", "")
    assert read("ZeRO-3", zero="1")[0] == "1"  # the column wins
    moe = {"experts": "128", "tp": "2", "ep": "32", "pp": "8", "gpus": "256"}
    assert read("TP2 PP8 EP32 ETP=1", **moe)[2] == "1"
    assert read("", **moe)[2] == "1"  # etp = tp cannot fold: 2 x 32 does not divide tp x dp = 2 x 16
    assert read("", **dict(moe, ep="8"))[2] == ""  # folds with etp = tp: Megatron-Core's default stays
    assert read("", **dict(moe, ep="8"), source="Megatron-Bridge performance summary")[2] == "1"
    # NeMo 1.0 (its launcher, or a container of 24.07 and before) sharded experts over TP: no etp 1.
    assert read("", **dict(moe, ep="8"), source="dgxc-benchmarking, NeMo Launcher")[2] == ""
    assert published.nemo_1({"source": "NeMo 24.07 NeMo Container"}) and \
        published.nemo_1({"notes": "run through NeMo-Framework-Launcher"}) and \
        not published.nemo_1({"source": "25.11 NeMo Container"})
    assert [published.nemo_container({"source": s}) for s in (
        "26.02.01 NeMo Container", "container nemo:24.09", "NVIDIA/NeMo performance_summary.md (24.07, H100 FP8)",
        "NVIDIA/NeMo v2.4.0", "torchtitan 2024.07", "NeMo docs, 23.05.2025", "NeMo 2.0 on PyTorch 24.07 base",
        "Megatron-Bridge perf (NeMo), 25.11 s/step")] == [(26, 2), (24, 9), (24, 7), None, None, None, None, None]
    assert published.framework_of({"source": "mlcommons/training_results_v5.1 theia_ngpu512_ngc25.09_nemo"}) == "nemo"
    assert published.nemo_container({"source": "training_results_v6.0 theia_ngpu256_ngc26.04_nemo"}) == (26, 4)
    assert published.framework_of({"source": "Narayanan et al., SC'21, Table 2 (ZeRO-3 without model "
                                             "parallelism), Megatron-LM"}) == "deepspeed"
    assert published.framework_of({"source": "NVIDIA-NeMo/Automodel docs/performance-summary.md"}) == "other"
    # A stack the notes name by its project name is the row's; a formula or an attention scheme named after one
    # is not ("Megatron SC21 formula", "DeepSpeed-Ulysses-style sequence parallelism").
    assert published.framework_of({"source": "pytorch/ao torchao/float8/README.md",
                                   "notes": "torchtitan 0.0.2, pytorch 2.7.0a0; FSDP2"}) == "torchtitan"
    assert published.framework_of({"source": "a paper", "notes": "NeMo 24.09 container via NeMo Launcher"}) == "nemo"
    assert published.framework_of({"source": "a paper", "notes": "193 TFLOPS (Megatron SC21 formula)"}) == ""
    assert published.framework_of({"source": "a paper", "notes": "SP8 = DeepSpeed-Ulysses-style attention"}) == ""
    assert published.framework_of({"source": "a paper", "notes": "faster than torchtitan"}) == ""
    for notes in ("Same MFU formula as the NeMo 175B recipe", "NeMo tokenizer", "ported from torchtitan",
                  "not NeMo 24.09"):
        assert published.framework_of({"source": "a paper", "notes": notes}) == "", notes
    assert published.framework_of({"source": "a paper", "notes": "torchtitan, weights loaded via transformers "
                                                                 "AutoModelForCausalLM"}) == "torchtitan"
    # DeepSpeed brings no model code: outside a Megatron stack its module is plain PyTorch (transformers), run op
    # by op; Megatron-DeepSpeed and GPT-NeoX run Megatron's fused kernels.
    hf = {"source": "FlagOpen/FlagPerf training/nvidia/llama2_7b-deepspeed/README.md", "notes": "ZeRO-DP O3"}
    assert published.pytorch_native(hf, published.framework_of(hf))
    for notes in ("Megatron-DeepSpeed, ZeRO-1", "GPT-NeoX (Megatron+DeepSpeed)"):
        row = dict(hf, notes=notes)
        assert published.framework_of(row) == "deepspeed" and not published.pytorch_native(row, "deepspeed"), notes
    # DeepSpeed named only as the recomputation (BLOOM's "DeepSpeed activation checkpointing") is Megatron-DeepSpeed.
    bloom = {"source": "BigScience tr11-176B-ml README", "recompute": "full (DeepSpeed activation checkpointing)"}
    assert published.framework_of(bloom) == "deepspeed" and not published.pytorch_native(bloom, "deepspeed")


def test_unstated_sharding_is_the_lightest_that_fits(cb_bin, tmp_path):
    """A row that says nothing of its sharding or recomputation and does not fit as assumed (ZeRO-1, no
    recomputation) ran all the same: a layout without model parallelism is given the lightest sharding that
    fits, a model-parallel one the lightest recomputation first."""
    columns = open(published.CSV).readline().strip().split(",")
    row = {"id": "X-70B-PURE-DP", "source": "a paper", "gpu": "A100-SXM4-80GB", "gpus": "64", "gpus_per_node": "8",
           "model": "a 70B model", "layers": "80", "hidden": "8192", "heads": "64", "kv_heads": "8", "ffn": "28672",
           "vocab": "32000", "seq": "4096", "global_batch_seqs": "512", "micro_batch": "1", "tp": "1", "pp": "1",
           "recompute": "full", "precision": "bf16", "metric": "step time s", "value": "60", "notes": ""}
    mp = dict(row, id="X-70B-TP8PP4", tp="8", pp="4", seq="32768", recompute="not stated")
    path = tmp_path / "rows.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows([row, mp, dict(row, id="X-70B-STATED", notes="ZeRO-1 (distributed optimizer)")])
    results, skipped = published.compare(cb_bin, project=False, generate_all=True, shared_csv=str(path))
    by_id = {r["id"]: r for r in results}
    assert set(by_id) == {"X-70B-PURE-DP", "X-70B-TP8PP4", "X-70B-STATED"}, skipped
    assert by_id["X-70B-PURE-DP"]["fits"] and "sharding ZeRO-3 assumed" in by_id["X-70B-PURE-DP"]["how"]
    assert "recompute" in by_id["X-70B-TP8PP4"]["how"] and "sharding" not in by_id["X-70B-TP8PP4"]["how"]
    # Stated sharding is kept, fitting or not.
    assert not by_id["X-70B-STATED"]["fits"] and "assumed: the lightest" not in by_id["X-70B-STATED"]["how"]


def test_data_parallel_alone_and_an_unstated_shard_group(cb_bin, tmp_path):
    """A row whose words name data parallelism alone ("FSDP+DP", NVIDIA dgxc-benchmarking's Paxml table title)
    and leave tp and pp blank has no model parallelism; hybrid sharding named without its group is one node's,
    widened (doubling) until the run fits, with the lightest recomputation that fits where that is unsaid too:
    GPT-3 175B cannot keep its optimizer state sharded over 8 H100 (245 GiB), so a step is simulated at all."""
    columns = open(published.CSV).readline().strip().split(",")
    row = {"id": "X-175B-FSDP-DP", "source": "a benchmark table", "gpu": "H100", "gpus": "128", "gpus_per_node": "8",
           "model": "GPT-3 175B", "layers": "96", "hidden": "12288", "heads": "96", "kv_heads": "96", "ffn": "49152",
           "vocab": "51200", "seq": "2048", "global_batch_seqs": "256", "micro_batch": "2", "precision": "fp8",
           "metric": "Training step time (seconds per step)", "value": "7.47",
           "notes": "Paxml, table title 'GPT175B FP8 (FSDP+DP, MBS=2)'"}
    laid, words = published.layout_from_words(row)
    assert (laid["tp"], laid["pp"]) == ("1", "1") and "data parallelism alone" in words
    assert published.layout_from_words(dict(row, notes="pipeline over 4 nodes"))[0].get("tp") is None
    path = tmp_path / "rows.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerow(row)
    results, skipped = published.compare(cb_bin, project=False, generate_all=True, shared_csv=str(path))
    assert len(results) == 1, skipped
    (r,) = results
    assert r["fits"] and "narrowest that fits" in r["how"], r["how"]
    group = int(re.search(r"shard group (\d+) assumed", r["how"]).group(1))
    assert 8 < group <= 128 and 128 % group == 0, r["how"]  # one node's 8 ranks do not hold its optimizer state
    # Negations and other runs' words are not data parallelism alone; "no TP/PP stated" is unknown, not none.
    for notes in ("compared with FSDP+DP (Paxml), NeMo uses TP4 PP8", "no TP/PP stated",
                  "unlike pure data parallel, we use TP8", "no model parallel size stated"):
        assert published.layout_from_words(dict(row, notes=notes))[0].get("tp") is None, notes
    assert not published.layout_from_words(dict(row, notes="no TP, PP=4"))[0].get("pp")  # no TP, but a pipeline
    for notes in ("no tensor or pipeline parallelism", "no TP/CP/PP", "data parallel only"):
        assert published.layout_from_words(dict(row, notes=notes))[0]["tp"] == "1", notes
    # "no TP overlap" and "no PP bubble" are not layouts; a pipeline named at all leaves PP unknown.
    for notes in ("No TP overlap; TP 8", "no TP comm overlap", "no PP bubble", "8-way TP + DP; pipeline stages: 4",
                  "TP + DP + PP"):
        laid = published.layout_from_words(dict(row, notes=notes))[0]
        assert not laid.get("tp") and not laid.get("pp"), notes
    # One dimension named absent, or a layout of tensor and data parallelism with no pipeline size.
    assert published.layout_from_words(dict(row, pp="16", notes="16-way PP (DualPipe); no TP."))[0]["tp"] == "1"
    assert published.layout_from_words(dict(row, tp="8", notes="8-way TP + DP (no PP stated)"))[0]["pp"] == "1"
    assert not published.layout_from_words(dict(row, tp="8", notes="TP8 and DP; PP4"))[0].get("pp")
    assert not published.layout_from_words(dict(row, pp="4", notes="no TP stated"))[0].get("tp")
    assert not published.layout_from_words(dict(row, tp="4"))[0].get("pp")  # half a layout is not filled in


def test_project_rows_without_project_columns_score_alike(cb_bin, tmp_path):
    """The project's rows cut down to the shared table's columns (their assumptions moved into the notes, as a
    table in that format says them) simulate like the full rows: what the generator makes of a table kept
    outside the repository. Measured 2026-12-06: 166 rows, median 8.8%, none judged not to fit, as the full
    rows; 2026-12-07 (session 22's readings): 201 rows, median 8.7% against the full rows' 8.6%."""
    columns = open(published.CSV).readline().strip().split(",")
    rows = list(csv.DictReader(open(published.PROJECT_CSV)))

    def cut_to_columns(notes_of):
        path = tmp_path / f"cut{len(list(tmp_path.iterdir()))}.csv"
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            w.writeheader()
            w.writerows(dict(r, notes=notes_of(r)) for r in rows)
        return published.compare(cb_bin, project=False, generate_all=True, shared_csv=str(path))[0]

    full, _ = published.compare(cb_bin, shared=False)
    cut = cut_to_columns(lambda r: r["notes"] + (" Assumed: " + r["assumed"] if r["assumed"].strip() else ""))
    assert len(cut) >= len(full) - 2
    assert not [r["id"] for r in cut if not r["fits"]]
    assert statistics.median(abs(r["err"]) for r in cut) <= statistics.median(abs(r["err"]) for r in full) + 0.01
    # With no notes at all, only the columns: every row still runs, and the lightest sharding or recomputation
    # that fits stands in for what the notes said (measured 2026-12-06: 165 rows, median 12.6%, 6 not fitting,
    # three of them the ModelZoo's Qwen3-235B rows whose stated selective recomputation fits only with the
    # modules and offloading their notes name; 35 not fitting without the sharding step; 2026-12-07: 201 rows,
    # median 10.7%, 6 not fitting).
    bare = cut_to_columns(lambda r: "")
    assert len(bare) >= len(full) - 2
    assert len([r for r in bare if not r["fits"]]) <= 7
    assert statistics.median(abs(r["err"]) for r in bare) <= 0.12


def test_generated_shared_rows_track_the_hand_written_ones(cb_bin):
    """The shared rows simulated from their columns alone (no hand-written scenario) stay close to the
    published figures: how the generator does on a row nobody wrote a scenario for. Measured 2026-12-06:
    37 rows, median 3.1%, 36 within 20% (BLOOM at -21%: its source names no date), against the
    hand-written scenarios' 38 rows at 3.2%."""
    results, _ = published.compare(cb_bin, project=False, generate_all=True)
    assert len(results) >= 30
    errors = [abs(r["err"]) for r in results]
    assert statistics.median(errors) <= 0.06, f"median {100 * statistics.median(errors):.1f}%"
    assert sum(e <= 0.2 for e in errors) >= len(errors) - 2


def test_rows_collected_blind(cb_bin):
    """30 rows helpers collected in session 14 from sources the project had not used, written in its own words
    in the shared format, after that session's model changes (tests/validation/rows/blind-session14.csv): how the
    generator does on a table it was not written against. Measured: 16 compared, median 7.8%, 13 within 20%,
    none judged not to fit; the six not compared lacked a shape the row does not state (Grok-1, GPT-3 20B,
    Nemotron-22B) or run NVFP4, which is not simulated. With Grok-1's shape in the project table and GPT-3 20B's in
    tests/validation/model-shapes.csv since: 19, median 7.7%, 16 within 20%. A second collection of 8 (MoE and large
    dense runs on H100, dgxc-benchmarking) scored 8 of 8 within 20%, median 6.2%; all 30: 27 compared, median 7.7%,
    24 within 20%. Session 18 simulates NVFP4: its two rows read +16.7% (Llama 3 70B, 64 GB300) and +6.1% (405B,
    256 GB200); 29 compared, median 6.6%, 26 within 20%."""
    blind = os.path.join(os.path.dirname(__file__), "rows", "blind-session14.csv")
    results, skipped = published.compare(cb_bin, project=False, shared_csv=blind)
    assert len(results) >= 29
    assert not [r["id"] for r in results if r.get("fits") is False]
    assert statistics.median(abs(r["err"]) for r in results) <= 0.10
    assert all(re.search(r"not stated|not simulated|experts the row does not state", why) for _, why in skipped), \
        skipped


def test_rows_collected_blind_after_session_15(cb_bin):
    """35 rows a helper collected in session 15, blind, from sources the project had not used (InternLM's
    performance table, FlagPerf, Pai-Megatron-Patch and xtuner issues, Google's gpu-recipes MaxText logs,
    torchtitan and PithTrain issues: tests/validation/rows/blind-session15.csv). First scoring, before the
    generator read their words: 23 compared, median 9.8%, 4 judged not to fit; after (FSDP8, MaxText's mesh and
    remat policies, an unstated micro-batch, torchtitan's chunked loss and MoE checkpointing, InternLM-7B's shape):
    31 compared, median 10.1%, 22 within 20%, none judged not to fit."""
    blind = os.path.join(os.path.dirname(__file__), "rows", "blind-session15.csv")
    results, skipped = published.compare(cb_bin, project=False, shared_csv=blind)
    assert len(results) >= 31
    assert not [r["id"] for r in results if r.get("fits") is False]
    assert statistics.median(abs(r["err"]) for r in results) <= 0.11
    assert all(re.search(r"not stated", why) for _, why in skipped), skipped
    # A third collection (21 rows: KempnerForge's FSDP2 + DTensor reports on H200, IBM fms-fsdp, TinyLlama,
    # LLaMA-1, Megatron-LLaMA, a Megatron-LM issue): first scoring 15 compared, median 21.0%; with PyTorch-native
    # stacks read as PyTorch runs them (eager ops unless compiled, DTensor TP without overlap unless async TP)
    # 12.1%, 10 within 20%, three judged not to fit. Session 16, reading what the stacks' code does
    # (docs/evidence/pytorch-fsdp-stacks.md): KempnerForge's 4-GPU servers and pure bf16 (its 8B on one H200 now
    # 81.3 GiB where it reports 80.7 GiB allocated), fms-fsdp's 34B and 70B fully sharded over all 128 GPUs as
    # their row says, and PyTorch FSDP stacks eager unless compiled or their fused kernels are named: 11.8%,
    # 13 within 20%, none judged not to fit; with KempnerForge compiled, as its benchmark scripts run it, and
    # reducing only after the last micro-batch (its
    # training/grad.py; its 70B rows now hold 77.2 and 90.3 GiB where they report 82.9 and 93.2 GB, 13 GiB
    # before): 12.2%, 12 within 20%, worst −30%: the eager ops and reduce-scatters the model no longer charges
    # made it faster, the runs were not.
    third = os.path.join(os.path.dirname(__file__), "rows", "blind-session15b.csv")
    results, _ = published.compare(cb_bin, project=False, shared_csv=third)
    assert len(results) >= 15
    assert not [r["id"] for r in results if r.get("fits") is False]
    assert sum(abs(r["err"]) <= 0.20 for r in results) >= 12
    assert statistics.median(abs(r["err"]) for r in results) <= 0.13


def test_rows_collected_blind_in_session_16(cb_bin):
    """25 rows a helper collected in session 16 (a 26th, Fast-LLM's "expected" throughput, left out: not a
    measurement), blind, from sources the project had not used (torchtitan's and
    torchao's Blackwell tables, NVIDIA's Paxml tables on A100, the IBM/Meta FSDP blog, the float8 FSDP2 blog, NeMo-RL
    and TRL threads: tests/validation/rows/blind-session16.csv, with the helper's doubts per row beside it). Scored
    after that session's readings (FSDP2=N, "FSDP across all GPUs", Meta's 750 W B200s, PyTorch FSDP stacks eager,
    FlashAttention-2 named on Hopper): 19 compared, median 43.2%, 6 within 20%, 4 judged not to fit (Llama 4 Scout
    at a local batch of 10 that the torchao README gives as 1; TRL's 2M- and 4M-token sequences). The gates are
    that measured state: PyTorch-native and JAX stacks run well below
    the model's kernel rates (docs/simulator-model.md, "Blind rows")."""
    blind = os.path.join(os.path.dirname(__file__), "rows", "blind-session16.csv")
    results, _ = published.compare(cb_bin, project=False, shared_csv=blind)
    assert len(results) >= 19
    assert statistics.median(abs(r["err"]) for r in results) <= 0.45
    assert sum(abs(r["err"]) <= 0.20 for r in results) >= 6
    assert len([r for r in results if r.get("fits") is False]) <= 4
    # A second collection: NVIDIA's MLPerf Training GPT-3 175B and Llama 3.1 405B submissions (v3.0-v5.1, 512 to
    # 11,616 GPUs; tests/validation/rows/blind-session16b.csv): 8 compared, median 4.9%, worst -9.5% (10,752 H100),
    # none judged not to fit. Its three FP4 rows (v5.1, Llama 3.1 405B on 2,560 and 5,120 GB200 and 512 GB300),
    # simulated as NVFP4 since session 18, read -2.1, -3.3 and +3.3%: 11 compared, median 4.3%.
    mlperf = os.path.join(os.path.dirname(__file__), "rows", "blind-session16b.csv")
    results, skipped = published.compare(cb_bin, project=False, shared_csv=mlperf)
    assert len(results) >= 11
    assert statistics.median(abs(r["err"]) for r in results) <= 0.06
    assert all(abs(r["err"]) <= 0.15 for r in results) and all(r.get("fits") is not False for r in results)
    assert not skipped, skipped


def test_rows_collected_blind_in_session_18(cb_bin):
    """40 rows a helper collected in session 18, blind, from Megatron-Bridge's 26.04, 26.04.01 and 26.06
    performance tables with their recipes (tests/validation/rows/blind-session18.csv, its report beside it). First
    scoring: 40 compared, median 15.2%, five judged not to fit; two reading faults mended ("FSDP 0." at a
    sentence's end read as FSDP on; hybrid Mamba models simulated as transformers, now not compared): 35 compared,
    median 9.6%, 25 within 20%, none judged not to fit. The misses: GPT-OSS-120B (-31..-43%), Qwen3-235B on H100
    and B200 (-21..-26%), NVFP4 on GB300 (+25, +27%). With the pipeline layouts the rows quote read (three
    DeepSeek-V3 GB300 rows, one MTP layer each): median 8.8%, 24 within 20% (BL18-39 +16.7% -> +22.3%); with
    "moe_a2a_overlap False" read as off (it had been read as on): median 9.9% (BL18-14 -5.3% -> +9.9%); with
    NVFP4's TP all-gathers moving the quantized shard: median 8.8%, 25 within 20%. Session 19 (sliding windows,
    Megatron-Core's unfused GPT-OSS ops, read from the code of these containers after these rows had been seen):
    27 within 20%, the GPT-OSS rows -11..-35% (were -23..-45%). Session 23 simulates hybrid Mamba models (workload/
    mamba.h): the two Nemotron 3 Nano rows read -20.0% (GB300 MXFP8) and -2.3% (H100 FP8), first scoring, nothing
    tuned; 37 compared, median 8.8%, 29 within 20%. With latent MoE (model.moe.latent) the three Nemotron 3 Super rows
    read -27.9% (64 GB300 NVFP4), -29.8% (64 B300 NVFP4), -18.7% (64 B200 MXFP8) at first scoring: 40 compared,
    median 11.4%, 30 within 20%."""
    assert_blind_set(cb_bin, "blind-session18.csv", rows=40, median=0.12, within_20=29)
    results, skipped = published.compare(cb_bin, project=False,
                                         shared_csv=os.path.join(os.path.dirname(__file__), "rows",
                                                                 "blind-session18.csv"))
    # "FSDP 0." (the tables' FSDP column, at a sentence's end) is the distributed optimizer, not ZeRO-3.
    assert [r["class"][1] for r in results if r["id"] in ("BL18-02", "BL18-36")] == ["3d", "3d"], results
    # A second collection: NeMo's performance summaries for the 24.09-25.07 containers (blind-session18b.csv; 18
    # of its 33 rows repeat project rows, read here from the shared format's words). First scoring: median 6.7%,
    # two judged not to fit; with the first stated FSDP value read as the row's and a recompute "unknown" as
    # unstated: 33 compared, median 6.3%, 31 within 20%, none judged not to fit (Nemotron-4 340B on 128 H100,
    # NeMo 1.0's fp8 without fp8 weights, +30.3% at the full recomputation it needs to fit).
    assert_blind_set(cb_bin, "blind-session18b.csv", rows=33, median=0.07, within_20=31)


def test_cuda_graphs_are_read_as_the_row_ran_them():
    """A row's CUDA graphs set framework.cuda_graphs (the host-bound passes): a recipe reading in the `assumed`
    column first, then the row's words (a scope list, partial graphs, full-iteration, NeMo's "cuda_graphs 1", "no
    CUDA graphs"); a doubt about another recipe version is not the row's; nothing said is eager."""
    def graphs(notes, assumed=""):
        return published.cuda_graphs_of({"notes": notes, "assumed": assumed})
    assert graphs("TE CUDA graphs [attn, moe_router, moe_preprocess], hybridep") == ["attn", "moe_router",
                                                                                     "moe_preprocess"]
    assert graphs("TE cuda graphs on attn/moe_router/moe_preprocess") == ["attn", "moe_router", "moe_preprocess"]
    assert graphs("1F1B overlap OFF, CUDA graphs partial") == ["attn", "moe_router", "moe_preprocess"]
    assert graphs("HybridEP; CUDA graphs (transformer_engine) scopes moe_router+moe_preprocess") == [
        "moe_router", "moe_preprocess"]
    assert graphs("graph capture completes with moe_router and moe_preprocess scopes") == ["moe_router",
                                                                                         "moe_preprocess"]
    # A hybrid model's Mamba mixers are a scope of their own (session 23), "attention" is attn in such a list.
    assert graphs("TE CUDA graphs [attn, mamba, moe_router, moe_preprocess]") == ["attn", "mamba", "moe_router",
                                                                                 "moe_preprocess"]
    assert graphs("CUDA graphs (transformer_engine) scopes attention+mamba") == ["attn", "mamba"]
    assert graphs("CUDA graphs enabled with the fused grouped MLP") == ["full"]  # "MLP" is not the mlp scope
    assert graphs("mbs 2, cuda graph full_iteration, no recompute") == ["full"]
    assert graphs("lists this exact config: cuda_graphs 1, recompute 0") == ["full"]
    assert graphs("no CUDA graphs, alltoall dispatcher") == []
    # The Megatron-LM recipe index's "CG" (session 24): "full CG" a full-iteration graph, "partial CG" the partial one.
    assert graphs("features 'paged stash; full CG; HybridEP; EP overlap'") == ["full"]
    assert graphs("README index: 'MXFP8; partial CG'") == ["attn", "moe_router", "moe_preprocess"]
    assert graphs("FP8 CG tensors kept") is None
    assert graphs("cuda_graph_scope [] (no partial graphs). Doubt: a later preset has a full-iteration graph") == []
    assert graphs("recompute none", assumed="cuda_graphs: moe_router moe_preprocess (a recipe)") == ["moe_router",
                                                                                                    "moe_preprocess"]
    assert graphs("full-iteration cuda graph", assumed="cuda_graphs: none (the release's recipe)") == []
    assert graphs("recompute none") is None
    rows = {r["id"]: dict(r, _set="project") for r in csv.DictReader(open(published.PROJECT_CSV))}
    text = published.scenario_from_row(rows["MOE-MB2602-DSV3-GB200-256-MXFP8"])[0]
    assert "cuda_graphs: [attn, moe_router, moe_preprocess]" in text and "moe_router_fusion: true" in text, text
    assert "cuda_graphs" not in published.scenario_from_row(rows["MOE-MB2602-QWEN3-235B-B200-256-MXFP8"])[0]


def test_rows_collected_blind_in_session_20(cb_bin):
    """10 rows a helper collected in session 20, blind (tests/validation/rows/blind-session20.csv, its report
    beside it): Google Cloud's A4 NeMo training logs (AI-Hypercomputer/gpu-recipes) on 8-64 B200 and AMD Primus's
    Qwen3-30B on 8 MI355X. Scored before the host-bound passes were built, with "step_time_s" read as a step time:
    8 compared, median 13.9%, 6 within 20%; Qwen3-30B-A3B on 16 and 32 B200 -36.7%, which the host term (experts
    padded to capacity 1.0: no wait) leaves as it was. With an MI355X config (configs/gpus/mi355x.yaml) the two AMD
    rows are compared too, +35.0% and +84.6% with its measured collective rates (Primus's baseline and its fully
    optimised run of one layout): 10 rows, median 15.6%."""
    assert_blind_set(cb_bin, "blind-session20.csv", rows=10, median=0.17, within_20=6)
    results, _ = published.compare(cb_bin, project=False,
                                   shared_csv=os.path.join(os.path.dirname(__file__), "rows", "blind-session20.csv"))
    assert all(r["how"].startswith("iteration time") for r in results if r["id"] < "BL20-09"), results


def test_rows_collected_blind_in_session_21(cb_bin):
    """11 rows a helper collected in session 21, blind (tests/validation/rows/blind-session21.csv, its report
    beside it): BAAI's FlagPerf benchmark READMEs, 7B-14B models on 8-16 A100/A800/H800/H100 under DeepSpeed,
    PaddlePaddle 2.5.1 and Megatron-LM (Pai-Megatron-Patch). Scored once, after the session's changes and before
    any change made for them: 11 rows, median 28.3%, 3 within 20%, every row slower than simulated (-12..-56%),
    Baichuan2-13B's two rows judged not to fit (DeepSpeed's bf16 ZeRO-1 with full fp32 gradient buffers: 91.9 GiB
    against the 77 GB the README reports). Kept as it scored: stacks outside NVIDIA's tuned recipes at small scale
    run well below the model's efficiencies, which come from tuned library kernels. Session 22 read FlagPerf's
    DeepSpeed benchmarks as what their code builds (transformers' modules, run op by op): median 21.8%, 4 within
    20%. Session 25: DeepSpeed's ZeRO optimizers hold bf16 gradients (its fp32 accumulation is the BF16_Optimizer's,
    at ZeRO stage 0 or with an fp32 grad_accum_dtype): Baichuan2-13B fits (67.4 GiB against 77), and ChatGLM3's
    ZeRO-3 row, its gradients reduced in bf16, reads -20.6% where it read -19.7% (its simulated memory is half the
    61 GiB reported): median 21.8%, 3 within 20%, none judged not to fit."""
    assert_blind_set(cb_bin, "blind-session21.csv", rows=11, median=0.23, within_20=3, not_fitting=0)


def test_rows_collected_blind_in_session_22(cb_bin):
    """21 rows a helper collected in session 22, blind, written in the shared table's 27 columns (the format of
    the tables kept outside the repository): Google Cloud's gpu-recipes logs, NVIDIA dgxc-benchmarking READMEs
    (NeMo and Paxml GPT-3 175B at 128-2,048 H100, DeepSeek-V3, Llama 3.1 405B on GB200), ColossalAI's LLaMA-65B
    and user reports in Megatron-LM and Megatron-LLaMA issues (tests/validation/rows/blind-session22.csv, the
    report beside it). First scoring, before any change made for them: 8 compared, median 7.6%, 7 within 20%, 1
    judged not to fit. Read then as their words say (NeMo's train_step_timing and dgxc's "Time Mean" as step
    times; "FSDP+DP" as data parallelism alone; an unstated hybrid-sharding group widened until the run fits):
    17 compared, median 11.8%, 14 within 20%, 1 not fitting (ColossalAI's Gemini LLaMA-65B, whose chunk manager
    may keep state on the host: the helper's doubt). The misses: DeepSeek-V3 on 128 GB200 from dgxc's worked
    example (-61%), a user's 13B run reported in its issue as slow (-63%). A review then found the Paxml rows read
    as NeMo runs from "the same MFU formula as the NeMo 175B recipe" (a framework is taken from the notes only
    where they name it as what ran): median 9.7%."""
    assert_blind_set(cb_bin, "blind-session22.csv", rows=17, median=0.11, within_20=14, not_fitting=1)


def test_rows_collected_blind_in_session_22b(cb_bin):
    """24 rows a second helper collected in session 22, blind, in the shared table's 27 columns, from framework
    repositories' own tables, logs and threads (tests/validation/rows/blind-session22b.csv and .md; 12 repeat
    runs of set 22, read independently). First scoring: 6 compared, median 5.5%, 5 within 20%. After the same
    readings as set 22 and one more (a precision "bf16 (fp8: false)" is bf16): 15 compared, median 8.5%, 12 within
    20%, none not fitting; three Nemotron-H rows (hybrid Mamba) and six that state no shape, batch or length
    are not compared. After the review's reading of the Paxml rows (set 22): median 6.1%. Session 23 simulates
    hybrid Mamba models: the Nemotron-H 56B rows (FP8, TP8, H100) read -11.0% (32 GPUs), -20.5% (256) and -18.7%
    (2,048) at first scoring, nothing tuned: 18 compared, median 8.9%, 14 within 20%."""
    assert_blind_set(cb_bin, "blind-session22b.csv", rows=18, median=0.09, within_20=13)


def test_rows_collected_blind_in_session_23(cb_bin):
    """21 rows a third session-22 helper collected blind in the shared table's columns, from papers and reports
    (tests/validation/rows/blind-session23.csv and .md): BigScience's pre-BLOOM topology sweeps on Jean Zay
    (chronicles-prequel.md, 8-384 A100, each an iteration-2 snapshot), GLM-130B's whole-run MFU on 768 A100 40GB
    and the Zero Bubble paper's 1F1B and ZB schedules on 8-32 A100. First scoring: 20 compared, median 37.8%, 8
    within 20%, every BigScience row 31-64% slower than simulated. Read then as the words say (a vocabulary
    "250k" in the notes, not GPT's 51,200): median 30.7%, 9 within 20%. Zero-bubble schedules are not simulated
    (their rows run as 1F1B). Session 24: the BigScience rows state no recomputation, and the experiment's own
    script beside the file (tr11-200B-ml.slurm) passes --checkpoint-activations (SOURCE_FACTS): median 16.9%, 11
    within 20%."""
    assert_blind_set(cb_bin, "blind-session23.csv", rows=20, median=0.17, within_20=11)


def test_rows_collected_blind_in_session_23b(cb_bin):
    """22 rows a fourth session-22 helper collected blind in the shared table's columns, from vendor and benchmark
    tables (tests/validation/rows/blind-session23b.csv and .md): dgxc-benchmarking's Nemotron-4 15B/340B on H100
    and GB200 and Llama 4 Maverick on GB200 and H100, and MLPerf Training v6.0's DeepSeek-V3 on 256-2,048
    GB200/GB300 and Llama 3.1 405B on 2,048 GB300. First scoring: 22 compared, median 12.4%, 19 within 20%, none
    not fitting; the GB200 Nemotron-4 rows 17-20% faster than published, MLPerf's DeepSeek-V3 on GB300 46-49%
    slower. Read then as the words say ("1F1B EP-comm overlap" is the all-to-all overlap): median 13.3%, 19 within
    20%, GB300's DeepSeek-V3 +27/+29%."""
    assert_blind_set(cb_bin, "blind-session23b.csv", rows=22, median=0.14, within_20=19)


def test_rows_collected_blind_in_session_24(cb_bin):
    """25 rows a fifth session-22 helper collected blind in the shared table's columns from sources the project's
    own rows already use (torchtitan's benchmark files and docs, torchao's float8 table, the Megatron-MoE-ModelZoo
    Qwen3 page, llm-foundry's MPT table: tests/validation/rows/blind-session24.csv and .md): the same runs in a
    stranger's words, the test of what the generator makes of a table it was not written against. First scoring:
    6 compared, median 24.4%, 3 within 20% ("TPS/GPU", "WPS", "T/s/GPU" not read as throughputs, "Median
    tokens/second" as the job's). Read then as the words mean (torchtitan's logged tps and wps are per device,
    torchao's "Float8" is fp8, an unscoped tokens/second in a torchtitan table is its tps): 25 compared, median
    5.4%, 20 within 20%, as the project's own rows of those sources score. Session 24: torchao's float8 table and
    torchtitan's "H100 95GB" footnote read as Meta's 96 GB H100 at 500 W (SOURCE_FACTS): median 4.5%, 22 within
    20%."""
    assert_blind_set(cb_bin, "blind-session24.csv", rows=25, median=0.05, within_20=22)


def test_rows_collected_blind_in_session_24b(cb_bin):
    """10 rows a sixth session-22 helper collected blind from blog posts and documentation pages
    (tests/validation/rows/blind-session24b.csv and .md: PyTorch's FSDP and float8 posts, AWS's torchtitan README,
    nanochat's leaderboard); 8 state no model shape or batch. First scoring: 2 compared, median 7.1%, both within
    20%. With torchao's "float8" read as fp8 (set 24) the float8 run on 32 AWS p5 H100 is simulated 27% faster than
    its 7,865 tokens/s (its notes name no FSDP, only "the same setup as" the row before): median 16.3%, 1 within
    20%. Like torchao's own table on 8 H100 (set 17), it ran no faster on 700 W H100 than torchtitan's 500 W ones."""
    assert_blind_set(cb_bin, "blind-session24b.csv", rows=2, median=0.17, within_20=1)


def test_rows_collected_blind_in_session_25(cb_bin):
    """35 rows a helper wrote blind in the shared table's columns from NVIDIA's performance tables that the
    project's own rows also use (Megatron-Bridge's 25.11 and 26.02 sections, NeMo 24.07's summary:
    tests/validation/rows/blind-session25.csv and .md). Scored once, after the session's readings: 33 compared,
    median 7.9%, 27 within 20%, none not fitting; where a row matches a project row the two agree within 3 points
    but for three DeepSeek-V3 rows whose notes quote a later recipe (full CUDA graphs, fused grouped MLP, all-to-all
    overlap) that the project's rows judged not to be the table's. With Nemotron's 256,000-token vocabulary taken
    where a row leaves it out: 35 compared, median 7.6%, 29 within 20%."""
    assert_blind_set(cb_bin, "blind-session25.csv", rows=35, median=0.08, within_20=29)


def test_rows_collected_blind_in_session_25b(cb_bin):
    """25 rows a helper wrote blind in the shared table's columns from papers and logs the project's own rows also
    use (MegaScale's Table 2, Llama 3's Table 4, Nemotron-4 15B's batch ramp, DeepSeek-V3's GPU hours, MLPerf
    Llama 3.1 logs: tests/validation/rows/blind-session25b.csv and .md). First scoring: 14 compared, median 14.2%,
    8 within 20%, 1 not fitting; Llama 3's FSDP ("sharding optimizer states and gradients, no reshard after
    forward") read as ZeRO-3 (+73%/+94%), MegaScale's Megatron-LM rows ("System=Megatron-LM") as MegaScale's.
    Read then as the words mean (that FSDP is ZeRO-2; the baseline system runs without MegaScale's overlaps; "no
    TP" and "8-way TP + DP" with no pipeline size as TP1 and PP1; "MLA up-projection recomputed" as the
    mla_up_proj module): 19 compared, median 10.2%, 16 within 20%, 1 not fitting (Llama 3 405B at 8K, which the
    paper says ran without activation checkpointing, is judged 11% over 80 GB). Session 26: the five MLPerf logs
    whose sequence the row leaves out are read at the length their benchmark's rules fix (a submission's result
    path names the benchmark: llama31_405b and llama31_8b, 8,192): 24 compared, median 8.4%, 21 within 20% (the
    five within 5%: 405B on 8,192 and 2,048 H100 +0.4%/+4.3%, on GB200 -2.7%/-3.3%, 8B -0.5%)."""
    assert_blind_set(cb_bin, "blind-session25b.csv", rows=24, median=0.09, within_20=21, not_fitting=1)


def test_rows_collected_blind_in_session_26(cb_bin):
    """35 rows a helper wrote blind in the shared table's columns from the classic sources (Narayanan et al.'s
    Tables 1-2, Korthikanti et al.'s Table 5, the Megatron-LM README's strong scaling, BLOOM's README, llm-foundry's
    MPT table: tests/validation/rows/blind-session26.csv and .md), the kind of table kept outside the repository.
    First scoring: 12 compared, median 7.0%, 11 within 20%, 3 not fitting: "Achieved teraFLOP/s per GPU" was not
    read as a FLOP rate, eq. 3 written only in the notes was not taken as the count, nor as full recomputation,
    and "selective recomputation + sequence parallelism" lost its SP to a note about the full-recompute baseline
    ("no SP"). Read as the words mean: 32 compared, median 5.2%, 26 within 20%, 1 not fitting; Tables 1-2 within
    -4..+6% as the shared rows; the ZeRO-3 rows -22/-29% as the project's. Session 25: a model column's
    parenthesised remark names what ran it ("GPT 529.6B (ZeRO-3)": DeepSpeed, its source naming ZeRO-3 only as a
    comparison), so the ZeRO-3 rows run as DeepSpeed's, bf16 gradients and the 530B fitting: -20/-25%, none
    judged not to fit."""
    assert_blind_set(cb_bin, "blind-session26.csv", rows=32, median=0.06, within_20=26, not_fitting=0)
    assert published.framework_of({"model": "GPT 529.6B (ZeRO-3)", "source": "a paper (PTD-P vs ZeRO-3)"}) == \
        "deepspeed"
    assert published.framework_of({"model": "Megatron-Turing NLG 530B", "source": "a paper"}) == ""


def test_rows_collected_blind_in_session_26b(cb_bin):
    """33 rows a helper wrote blind in the shared table's columns from framework tables the project uses (NeMo's
    long-sequence tables, the ModelZoo's Qwen3 page, Megatron-LM's DeepSeek-V3 GB200 write-up, NeMo AutoModel's
    summary, dgxc-benchmarking's Llama 3.1 8B and Grok-1, MLPerf v5.1 8B logs: tests/validation/rows/
    blind-session26b.csv and .md). First scoring: 31 compared, median 10.5%, 23 within 20%. Two readings then
    made the same runs read as the project's rows read them: a row is no older than the model it trains
    (Qwen3's ModelZoo rows count causal attention halved, as Megatron-Core has since 2025) and an AutoModel row's
    own step time stands in for a TFLOP figure whose count it does not give: median 10.6%, 23 within 20%; the
    ModelZoo's 128K rows are then +30..+45% and AutoModel's GPT-OSS +140%, the project's worst classes. Session 26:
    a model named in brackets ("Qwen3 MoE 30B (Qwen3-30B-A3B)") takes that model's published shape, so AutoModel's
    Qwen3-30B-A3B on 8 H100 (vocabulary unstated) is compared: -4.5%, but judged not to fit (156.5 GiB: fp32
    parameters, gradients and Adam states over FSDP8, 64 GiB, beside 76.5 GiB of activations at 4 x 4,096 tokens
    without recomputation, none of which the row states): 32 compared, median 10.5%, 24 within 20%, 1 not fitting."""
    assert_blind_set(cb_bin, "blind-session26b.csv", rows=32, median=0.11, within_20=24, not_fitting=1)
    assert "Qwen3-30B-A3B's published config" in published.fill_shape({"model": "Qwen3 MoE 30B (Qwen3-30B-A3B)"})[1]


def test_rows_collected_blind_in_session_27(cb_bin):
    """35 rows a helper wrote blind in the shared table's columns from NVIDIA's tables of other releases (NeMo
    25.02 on B200 and 25.04 on GB200, Megatron-Bridge's 25.09 and 26.04 sections: tests/validation/rows/
    blind-session27.csv and .md). First scoring: 33 compared, median 14.7%, 22 within 20%, the 25.09 rows +37..+66%:
    that table has no precision column, so they ran at the 16-bit rate. With the only precision a row's words
    name taken where its column is empty (its notes describe FP8 quantisation blocks): median 12.6%, 27 within
    20%; with Nemotron's vocabulary: 35 compared, median 12.7%, 28 within 20%."""
    assert_blind_set(cb_bin, "blind-session27.csv", rows=35, median=0.13, within_20=28)


def test_rows_collected_blind_in_session_27b(cb_bin):
    """29 rows a helper wrote blind in the shared table's columns from fully sharded and JAX stacks (IBM's
    fms-fsdp and FSDP blog, KempnerForge's reports, JAX-Toolbox's Pax and MaxText tables, dgxc's MaxText README,
    torchtitan's H200 file, torchao's float8 and MX tables: tests/validation/rows/blind-session27b.csv and .md).
    First scoring: 18 compared, median 26.9%, 6 within 20% (KempnerForge's "tok/s" unread, the FSDP blog's
    activation-checkpointing column "Yes" read as none). Read as the words mean: 22 compared, median 21.8%, 10
    within 20%; these stacks (PyTorch FSDP, Pax/JAX, torchao on B200) run 20-60% below the simulated step, as the
    earlier sets of them (15b, 16, 17) did. Session 24: torchao's float8 table on Meta's 96 GB H100 at 500 W
    (SOURCE_FACTS): median 16.1%, 12 within 20%."""
    assert_blind_set(cb_bin, "blind-session27b.csv", rows=22, median=0.17, within_20=12)


def test_rows_collected_blind_in_session_28(cb_bin):
    """13 rows a helper wrote blind in the shared table's columns from MLPerf Training logs of other rounds and
    submitters (v4.0 GPT-3 on Eos, v5.0 and v5.1 Llama 3.1 405B and 8B: tests/validation/rows/blind-session28.csv
    and .md). First scoring: none compared: the rows name their model by MLPerf's benchmark id ("llama31_405b")
    and leave the shape and sequence length to it. With those ids read as the models they name and the sequence
    lengths MLPerf's rules fix (gpt3 2,048; llama31_405b and llama31_8b 8,192): 11 compared, median 7.2%, 6 within
    20%; the four 405B rows whose precision the helper did not read (config_common.sh) run at the 16-bit rate,
    +49..+76%. With MLPerf's "tracked_stats throughput" read as the job's samples per second: 12 compared, median
    7.4%, 7 within 20%. Session 24: v5.0's NeMo 405B implementations' FP8=True (their config_common.sh,
    SOURCE_FACTS) and a *_fp4.sh config as NVFP4: median 5.8%, 11 within 20%."""
    assert_blind_set(cb_bin, "blind-session28.csv", rows=12, median=0.06, within_20=11)


def test_rows_collected_blind_in_session_28b(cb_bin):
    """22 rows a helper wrote blind in the shared table's columns of Qwen3 MoE runs (torchtitan's DeepEP README on
    8-128 B200, Megatron-LM PRs #5728 and #5289, Megatron-FSDP's Qwen3-30B README on GB200, Megatron-Bridge PR #1760:
    tests/validation/rows/blind-session28b.csv and .md). Scored once: 19 compared, median 21.8%, 5 within 20%:
    Blackwell MoE runs slower than simulated (torchtitan -21..-23%, Megatron-FSDP -32..-54%), two GB200 recipes of
    PR #5728 slower in the model (+64%, +88%): the class docs/simulator-model.md calls the model's weakest.
    Session 24: the recipe index's "full CG" and "EP overlap" read for those two (+8.4%, +15.7%): median 21.4%, 7
    within 20%."""
    assert_blind_set(cb_bin, "blind-session28b.csv", rows=19, median=0.22, within_20=7)


def test_rows_collected_blind_in_session_21b(cb_bin):
    """15 rows a helper collected in session 21, blind (tests/validation/rows/blind-session21b.csv, its report
    beside it): MLPerf Training logs of GPT-3 175B, Llama 3.1 405B and 8B from submitters other than NVIDIA where it
    could (University of Florida, CoreWeave, Nebius, Lambda, Oracle; three NVIDIA system scales not used before), on
    32-3,072 H100, H200, B200, GB200 and GB300. Scored once, after the session's changes: 15 rows, median 10.7%,
    14 within 20%, max 22.2% (Llama 3.1 8B on 256 B200, -22.2%), none judged not to fit; Blackwell rows run
    slower than simulated (-5..-22%), the small H100 and H200 GPT-3 and 405B runs faster (+13..+17%)."""
    assert_blind_set(cb_bin, "blind-session21b.csv", rows=15, median=0.12, within_20=14)


def test_rows_collected_blind_in_session_20b(cb_bin):
    """40 rows a helper collected in session 20, blind, from Megatron-Bridge's model verification cards
    (tests/validation/rows/blind-session20b.csv and .md). First scoring: 19 compared, median 42.6%, 6 within 20%:
    the 26.06-26.08 tuned Blackwell MoE recipes +40..+54% too slow. A second helper read those rows' recipes (MBS,
    all-to-all overlap, CUDA graphs, paged stashing, the fused grouped MLP) and two reading faults were mended
    (moe_expert_rank_capacity_factor, a dropless buffer size, read as token dropping; the fused MLP's
    moe_mlp_glu_interleave_size read as an interleaved pipeline): median 14.8%, 14 within 20%. Transformer Engine's
    fused grouped MLP (framework.fused_grouped_mlp): median 9.7%, its 11 rows each closer. A paged-stashing
    "capacity factor 1.5" (the same buffer size in other words) read as no dropping too: 16 within 20%. 21 rows are
    not compared: hybrid Mamba models, and models whose experts or shape the rows do not state. Session 23 simulates
    hybrid Mamba models: Nemotron 3 Nano on 8 GB300 in MXFP8 reads -8.0% (first scoring). With the Nano 4B and
    Nemotron 3.5 Lightning shapes read (model-shapes.csv) and latent MoE, first scoring: Nano 4B -0.4%, Lightning
    -28.6% (16 H100, CP2, real data), -14.5%, -30.8% (Megatron-FSDP), -13.4%, +10.7% (16 H100 tuned; judged not to
    fit), +0.3%; Super -20.1%, -17.9% (64 H100), -58.4% (64 GB200 TP2), -31.6% (64 GB300 NVFP4): 31 compared, median
    10.7%, 23 within 20%, one not fitting. Reading the tuned Lightning row's "BF16 Adam moments" and "activation
    offload expert_fc1" and its CUDA graph scopes "attention+mamba": it fits under the generator's ZeRO-3 fallback
    (sharding unstated), +23.8%: median 13.4%, 22 within 20%, none not fitting. Mamba's context-parallel
    all-to-alls: the CP2 Lightning row -28.6% -> -26.7%."""
    assert_blind_set(cb_bin, "blind-session20b.csv", rows=31, median=0.14, within_20=21)


def test_recipe_words_that_are_not_what_they_look_like():
    """A dropless dispatcher's receive-buffer size (moe_expert_rank_capacity_factor, with paged stashing) is not token
    dropping, and the fused grouped MLP's weight interleave is not an interleaved pipeline; the fused grouped MLP is
    read where the row names it, on Blackwell in fp8 only, unless a recipe reading in `assumed` says otherwise."""
    row = {"id": "X", "source": "Megatron-Bridge", "gpu": "GB300", "gpus": "8", "gpus_per_node": "4", "model": "m",
           "layers": "48", "hidden": "2048", "heads": "32", "kv_heads": "4", "head_dim": "128", "ffn": "768",
           "vocab": "151936", "seq": "4096", "global_batch_seqs": "512", "micro_batch": "8", "tp": "1", "pp": "2",
           "dp": "4", "cp": "1", "ep": "4", "vpp": "", "recompute": "none", "precision": "mxfp8", "experts": "128",
           "top_k": "8", "expert_ffn": "768", "framework": "megatron-bridge", "metric": "step_time_s", "value": "5",
           "notes": "paged stashing (moe_paged_stash=True, capacity factor 1.5); moe_expert_rank_capacity_factor=1.5; "
                    "cutedsl fused grouped MLP "
                    "(moe_mlp_glu_interleave_size=32)", "_set": "project"}
    text = published.scenario_from_row(row)[0]
    assert "moe_capacity_factor" not in text and "vpp: 1" in text and "fused_grouped_mlp: true" in text, text
    assert "fused_grouped_mlp" not in published.scenario_from_row(dict(row, precision="bf16"))[0]
    assert "fused_grouped_mlp" not in published.scenario_from_row(dict(row, gpu="H100"))[0]
    assert "fused_grouped_mlp" not in published.scenario_from_row(dict(row, assumed="fused_grouped_mlp: no (later)"))[0]
    assert "moe_capacity_factor: 1.0" in published.scenario_from_row(
        dict(row, notes="--moe-expert-capacity-factor 1.0 (token dropping)"))[0]
    for buffers in ("--moe-expert-rank-capacity-factor 1.5", "capacity factor 1.0 (paged stashing)"):
        assert "moe_capacity_factor" not in published.scenario_from_row(dict(row, notes=buffers))[0], buffers
    assert "fused_grouped_mlp" not in published.scenario_from_row(dict(row, notes="cutedsl_fused_grouped_mlp=False"))[0]


def test_rows_collected_blind_in_session_29(cb_bin):
    """28 rows a helper collected in session 23, blind, of hybrid Mamba-2 models' training (tests/validation/rows/
    blind-session29.csv and .md: Megatron-Bridge's performance tables 26.02.01-26.08 for Nemotron 3 Nano, Super,
    3.5 Lightning and Ultra; dgxc-benchmarking's and Together AI's Nemotron-H 56B runs on H100, B200 and GB200).
    First scoring, after hybrid models and latent MoE were simulated and before any reading was changed for them:
    8 compared, median 28.6% (Nemotron-H 56B H100 step times -18..-20%; its TFLOP/s rows -37..-51%, read with the
    transformer count). Then two readings: Megatron's hybrid FLOP count (megatron_hybrid_flops; Together's rows
    state both TFLOP/s and seconds per step, and the count turns one into the other within 1.5%), and the tables'
    bare family names (Nemotron_3_Nano, Nemotron_3_Super, Nemotron_3_5_Lightning, exact-match aliases in
    model-shapes.csv): 21 compared, median 20.2%, 10 within 20%, none judged not to fit; with dgxc-benchmarking's
    "Time Mean (s)" read as its parser's mean step time: 22 compared, median 20.1%, 11 within 20%. Nemotron 3 Ultra
    (pattern not read) and the Automodel rows (shape not stated) are not compared. The model reads these runs about
    20% too fast (Super on GB200 and GB300 30-40%)."""
    assert_blind_set(cb_bin, "blind-session29.csv", rows=22, median=0.21, within_20=11)
    rows = {r["id"]: r for r in csv.DictReader(open(os.path.join(os.path.dirname(__file__), "rows",
                                                                  "blind-session29.csv"), encoding="utf-8"))}
    # Together AI's 64-B200 run states 1563 TFLOP/s/GPU and "5.27 s/step": the hybrid count joins the two.
    step = published.published_step_time(published.fill_shape(rows["BL29-25"])[0])[0]
    assert abs(step / 5.27 - 1) < 0.02, step


def test_rows_collected_blind_in_session_30(cb_bin):
    """24 rows a helper collected in session 24, blind, from sources not written by the GPU's vendor where it could
    (tests/validation/rows/blind-session30.csv and .md: OpenEuroLLM's Megatron-LM runs on JUPITER's GH200 at 16 to
    4,096 GPUs, BloombergGPT, FlagPerf's Mixtral on 32 H100, AMD's MaxText runs on MI355X and B200, Swiss AI's and
    AWS's pull requests, an MI350X table). First scoring, before anything was read for them: 16 compared, median
    34.6%, 2 within 20%, 2 judged not to fit (GH200 read as an H200: the generator's part match took "GH200" for
    "H200"; FlagPerf's "token/p/s" read as the job's rate). Then the GH200 as what JSC's configuration page says of
    JUPITER's (configs/gpus/gh200.yaml, configs/clusters/gh200-jupiter.yaml: 96 GB HBM3 at 4 TB/s, 4 to a node,
    4 NDR200 NICs, the superchip at 680 W of 900) and "token/p/s" as per GPU: 16 compared, median 16.9%, 9 within
    20%; the two MaxText DeepSeek-V3 rows on B200 (FSDP over nodes, EP in the node: a mesh the generator reads as
    FSDP 8) are still judged not to fit. Session 26: the MI350X as the MI355X at its 2.2 GHz clock and 1000 W
    (configs/gpus/mi350x.yaml; its efficiencies are the MI355X's, not measured on it): the table's three Megatron-LM
    rows on 8 MI350X read -12.3%, -13.1%, -12.5%; 19 compared, median 16.6%, 12 within 20%."""
    assert_blind_set(cb_bin, "blind-session30.csv", rows=19, median=0.17, within_20=12, not_fitting=2)
    assert published.gpu_key("GH200") == "GH200" and published.gpu_key("GH200 SXM (95 GiB)") == "GH200"
    assert published.gpu_key("H200") == "H200-SXM-141GB"
    assert published.throughput_metric("token/p/s") == ("tokens", "gpu", 1.0)


def test_rows_collected_blind_in_session_31(cb_bin):
    """29 rows a helper collected in session 24, blind, of mixture-of-experts training written up by others than
    the GPU's vendor (tests/validation/rows/blind-session31.csv and .md: Lambda's torchtitan runs of GPT-OSS 20B and
    120B, DeepSeek V4 and Qwen3-30B-A3B on a GB300 NVL72 rack and on B200; Marin's JAX MoE on B200, GB200 and H100;
    prime-rl; PyTorch and Nebius's DeepSeek-V3 on 256 B200). First scoring: 16 compared, median 29.7%, 4 within 20%,
    6 judged not to fit. Then readings of the rows' own words and of the models' published configs: GPT-OSS-20B's
    shape (head dim 64: tests/validation/model-shapes.csv, Megatron-Bridge's GPTOSSProvider20B), torchtitan's
    training.dtype=bfloat16 (parameters, gradients and AdamW state in bf16), its compiled loss (framework.loss:
    compiled, 4 B a logit), a "step (s)" column: 17 compared, median 29.5%, 6 within 20%, 3 judged not to fit
    (GPT-OSS at local batch 18-24 with per-op checkpointing on GB300, and an EP8 run whose bf16 training dtype
    the row leaves to its baseline); with "tok/s (per-GPU)" read per GPU (Marin's H100 row, -86% -> +8.6%): median
    23.2%, 7 within 20%. The model reads these runs too fast (GPT-OSS on GB300 and B200 -15..-57%). Session 25: the
    EP8 row fits with torchtitan's bf16 training dtype, which its fp32 parameters would not (BL31-14, -16.2%)."""
    assert_blind_set(cb_bin, "blind-session31.csv", rows=17, median=0.24, within_20=7, not_fitting=2)
    assert published.throughput_metric("step (s)") is None
    for metric in ("tok/s (per-GPU)", "per-GPU tokens/s"):  # a hyphenated or leading scope (session 24)
        assert published.throughput_metric(metric) == ("tokens", "gpu", 1.0), metric
    row = {"id": "X", "source": "s", "gpu": "B200", "gpus": "8", "gpus_per_node": "8", "model": "GPT-OSS-20B",
           "seq": "8192", "global_batch_seqs": "8", "micro_batch": "1", "tp": "1", "pp": "1", "dp": "8", "cp": "1",
           "precision": "bf16 (training.dtype=bfloat16)", "metric": "step (s)", "value": "1.5",
           "notes": "torchtitan run, FSDP over 8, --compile.enable (model, loss)"}
    assert published.published_step_time(row)[0] == 1.5
    text = published.scenario_from_row(row)[0]
    assert "pure_bf16: true" in text and "loss: compiled" in text and "head_dim: 64" in text, text
    assert "pure_bf16" not in published.scenario_from_row(dict(row, precision="bf16"))[0]


def test_rows_collected_blind_in_session_32(cb_bin):
    """18 rows a helper collected in session 25, blind, of runs at 1,024 GPUs or more written up by others than the
    GPU's vendor (tests/validation/rows/blind-session32.csv and .md: the Apertus report's 70B on 4,096 GH200 and its
    long-context table, 8B and 70B at 8K-64K on 2,048 GH200; MLPerf v6.0 Llama 3.1 405B on 8,192 GB200 (Azure) and
    4,096 GB300, and DeepSeek-V3 strong scaling on 2,048-8,192 GB300 (CoreWeave); Baichuan 2 on 1,024 A800; Frontier).
    First scoring: 13 compared, median 13.3%, 8 within 20%, none judged not to fit. Then the Apertus rows' own
    words, "xIELU activation, non-gated MLP", read as two matrices (the generator had taken a 5.25h-wide MLP as
    gated): median 10.6%, 11 within 20%. The misses are Apertus at 64K (8B -37%, 70B -59%), a phase's average."""
    assert_blind_set(cb_bin, "blind-session32.csv", rows=13, median=0.11, within_20=11)
    row = {"id": "X", "source": "s", "gpu": "H100-SXM5-80GB", "gpus": "8", "gpus_per_node": "8", "model": "m",
           "layers": "32", "hidden": "4096", "heads": "32", "kv_heads": "8", "ffn": "21504", "vocab": "131072",
           "seq": "4096", "global_batch_seqs": "8", "micro_batch": "1", "tp": "1", "pp": "1", "dp": "8", "cp": "1",
           "precision": "bf16", "metric": "tokens/s/GPU", "value": "5000"}
    assert "activation: swiglu" in published.scenario_from_row(row)[0]
    assert "activation: gelu" in published.scenario_from_row(dict(row, notes="xIELU activation, non-gated MLP"))[0]
    assert "activation: swiglu" in published.scenario_from_row(dict(row, notes="non-gated attention output"))[0]
    flops = lambda r: published.megatron_model_flops(dict(r, global_batch_seqs="8"))[0]  # noqa: E731
    assert flops(dict(row, notes="non-gated MLP")) < flops(row)  # two matrices counted as simulated


def test_rows_collected_blind_in_session_33(cb_bin):
    """21 rows a helper collected in session 26, blind, from sources the project had not used (tests/validation/rows/
    blind-session33.csv and .md: DeepSeek-V2's and DeepSeek LLM 67B's GPU hours per trillion tokens, FLM-101B's
    growth stages, OLMo-core's and Olmo 3's H100 throughputs, Llama 2's and Llama 3's model-card GPU hours,
    Falcon-180B, Pythia's Table 5, StarCoder, Fast-LLM's Mistral-7B on 32 H100). First scoring: 1 compared (Fast-LLM,
    -7.7%); 13 rows give a whole run's GPU hours for a number of tokens, read since as the run's mean rate (the
    metric DeepSeek's "per trillion tokens" already was): 6 compared, median 33.6%, 1 within 20%. Pythia on 64-256
    A100-40GB reads -31..-46% and StarCoderBase on 512 A100-80GB -42%: a whole run's hours hold its restarts,
    evaluations and checkpoints, which a step time does not; the rest state no GPU count or no layout."""
    assert_blind_set(cb_bin, "blind-session33.csv", rows=6, median=0.34, within_20=1)


def test_rows_collected_blind_in_session_34(cb_bin):
    """19 rows a helper collected in session 26, blind, mostly on V100 (tests/validation/rows/blind-session34.csv and
    .md: Megatron-LM 2019 on DGX-2H, NVIDIA's Megatron v1.0 post, the ZeRO paper, DeepSpeed's ZeRO-3 Offload post;
    AMD's MLPerf v5.1 Llama 3.1 8B logs on MI355X and MI350X). First scoring: 1 compared (MI355X MLPerf 8B, +22.5%);
    the V100 rows had no GPU config. With the V100 configs (configs/gpus/v100-sxm.yaml, v100-sxm3-h.yaml; DGX-2 and
    DGX-2H clusters), fp16 where a V100 row says 16-bit, speedups and scaling efficiencies refused as ratios, and
    a time per epoch read over its stated iterations: 5 compared, median 22.5%, 2 within 20% (Megatron-LM 2019: its
    1.2B on one GPU -9.3%, 8.3B on 512 GPUs +7.5% by the paper's 15.1 PFLOP/s, -27% by its days per epoch)."""
    assert_blind_set(cb_bin, "blind-session34.csv", rows=5, median=0.23, within_20=2)
    row = {"id": "X", "source": "s", "gpu": "V100-SXM3-32GB (DGX-2H)", "gpus": "8", "gpus_per_node": "16",
           "model": "m", "layers": "24", "hidden": "2048", "heads": "16", "ffn": "8192", "vocab": "51200",
           "seq": "1024", "global_batch_seqs": "8", "micro_batch": "1", "tp": "8", "pp": "1", "dp": "1",
           "precision": "mixed precision", "metric": "iteration time s", "value": "1"}
    text, _, how = published.scenario_from_row(row)
    assert "precision: fp16" in text and "fp16: the GPU has no bf16" in how
    assert "precision: bf16" in published.scenario_from_row(dict(row, gpu="A100-SXM4-80GB"))[0]


def test_frameworks_hold_state_as_their_defaults_do(cb_bin):
    """What a framework holds unless told otherwise (session 25): torchtitan shards over its data-parallel ranks
    (FSDP, data_parallel_shard_degree -1) and, where fp32 parameters cannot fit, ran with training.dtype bfloat16;
    DeepSpeed's ZeRO optimizers keep and reduce bf16 gradients (fp32 accumulation is the BF16_Optimizer's, stage 0,
    as BigScience ran); MaxText keeps float32 weights and shards dense weights over its expert axes too."""
    row = {"id": "X", "source": "s", "gpu": "H100-SXM5-80GB", "gpus": "16", "gpus_per_node": "8", "model": "Llama-2-7B",
           "layers": "32", "hidden": "4096", "heads": "32", "kv_heads": "32", "ffn": "11008", "vocab": "32000",
           "seq": "4096", "global_batch_seqs": "32", "micro_batch": "2", "tp": "1", "pp": "1", "dp": "16", "cp": "1",
           "recompute": "full", "precision": "bf16", "metric": "tokens/s/GPU", "value": "3000"}
    gen = lambda r: published.scenario_from_row(r)  # noqa: E731
    text, _, assumed = gen(dict(row, notes="torchtitan run"))
    assert "zero: 3" in text and "shard_group" not in text and "torchtitan's default" in assumed, assumed
    assert "zero: 0" in gen(dict(row, notes="torchtitan run, DDP over 16 GPUs"))[0]
    hsdp = gen(dict(row, notes="torchtitan run, data_parallel_replicate_degree=2"))[0]
    assert "zero: 3" in hsdp and "shard_group: 8" in hsdp, hsdp
    assert "zero: 1" in gen(dict(row, notes="Megatron-LM run"))[0]
    deepspeed = dict(row, framework="deepspeed", zero="1")
    assert "grad_reduce_in_fp32: false" in gen(deepspeed)[0]
    for words in ("bf16; BF16_Optimizer", "data_types grad_accum_dtype fp32"):
        assert "grad_reduce_in_fp32" not in gen(dict(deepspeed, notes=words))[0], words
    assert "grad_reduce_in_fp32: false" in gen(dict(deepspeed, notes="unlike BigScience's BF16_Optimizer"))[0]
    assert "grad_reduce_in_fp32" not in gen(dict(deepspeed, zero="0"))[0]
    assert "grad_reduce_in_fp32" not in gen(dict(deepspeed, zero=""))[0]  # the generator's ZeRO-1 is not stated
    mesh = dict(row, gpus="128", dp="128", model="DeepSeek-V3", source="amd-agi/maxtext-slurm report",
                notes="MaxText, dcn_fsdp_parallelism 8, ici_expert_parallelism 8")
    assert published.sharding_from_words(mesh)[0].get("shard_group") == "64"
    assert "master_weights: false" in gen(mesh)[0]
    results, _ = published.compare(cb_bin, project=False, shared_csv=os.path.join(
        os.path.dirname(__file__), "rows", "blind-session31.csv"), only=["BL31-14"])
    assert results[0]["fits"] and "training.dtype bfloat16 assumed" in results[0]["how"], results[0]["how"]
    assert "sharding ZeRO-3 assumed" not in results[0]["how"], results[0]["how"]  # FSDP is torchtitan's default
    big = dict(row, gpus="8", dp="8", model="Llama-3-70B", layers="80", hidden="8192", heads="64", ffn="28672",
               notes="torchtitan run, FSDP over 8", recompute="full")
    assert published.training_dtype_unstated(big, published.scenario_from_row(big)[0])
    assert not published.training_dtype_unstated(dict(big, notes=big["notes"] + ", bf16 mixed precision"),
                                                  published.scenario_from_row(big)[0])


def test_blind_sets_pool_every_set(cb_bin, capsys):
    """`validation_table.py --blind` prints each blind set's compared rows and the pooled figure over all of them:
    the pooled count is the sum of the sets', and the sets gated above are among them."""
    published.blind_pooled(cb_bin)
    out = capsys.readouterr().out
    per_set = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(blind-session\S+)\s+(\d+) rows", out, re.M)}
    pooled = re.search(r"blind sets pooled: (\d+) rows, median \|error\| ([\d.]+)%", out)
    assert pooled and int(pooled.group(1)) == sum(per_set.values()), out
    assert per_set["blind-session30.csv"] == 19 and per_set["blind-session31.csv"] == 17, per_set
    assert per_set["blind-session32.csv"] == 13 and per_set["blind-session33.csv"] == 6, per_set
    assert per_set["blind-session34.csv"] == 5, per_set
    # The rows again by the framework that ran them and the GPU architecture, each line its count and errors.
    stacks = {(m.group(1), m.group(2)): int(m.group(3))
              for m in re.finditer(r"^  (\S+(?: \S+)?)\s+(ampere|hopper|blackwell|other)\s+(\d+) ", out, re.M)}
    assert stacks[("torchtitan", "blackwell")] >= 26 and stacks[("nemo", "hopper")] >= 97, stacks
    assert sum(stacks.values()) <= int(pooled.group(1))


def assert_blind_set(cb_bin, name, rows, median, within_20, not_fitting=0):
    """A blind set in tests/validation/rows scored as its test states: at least `rows` compared, median |error| at
    most `median`, at least `within_20` within 20%, at most `not_fitting` judged not to fit."""
    results, _ = published.compare(cb_bin, project=False, shared_csv=os.path.join(os.path.dirname(__file__), "rows",
                                                                                    name))
    assert len(results) >= rows, name
    assert statistics.median(abs(r["err"]) for r in results) <= median, name
    assert sum(abs(r["err"]) <= 0.20 for r in results) >= within_20, name
    assert len([r["id"] for r in results if r.get("fits") is False]) <= not_fitting, name


def test_rows_collected_blind_in_session_17(cb_bin):
    """17 rows a helper collected in session 17, blind, from sources the project had not used (GPT-NeoX-20B,
    torchao's H100 float8 table, Dell's MLPerf v5.1 llama31_8b logs on B200/B300, torchtitan's DeepSeek-V3 16B on
    B200, the NeMo-Framework-Launcher H100 table: tests/validation/rows/blind-session17.csv, the helper's report
    beside it). Left out before scoring: BloombergGPT (layout from the helper's memory, not read) and StarCoderBase
    (whole-run GPU-hours, downtime included: not a step measurement). Scored once, after the session's changes:
    14 compared, median 5.7%, 10 within 20%, none judged not to fit; the misses are torchtitan FSDP2 on 8 H100
    (torchao's table, -32..-40%) and a NeMo SFT row whose recompute is not stated (+28.9%). Session 18 simulates
    NVFP4: Dell's FP4 llama31_8b row on 8 B200 reads +5.7% (15 compared, median 5.7%, 11 within 20%). Session
    24: torchao's table on Meta's 96 GB H100 at 500 W, as its benchmark script's published run logs it
    (SOURCE_FACTS): median 5.1%, 14 within 20%."""
    assert_blind_set(cb_bin, "blind-session17.csv", rows=15, median=0.06, within_20=14)
    # A second collection, of mixture-of-experts runs (12 of 25 on 1,024 GPUs or more: the MoE Parallel Folding
    # paper's H100 tables, the Megatron Core MoE report's DeepSeek-V3/Qwen3 rows on H100, GB200 and GB300,
    # MegaScale-MoE on H800; tests/validation/rows/blind-session17b.csv): 7 compared, median 12.1%, 5 within 20%,
    # none judged not to fit; 16 MFU rows are not compared (the paper does not state its FLOP count), 2 state no
    # layout. The misses are MegaScale-MoE's 352B on 240 and 1,440 H800 (-36/-38%, values from third-party notes).
    # Session 18: its GB200 row's "1F1B overlap OFF", read as on until then, is read as off: -9.9% -> -0.3%.
    assert_blind_set(cb_bin, "blind-session17b.csv", rows=7, median=0.13, within_20=5)


def test_long_context_rows_follow_the_attention_kernels_length_curve(comparison):
    """NeMo's long-sequence tables (docs/source/performance/performance_long_sequence.md): one model from 8K to
    1M tokens, the attention share of the step rising from a quarter to nearly all of it. On B200 (NeMo 25.04)
    the model follows the published series within 11% at every length since cuDNN's measured length curve
    (cudnn-frontend: cuDNN 9.19 to 32K, 9.13's decline past it) speeds the kernel past 8K; it was +18.5% at 1M
    without it. The H100 series (NeMo 24.03, cuDNN of early 2024) runs 11-18% slower than the model from 16K on:
    the curve is 2026's cuDNN, and nothing dates the kernel (docs/simulator-model.md, "Core attention";
    docs/evidence/cudnn-attention-versions.md)."""
    results, _ = comparison
    lc = {r["id"]: r["err"] for r in results if r["id"].startswith("LC-NEMO")}
    b200 = [e for k, e in lc.items() if "B200" in k]
    h100 = [e for k, e in lc.items() if "H100" in k]
    assert len(b200) == 8 and len(h100) == 9, sorted(lc)
    assert max(abs(e) for e in b200) <= 0.11, b200
    assert max(abs(e) for e in h100) <= 0.20, h100
    long_h100 = [e for k, e in lc.items() if "H100" in k and not k.endswith(("-4K-CP1", "-8K-CP1"))]
    assert len(long_h100) == 7 and all(e < -0.05 for e in long_h100), long_h100  # slower than the model, as said
    short = [e for k, e in lc.items() if k.endswith(("-4K-CP1", "-8K-CP1"))]
    assert len(short) == 3 and max(abs(e) for e in short) <= 0.02, short


def test_skipped_rows_have_reasons(comparison):
    _, skipped = comparison
    for rid, why in skipped:
        assert why, rid


def test_project_rows_are_sourced_and_well_formed():
    """Every project row names its source, a known GPU, a metric the script
    converts, and a consistent layout; ids are unique."""
    rows = list(csv.DictReader(open(published.PROJECT_CSV)))
    assert len(rows) >= 60
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for r in rows:
        assert len(r["source"]) > 20, f"{r['id']}: source too vague"
        assert r["gpu"] in KNOWN_GPUS, f"{r['id']}: unknown gpu {r['gpu']}"
        assert r["metric"], r["id"]
        gpus = published.num(r["gpus"])
        layout = [published.num(r[k]) or 1 for k in ("tp", "pp", "cp")]
        dp = published.num(r["dp"])
        if gpus and dp:
            assert layout[0] * layout[1] * layout[2] * dp == gpus, f"{r['id']}: tp*pp*cp*dp != gpus"


def test_class_bands_and_leave_one_source_out(comparison):
    """Bands exist for every class with rows; held-out sources are scored
    against bands built without them (the result is printed by the script)."""
    results, _ = comparison
    bands = published.bands_by_class(results)
    for r in results:
        key, b = published.lookup(bands, r["class"])
        assert b is not None, r["id"]
        med, lo, hi = b
        assert lo <= med <= hi
    held = published.loso(results)
    assert len(held) == len(results)
