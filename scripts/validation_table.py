"""Compare the simulator with published training runs.

Two sets of rows:
  * ../shared/validation/published-training.csv (a copy in tests/validation/ for
    CI): each shipped scenario that reproduces a row names its id in `notes`
    ("CSV <id>");
  * tests/validation/published-runs.csv, the project's own rows (collected from
    papers, framework benchmark tables and vendor pages; every row names its
    source and what was assumed). A scenario is generated from each row: the
    model shape inline, the cluster by GPU type, the layout and step as
    published.

Each published figure becomes a step time with the source's own FLOP
convention and is compared with the simulated step time; published memory per
GPU is compared with the simulated memory of the most loaded GPU, and every
run that happened must be judged to fit.

Also reported: error by class (GPU architecture x parallelism family x scale),
error bands per class (written with --write-bands to
configs/validation/error-bands.csv, which `simulate`, `plan` and `compare`
read), and leave-one-source-out figures: the bands of each source's rows are
recomputed without that source, and the coverage of the held-out rows is
reported. No simulator constant is fitted to these rows (every constant cites a
measurement; docs/simulator-model.md), so the leave-one-source-out step-time
error equals the in-sample error; the bands are the only quantity derived from
the table, and their held-out coverage is what shows whether they generalise.

    CB_BIN=build/default/apps/clusterbench python3 scripts/validation_table.py [--write-bands] [--generate-all] \\
        [--by-source] [--memory] [ID...]
    CB_BIN=... python3 scripts/validation_table.py --blind   (every blind set, each and pooled, and by framework)

Another table in the shared format can be scored with CB_VALIDATION_CSV=path (and CB_PROJECT_CSV=path for one
in the project's format): a row without a shipped scenario is generated from its columns, as project rows are,
when it states its tensor and pipeline sizes; free-text GPU, precision and recomputation fields are read by
gpu_key, precision_key and recompute_key. --generate-all generates the shared rows too instead of using their
hand-written scenarios: how far the two agree is how well the generator reproduces a row nobody wrote a
scenario for.
"""
import csv
import functools
import glob
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
CSV = os.environ.get("CB_VALIDATION_CSV", os.path.join(ROOT, "..", "shared", "validation", "published-training.csv"))
# A copy travels with the repository so CI on a bare checkout can run it.
if not os.path.exists(CSV):
    CSV = os.path.join(ROOT, "tests", "validation", "published-training.csv")
PROJECT_CSV = os.environ.get("CB_PROJECT_CSV", os.path.join(ROOT, "tests", "validation", "published-runs.csv"))
BANDS = os.path.join(ROOT, "configs", "validation", "error-bands.csv")

# GPU type of a row -> (cluster document, --set overrides). Clusters are the
# shipped ones; the job size is set to the row's GPU count.
CLUSTERS = {
    "A100-SXM4-80GB": ("dgx-a100-hdr", []),
    "A100-SXM4-40GB": ("dgx-a100-hdr", ["cluster.gpu.memory=40960MiB"]),  # nvidia-smi memory.total
    "H100-SXM5-80GB": ("dgx-h100-ndr", []),
    "H200-SXM-141GB": ("dgx-h200-ndr", []),
    # H800: the H100 die with NVLink cut to 400 GB/s both directions (200 per direction).
    "H800": ("dgx-h100-ndr", ["cluster.gpu=h800-sxm", "cluster.scale_up.bandwidth=200GB/s"]),
    # A800: the A100 with NVLink cut to 400 GB/s both directions, 600 on the A100 (Reuters, Nov 2022, via
    # tweakers.net 203182: "de bandbreedte van de NVLink-interconnect is beperkt tot 400GB/s").
    "A800": ("dgx-a100-hdr", ["cluster.scale_up.bandwidth=200GB/s"]),
    "B200": ("b200-50k", []),
    "B300": ("b300-16k", []),
    "GB200": ("gb200-nvl72", []),
    "GB300": ("gb300-nvl72", []),
    "MI355X": ("mi355x-16k", []),  # configs/gpus/mi355x.yaml, docs/evidence/mi355x.md (session 20)
    "MI350X": ("mi350x-16k", []),  # the MI355X at 2.2 GHz and 1000 W (configs/gpus/mi350x.yaml, session 26)
    "MI300X": ("mi300x-16k", []),  # configs/gpus/mi300x.yaml, docs/evidence/mi300x.md (session 26)
    # V100 (session 26, docs/evidence/v100.md): DGX-2H's 450 W part where a row names it, else DGX-2's.
    "V100-SXM3-32GB-H": ("dgx2h-v100", []),
    "V100": ("dgx2-v100", []),
    # GH200: an H100 GPU with 96 GB HBM3 at 4 TB/s beside a Grace CPU, four to a node; JUPITER is the one GH200
    # buildout shipped, its 680 W cap in its cluster document (session 24).
    "GH200": ("gh200-jupiter", []),
}


def gpu_key(text):
    """The CLUSTERS key a row's free-text GPU names ("A100-SXM4-80GB (Selene)", "H100 (80GB SXM presumed)",
    "H100-SXM 80GB (DGX-H100)", "GB200"), or None: the most specific part number the text contains."""
    t = text.upper().replace(" ", "").replace("-", "")
    if t in (k.replace("-", "") for k in CLUSTERS):
        return next(k for k in CLUSTERS if k.replace("-", "") == t)
    # (GH200 before H200: the superchip's name contains the other's.)
    for part, key in (("GB300", "GB300"), ("GB200", "GB200"), ("GH200", "GH200"), ("B300", "B300"), ("B200", "B200"),
                      ("H200", "H200-SXM-141GB"), ("H800", "H800"), ("H100", "H100-SXM5-80GB"), ("A800", "A800"),
                      ("MI355X", "MI355X"), ("MI350X", "MI350X"), ("MI300X", "MI300X"), ("DGX2H", "V100-SXM3-32GB-H"),
                      ("V100SXM332GBH", "V100-SXM3-32GB-H"), ("V100", "V100")):
        if part in t:
            return key
    if "A100" in t:
        return "A100-SXM4-40GB" if re.search(r"40G", t) else "A100-SXM4-80GB"
    return None


def precision_key(text):
    """bf16, fp16, fp8 or nvfp4 (None for MXFP4) from a row's free-text precision ("mxfp8", "FP8", "NVFP4",
    "mixed precision 16-bit", "bf16; BF16_Optimizer ...", "not stated (... BF16 peak)", "bf16 (fp8: false)").
    NVIDIA's FP4 training (its performance tables' "NVFP4", MLPerf's *_fp4.sh configs) is Transformer Engine's
    NVFP4 recipe, the only 4-bit training recipe Megatron-Core runs (fp4_recipe "nvfp4"; docs/evidence/nvfp4.md);
    "fp4 false" is not."""
    t = text.strip().lower()
    if re.search(r"mx_?fp4", t):
        return None  # OCP MXFP4 (E8M0 scales per 32): not a training recipe Megatron-Core runs
    # (A config file's "_fp4" part too: "config_GB300_128x4x72xtp2pp8cp2_cg_fp4.sh", "..._fp4_v2.sh"; not "no_fp4",
    # "disable_fp4".)
    if re.search(r"(?<!not )(?<!no )(?<!without )(?:\b|(?<!\bno)(?<!disable)_)(?:nv)?fp4(?![a-z0-9])"
                 r"(?!\s*[:=]?\s*(?:false|off|0\b|no\b|disabled))", t):
        return "nvfp4"
    # "fp8_hybrid", "FP8-MX", "mxfp8", torchao's "Float8"; not "bf16 (fp8: false)", "fp8=None", "FP8 not used",
    # "bf16 vs fp8".
    if re.search(rf"(?<!not )(?<!no )(?<!without )\b(?:mx)?(?:fp|float)8(?!{_OFF}|\s*[:=]?\s*null\b|\s+not\b)",
                 _COMPARISON.sub(" ", t)):
        return "fp8"
    if "fp16" in t and "bf16" not in t:
        return "fp16"
    return "bf16"  # bf16, "16-bit" mixed precision and unstated precision run at the 16-bit rate


def metric_words(metric):
    """The metric with "teraFLOP/s" and "petaFLOP/s" spelled out (Narayanan et al. SC'21 write them so) as
    TFLOP/s and PFLOP/s."""
    return re.sub(r"\bpeta[- ]?FLOP", "PFLOP", re.sub(r"\btera[- ]?FLOP", "TFLOP", metric, flags=re.I), flags=re.I)


def counts_recomputed_forward(row):
    """Whether the row's figure is counted with Narayanan et al.'s (SC'21) eq. 3, 96·B·s·l·h²·(1 + s/6h + V/16lh),
    which counts the forward twice (full activation recomputation): in the metric's words ("96Bslh^2", "incl.
    recompute") or the formula in the notes."""
    metric, notes = metric_words(row.get("metric", "")), row.get("notes", "")
    op = r"\s*[*·x×]?\s*"
    return bool(re.search(r"96Bslh|incl\. recompute", metric) or (
        re.search(rf"\b96{op}B{op}s{op}l{op}h", notes, re.I) and re.search(r"TFLOP", metric, re.I) and
        not re.search(r"\bMFU\b|\bHFU\b", metric, re.I) and not re.search(rf"\b72{op}B", metric + " " + notes, re.I)))


def recompute_key(text):
    """none, selective or full from a row's free text ("full activation recomputation", "selective + sequence
    parallelism", "not stated" -> none)."""
    t = text.strip().lower()
    if t.startswith("full"):
        return "full"
    if t.startswith("selective"):
        return "selective"
    if re.fullmatch(r"(?:yes|true|on|enabled)\W*", t):
        return "full"  # a table's "activation checkpointing" column ticked: every layer (the frameworks' default)
    # Other words for the same settings: "activation checkpointing: selective", "SAC", "AC (full)",
    # "checkpointing every layer", "no activation checkpointing", "recompute disabled", "AC: none", and
    # Megatron's selective modules by name ("recompute: core_attn", "MLA up-proj recompute").
    # JAX's rematerialisation policies by name (jax.checkpoint_policies; Pax's AutodiffCheckpointType, MaxText's
    # remat_policy): saving nothing recomputes every layer; saving the dots "with no batch dims" keeps every
    # projection's output and recomputes the batched attention products (dot_general's batch dimensions, not the
    # data batch): Megatron's selective, as "minimal" (MaxText's name for it) and the policies that save dots are.
    if re.search(r"save_?nothing|nothing_saveable", t):
        return "full"
    if re.search(r"save_?dots?_|dots?_(?:with_no_batch_dims_)?saveable|checkpoint_dots|^minimal", t):
        return "selective"
    _switch = r"checkpointing|recompute|recomputation|-*checkpoint[-_ ]activations|remat\w*"
    if re.match(r"(?:no\b|none|off\b|disabled|false\b|not (?:used|enabled))", t) or \
            re.search(rf"\b(?:no|without) (?:activation )?(?:{_switch})|"
                      rf"(?:{_switch}|\bac)\W*(?:none|off|no|disabled|false)\b", t):
        return "none"
    if re.search(r"selective|\bsac\b|per[- ]op|core_?attn|core[ _-]attention|mla[_ -]?up|moe_act|layernorm|\bmlp\b", t):
        return "selective"
    # Megatron-LM's and GPT-NeoX's flag before selective recomputation existed, --checkpoint-activations, is full.
    if re.search(r"\bfull\b|activations? checkpoint|checkpoint[-_ ]activations|\bac\b|checkpointing|recompute|"
                 r"recomputation|rematerial|\bblock\b", t):
        return "full"
    return "none"


# Megatron-Core's selective recomputation modules (--recompute-modules; TransformerConfig.recompute_modules), as
# rows quote them: "recompute_modules=[mla_up_proj, mlp]", "--recompute-modules moe_act layernorm",
# "recompute_modules layernorm + moe_act". RMSNorm is what "layernorm" recomputes in these models (DeepSeek-V3's
# report: "recomputing all RMSNorm operations and MLA up-projections").
_RECOMPUTE_MODULES = ("core_attn", "moe_act", "layernorm", "mla_up_proj", "mlp", "moe", "shared_experts")


def _module_list(text, names, alias=None):
    """The module names at the start of `text` ("layernorm moe'", "layernorm+moe_act. EP ...", "'norm, act',
    DeepEP"), up to the first other word; [] when a name runs on into a phrase ("MLP TP-split", "moe layers in
    fp8"): a word of a sentence, not a list."""
    alias = alias or {}
    tokens = re.findall(r"([A-Za-z_0-9]+)([^A-Za-z_0-9]*)", text)
    found = []
    for i, (word, sep) in enumerate(tokens):
        w = alias.get(word.lower(), word.lower())
        if w in names:
            following = alias.get(tokens[i + 1][0].lower(), tokens[i + 1][0].lower()) if i + 1 < len(tokens) else ""
            if not sep.strip() and following and following not in names and \
                    following not in ("and", "recomputed", "recompute", "recomputation"):
                return []
            if w not in found:
                found.append(w)
        elif w not in ("and", "modules", "module"):
            break
    return found


def recompute_modules(row):
    """The modules a row's words name after "recompute" or "recompute modules" (in the recompute, notes and
    assumed fields), in Megatron-Core's spelling, or [] when none are named. The ModelZoo tables' shorthand
    "norm, act" is layernorm and moe_act."""
    alias = {"rmsnorm": "layernorm", "norm": "layernorm", "act": "moe_act"}
    if maxtext_policy(row) in _MAXTEXT_EXCEPT_MLP:
        return _MAXTEXT_EXCEPT_MLP[maxtext_policy(row)]
    # The modules in words too: "MLA up-projection(s)", "core attention".
    def spelled(text):
        text = re.sub(r"\bMLA[ _-]?up[ _-]?proj\w*", "mla_up_proj", text or "", flags=re.I)
        return re.sub(r"\bcore[ _-]attention\b", "core_attn", text, flags=re.I)
    # The recompute column may hold the list itself ("selective: moe_act + layernorm").
    column = re.sub(r"^\W*selective\W*", "", spelled(row.get("recompute", "")).strip(), flags=re.I)
    found = _module_list(column, _RECOMPUTE_MODULES, alias)
    if found:
        return found
    for field in ("recompute", "notes", "assumed"):
        for m in re.finditer(r"recompute(?:[-_ ]modules?)?\b\W*(?=([^;|()]{0,80}))", spelled(row.get(field, "")), re.I):
            found = _module_list(m.group(1), _RECOMPUTE_MODULES, alias)
            if found:
                return found
    return []


# Megatron-Core's fine-grained activation offloading (--offload-modules), as rows quote it: "--offload-modules
# expert_fc1", "fine-grained activation offloading of expert_fc1 and moe_act".
_OFFLOAD_MODULES = ("attn_norm", "qkv_linear", "core_attn", "attn_proj", "mlp_norm", "expert_fc1", "moe_act")


def offload_modules(row):
    """The modules a row's words offload (after "offload modules", "activation offloading of" or "activation
    offload": "fine-grained activation offload expert_fc1"), or []."""
    text = " ".join(row.get(f, "") or "" for f in ("notes", "assumed"))
    for m in re.finditer(r"(?:offload[-_ ]modules?|activation offload(?:ing)?(?: of)?)\W*(?=([^;|()]{0,80}))", text,
                         re.I):
        found = _module_list(m.group(1), _OFFLOAD_MODULES)
        if found:
            return found
    return []


# A number as tables write it: thousands separated by commas ("5,113"), a magnitude suffix ("12.5k", "1.2M",
# "16K" tokens of sequence), a unit ("570 ms", "1.2 min", "45%"). A decimal comma ("0,57") is not read.
_NUMBER = re.compile(r"(?<![\d,.])~?\s*(\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\d,])\s*"
                     r"([kKMB](?![a-zA-Z]))?\s*(ms|min|s|%)?(?![a-zA-Z])")


def parse_number(text, binary_k=False):
    """(value, unit) of the first number in a field, its magnitude suffix applied (k/K = 1e3, or 1024 with
    binary_k, which sequence lengths use: "16K" = 16,384; M = 1e6; B = 1e9) and its unit ("ms", "min", "s",
    "%" or ""), or (None, "") when the field holds none."""
    m = _NUMBER.search(text) if isinstance(text, str) else None
    if not m:
        return None, ""
    value = float(m.group(1).replace(",", ""))
    if m.group(2):
        value *= {"k": 1024 if binary_k else 1e3, "K": 1024 if binary_k else 1e3, "M": 1e6, "B": 1e9}[m.group(2)]
    return value, m.group(3) or ""


def gated_mlp(ffn, hidden, row):
    """Whether a row's MLP is gated (SwiGLU, three matrices): GPT-style MLPs (GeLU, squared ReLU; two matrices)
    are 4h wide, gated ones not (Llama's 8h/3 rounded, 3.5h), unless the row's words say its MLP is not gated
    whatever its width (Apertus: "xIELU activation, non-gated MLP", 5.25h wide)."""
    if re.search(r"\bnon[- ]?gated\s+(?:MLP|FFN|feed[- ]?forward)", own_words(row, ("model", "notes")), re.I):
        return False
    return ffn != 4 * hidden


def with_seq_tokens(row):
    """The row with its sequence length in tokens: "16K" is 16,384 (sequence lengths count K as 1024)."""
    seq = parse_number(row.get("seq", ""), binary_k=True)[0]
    return dict(row, seq=str(int(seq))) if seq else row


def num(x):
    """A field's number as written: "2,048", "8 (TP)", "~400" and "12.5k" are 2048, 8, 400 and 12,500; "",
    "n/a", "—" and "0,57" none."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return parse_number(x)[0]


def flops_per_step(conv, row):
    """FLOPs per iteration under a named convention, or None."""
    B, s = num(row["global_batch_seqs"]), num(row["seq"])
    L, h, V = num(row["layers"]), num(row["hidden"]), num(row["vocab"])
    N = num(row["params_b"])
    if conv == "narayanan96" and None not in (B, s, L, h, V):
        return 96 * B * s * L * h * h * (1 + s / (6 * h) + V / (16 * L * h))
    if conv == "megatron72" and None not in (B, s, L, h, V):
        return 72 * B * s * L * h * h * (1 + s / (6 * h) + V / (12 * L * h))
    if conv == "6N" and None not in (B, s, N):
        return 6 * N * 1e9 * B * s
    if conv == "6N+attn" and None not in (B, s, N, L, h):
        return (6 * N * 1e9 + 12 * L * h * s) * B * s
    return None


def throughput_metric(metric):
    """("tokens" or "samples", "gpu", "node" or None for the whole job, seconds per the rate's time unit) for a
    throughput metric in any of the usual words ("tokens/s/GPU", "tokens per second per GPU", "throughput
    (tokens/sec/GPU)", "tokens/GPU/s", "TGS", torchtitan's "TPS" and "WPS", "T/s/GPU", "tokens/s/node", "samples/s",
    "sequences per second", "tokens/day"), else None (FLOP rates and MFU are not throughputs here)."""
    m = metric.lower()
    if re.search(r"flop|mfu", m):
        return None
    if re.search(r"\btracked_stats\W+throughput\b", m):
        # MLPerf's logged "tracked_stats": {"throughput": ...} is the job's samples per second (with the step time
        # beside it: global batch / throughput = train_step_time in NVIDIA's logs).
        return "samples", None, 1.0
    if re.search(r"\btgs\b", m):
        return "tokens", "gpu", 1.0  # tokens per GPU per second
    # torchtitan's logged "tps" ("tokens per second per device, abbreviated as tps": torchtitan train.py) and its
    # earlier name "wps"; "TPS/GPU" and "T/s/GPU" say the scope themselves.
    if re.fullmatch(r"\s*(?:median |mean |average )?(?:tps|wps)(?:\s*(?:/|per)\s*(?:gpu|device))?\s*", m):
        return "tokens", "gpu", 1.0
    m = re.sub(r"\bt/s\b", "tokens/s", m)
    # FlagPerf's "token/p/s": tokens per process (one GPU each) per second.
    m = re.sub(r"/p/s\b", "/gpu/s", m)
    unit = re.search(r"\b(tokens?|toks?|samples?|sequences?|seqs?)\b", m)
    per_time = re.search(r"(?:/|\bper)\s*(s(?:ec(?:ond)?)?|day)\b", m)
    if not unit or not per_time:
        return None
    # ("per-GPU tokens/s", "tok/s (per-GPU)": the scope may lead or be hyphenated.)
    per = re.search(r"(?:/|\bper)[\s-]*(gpu|device|accelerator|node|server|host)\b", m)
    scope = None if not per else ("node" if per.group(1) in ("node", "server", "host") else "gpu")
    seconds = 86400.0 if per_time.group(1) == "day" else 1.0
    return ("tokens" if unit.group(1).startswith("tok") else "samples"), scope, seconds


@functools.lru_cache(maxsize=None)
def gpu_config_text(key):
    """The text of the GPU config a row's GPU runs on (its cluster document's `gpu`, or CLUSTERS' `cluster.gpu=`)."""
    cluster, sets = CLUSTERS.get(key or "", CLUSTERS["H100-SXM5-80GB"])
    name = next((x.split("=", 1)[1] for x in sets if x.startswith("cluster.gpu=")), None) or \
        cluster_field(cluster, "gpu")
    with open(os.path.join(ROOT, "configs", "gpus", f"{name}.yaml"), encoding="utf-8") as f:
        return f.read()


def stated_peak(key, precision):
    """The dense peak (FLOP/s) the GPU config a row's GPU runs on states at `precision` in its `peak:` block
    (configs/gpus/*.yaml, each figure with its source there); 0 where it states none."""
    block = re.search(r"^peak:\n((?:[ \t]+.*\n)+)", gpu_config_text(key), re.M).group(1)
    figure = re.search(rf"^\s+{precision}:\s*([\d.]+)\s*([TP])FLOPS", block, re.M)
    return float(figure.group(1)) * {"T": 1e12, "P": 1e15}[figure.group(2)] if figure else 0.0


def gpu_peak(key, precision="bf16"):
    """The dense peak (FLOP/s) at `precision` ("bf16" or "fp8") of the GPU config a row's GPU runs on: its cluster
    document's `gpu`, or the config CLUSTERS sets (`cluster.gpu=`). H100's for a GPU no cluster is shipped for; 0
    where the config gives none. A GPU without bf16 (V100): its 16-bit peak is fp16's, the precision it trains in."""
    return stated_peak(key, precision) or (stated_peak(key, "fp16") if precision == "bf16" else 0.0)


_TF = r"([\d,]+(?:\.\d+)?)\s*T(?:F|FLOP/?S|FLOPS)\b"
_QUALIFIER = r"(?:(?:dense|bf16|fp16|fp8|tensor[- ]core|per[- ]GPU|GPU)\s*)*"


def mfu_peak(row, bf16_peak):
    """The peak an MFU figure is quoted against: a number the row states as the peak ("989 TF peak", "1979 TF FP8
    peak", "peak 1,979 TFLOP/s", "peak BF16 989 TFLOPS, FP8 1979 TFLOPS"; where it states one per precision, the
    one of the row's precision), else "FP8 peak" named in words (the GPU's fp8 peak) unless a bf16 peak or a bf16
    MFU is named too, else the bf16 peak. A number below 0.9 of the GPU's bf16 peak is an achieved rate, not a
    peak, and is not taken."""
    text = row.get("metric", "") + " " + row.get("notes", "")
    fp8 = precision_key(row.get("precision", "")) == "fp8"

    def peak_of(number):
        value = float(number.replace(",", "")) * 1e12
        return value if value >= 0.9 * bf16_peak else None

    if re.search(r"\bpeaks?\b", text, re.I):
        # Per precision, where the text names peaks: "989 TF bf16 / 1979 TF fp8", "BF16 989 TFLOPS, FP8 1979 TFLOPS".
        pairs = [(n, p) for n, p in re.findall(_TF + r"\s*\(?(bf16|fp16|fp8)\b", text, re.I)]
        pairs += [(n, p) for p, n in re.findall(r"\b(bf16|fp16|fp8)\)?\s*[:=]?\s*" + _TF, text, re.I)]
        chosen = [peak_of(n) for n, p in pairs if (p.lower() == "fp8") == fp8]
        if any(chosen):
            return next(c for c in chosen if c)
    stated = re.search(_TF + r"\s*" + _QUALIFIER + r"peak|peak\s*(?:of\s*)?" + _QUALIFIER + r"[:=]?\s*" + _TF, text, re.I)
    if stated and peak_of(stated.group(1) or stated.group(2)):
        return peak_of(stated.group(1) or stated.group(2))
    fp8_named = re.search(r"(?<!not )(?<!not against )(?<!not against the )\bfp8[- ]peak", text, re.I)
    bf16_named = re.search(r"\bbf16[- ](?:peak|mfu)|\bmfu\s*\(bf16\)", text, re.I)
    if fp8_named and not bf16_named:
        return gpu_peak(gpu_key(row.get("gpu", "")), "fp8") or bf16_peak
    return bf16_peak


def mfu_fraction(number, unit):
    """An MFU as a fraction: 45, 45 % and 0.45 are all 0.45 (no training run reaches 1% MFU or less, so a
    value at or below 1 without a percent sign is already a fraction)."""
    return number if number <= 1 and unit != "%" else number / 100


def megatron_count_stated(row, metric):
    """The name of the count a "[stated]" FLOP figure was made with where it is Megatron's own, else None:
    - a model TFLOP/s that Megatron-LM printed (its training log's "throughput per GPU (TFLOP/s/GPU)", which the
      Megatron-MoE-ModelZoo tables and Megatron-LM's write-ups quote) is num_floating_point_operations over the
      step time, whatever the prose says;
    - MegaScale's MFU (Jiang et al., NSDI'24, arXiv:2402.15627), defined citing Narayanan et al.: its Table 2 gives
      1,579.5 PFLOP/s at 1,466.8k tokens/s for its 175B on 12,288 GPUs, 1.0768e12 FLOPs per token, where
      Megatron's 72·L·h²·(1 + s/6h + V/12Lh) is 1.0774e12 (Narayanan's own appendix formula, 96·..., counts the
      recomputed forward too, so citing the paper alone does not fix the count)."""
    if framework_of(row) in ("megatron-lm", "megatron") and re.search(r"TFLOP", metric):
        return "Megatron-LM's count"
    if metric.startswith("MFU") and re.search(r"MegaScale|2402\.15627", row.get("source", "")):
        return "Megatron-LM's count (MegaScale's Table 2)"
    return None


_TOKEN_SCALE = {"t": 1e12, "trillion": 1e12, "b": 1e9, "billion": 1e9}


def gpu_hours_tokens(metric):
    """The tokens a "GPU hours per/for N tokens" metric's hours trained (1e12 for "per trillion tokens", 2.999e11
    for "for 299.9B tokens"), or None: not such a metric, or a count given as a bound ("15T+", "over 2T")."""
    m = re.search(r"gpu[- ]hours?\b.*?(?:\b(?:per|for)|/)\s*(?:(\d[\d,]*(?:\.\d+)?)\s*)?(t|b|trillion|billion)"
                  r"(\+?)\s+(?:training\s+)?tokens?\b", metric, re.I)
    if not m or m.group(3) or re.search(r"\b(?:over|more than|at least)\s*$", metric[:m.start(2)], re.I):
        return None
    return float((m.group(1) or "1").replace(",", "")) * _TOKEN_SCALE[m.group(2).lower()]


def published_step_time(row):
    """Step time (s) implied by the row's metric, or (None, reason)."""
    row, _ = fill_shape(with_seq_tokens(row))  # a FLOP rate needs the shape, which a row may leave to its name
    metric, notes = metric_words(row["metric"]), row.get("notes", "")
    # The value as written ("5,113", "0.57 s", "570 ms", "12.5k", "45%"): its number, in seconds for a time.
    number, unit = parse_number(row["value"])
    if number is None:
        return None, f"value '{row['value']}' is not a number"
    value = number * {"ms": 1e-3, "min": 60.0}.get(unit, 1.0)
    B, s = num(row["global_batch_seqs"]), num(row["seq"])
    L, h, V = num(row["layers"]), num(row["hidden"]), num(row["vocab"])
    gpus = num(row["gpus"])
    peak = gpu_peak(gpu_key(row["gpu"]) or "H100-SXM5-80GB")
    rate = throughput_metric(metric)
    if rate:
        # tokens/s/GPU (also "tokens per second per GPU", "tokens/GPU/s", "TGS"), tokens/s of the job, or
        # samples (sequences) per second.
        if None in (B, s, gpus):
            return None, "batch or GPU count not stated"
        per_step = B * s if rate[0] == "tokens" else B
        if rate[1] is None and rate[0] == "tokens" and framework_of(row) == "torchtitan" and \
                not re.search(r"\b(?:aggregate|total|overall|job|cluster|across)\b", metric, re.I):
            # torchtitan logs one throughput, per device ("tokens per second per device, abbreviated as tps":
            # torchtitan train.py); its tables' unscoped "tokens/second" is that figure.
            rate = (rate[0], "gpu", rate[2])
        if rate[1] == "node" and not _int(row, "gpus_per_node"):
            return None, "a throughput per node, and GPUs per node not stated"
        units = {"gpu": gpus, "node": gpus / (_int(row, "gpus_per_node") or 1), None: 1}[rate[1]]
        return per_step / (value / rate[2] * units), metric.strip()
    # A ratio to another run (Megatron-LM 2019's strong-scaling speedups, weak-scaling efficiencies) is no rate.
    if re.search(r"\bspeed-?up\b|scaling efficiency|% of linear", metric, re.I):
        return None, "a ratio to another run (speedup or scaling efficiency), not a rate"
    # Time per epoch with the epoch's iterations stated ("time per epoch, days (1 epoch = 68,507 iterations ...)").
    epoch = re.search(r"time per epoch\W*(days?|hours?|h|minutes?|min|s|seconds?)\b.*?([\d,]+) iterations", metric,
                      re.I)
    if epoch:
        scale = {"d": 86400, "h": 3600, "m": 60, "s": 1}[epoch.group(1)[0].lower()]
        return number * scale / float(epoch.group(2).replace(",", "")), "time per epoch over its iterations"
    # GPU time for a number of tokens (DeepSeek's "180K H800 GPU hours per trillion tokens", "GPU-hours per 1
    # trillion training tokens", Pythia's "GPU-hours for 299.9B tokens"): one token costs value·3600/tokens
    # GPU-seconds, a step B·s of them over the job's GPUs. A count given as a bound ("15T+") is no count.
    tokens = gpu_hours_tokens(metric)
    if tokens:
        if None in (B, s, gpus):
            return None, "batch or GPU count not stated"
        return B * s * number * 3600 / tokens / gpus, "GPU hours per token"
    # "step time (s)", NeMo's logged "train_step_timing in s", "seconds per step", "s/iter", and the mean of a
    # logged step time over iterations ("Time Mean (s) over iterations 11-44": NVIDIA dgxc-benchmarking's
    # parse_train_timing.sh, whose mean is over train_step_timing; "Time Mean (s)" alone where the row names that
    # parser or dgxc-benchmarking as where it comes from).
    dgxc_mean = re.search(r"\btime mean\b", metric, re.I) and \
        re.search(r"parse_train_timing|dgxc-benchmarking", row.get("source", "") + " " + notes, re.I)
    if dgxc_mean or metric in ("step time s", "iteration time") or re.search(
            r"(step|iteration)[ _]time|(?<![\w])train_step_timing|time per (step|iter(ation)?)|"
            r"\b(s|secs?|seconds?|ms)\s*/\s*(step|iter(ation)?)\b|seconds per (step|iteration)|\btime mean\b.*\biter|"
            r"^\s*(step|iteration)\s*\((s|ms)\)\s*$", metric, re.I):  # (a column of step times: "step (s)")
        scale = 1e-3 if re.search(r"(?:\b|_)ms\b|milli", metric, re.I) else 1.0  # "step time (ms)", "step_time_ms"
        return value * scale, "iteration time"
    m = re.search(r"([\d.]+)\s*s/iteration", notes)
    if m:
        return float(m.group(1)), "logged s/iteration"
    m = re.search(r"([\d.]+)\s*tokens/s/GPU", notes)
    if m and None not in (B, s, gpus):
        return B * s / (float(m.group(1)) * gpus), "tokens/s/GPU"
    # A FLOP rate whose count the row does not give (no "[convention]", no formula in the words) beside the run's
    # own step time in the notes ("Time per Global Step 8.18 s", NeMo AutoModel's table): the time is the
    # measurement, the rate an unknown count of it.
    times = re.findall(r"\b(?:time per (?:global )?step|step time|iteration time)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*"
                       r"(ms|s|secs?|seconds)\b", _COMPARISON.sub(" ", notes), re.I)
    # One time only: with two, which run each belongs to is unsure.
    timed = (float(times[0][0]), times[0][1].lower()) if len(set(times)) == 1 else None
    if timed and re.search(r"TFLOP|MFU", metric, re.I) and not re.search(r"\[[^\]]+\]|\d+\s*[*·]?\s*B", metric) and \
            not counts_recomputed_forward(row) and \
            re.search(r"formula[^.;]{0,40}not (?:stated|given)|not (?:stated|given)[^.;]{0,20}formula|count not stated",
                      notes, re.I):
        return timed[0] * (1e-3 if timed[1] == "ms" else 1.0), "step time in the notes"
    conv = re.search(r"\[([^\]]+)\]", metric)
    if conv:
        c = conv.group(1)
        f = flops_per_step(c, row)
        counted = megatron_count_stated(row, metric) if f is None and c == "stated" else None
        if counted and None not in (B, s, L, h, V):
            f, c = megatron_model_flops(row)[0], counted
        if f is None:
            return None, f"FLOP convention '{c}' not usable (stated only in prose, or shape missing)"
        if metric.startswith("MFU"):
            p = re.search(r"peak=([\d.]+)", metric)
            pk = float(p.group(1)) * 1e12 if p else mfu_peak(row, peak)
            return f / (mfu_fraction(number, unit) * pk * gpus), f"MFU [{c}]"
        return f / (value * 1e12 * gpus), f"TFLOP/s [{c}]"
    if None in (B, s, L, h, V, gpus):
        return None, "shape or batch not stated"
    # Hardware FLOPs said in the metric, or in notes that say the figure is ("TFLOPs is *hardware* TFLOPs",
    # BLOOM's logged figure), where the metric does not call it a model count.
    hardware = re.search(r"\bhardware\b|\bHFU\b|incl\. recompute|with recompute", metric, re.I) or (
        re.search(r"(?<!not )(?<!no )\bhardware\W{0,3}\s*(?:TFLOPs?|TFLOP/s|FLOPs)\b", _CONTRAST.sub(" ", notes), re.I)
        and not re.search(r"\bmodel\b|\bMFU\b", metric, re.I))
    full_recompute = recompute_key(row.get("recompute", "")) == "full"
    # The notes may give the count the figure was made with: Narayanan et al.'s eq. 3, "96*B*s*l*h^2*(...)".
    if counts_recomputed_forward(row) or (hardware and full_recompute):
        # Hardware FLOPs with full recomputation: Narayanan et al. (SC'21) eq. 3, the forward counted twice.
        flops = 96 * B * s * L * h * h * (1 + s / (6 * h) + V / (16 * L * h))
        if re.search(r"\bHFU\b", metric, re.I):
            return flops / (mfu_fraction(number, unit) * mfu_peak(row, peak) * gpus), "96Bslh^2 HFU"
        return flops / (value * 1e12 * gpus), "96Bslh^2 TFLOP/s"
    if hardware:
        # Without full recomputation the hardware count is not fixed by the metric's name: not read.
        return None, f"hardware FLOPs ({metric}) without full recomputation: convention not fixed"
    flops, name = megatron_model_flops(row)
    if re.search(r"\bP(?:FLOP/?S|FLOPS)\b", metric, re.I) and not re.search(r"per[ -]GPU|/GPU", metric, re.I):
        return flops / (value * 1e15), f"{name} PFLOP/s of the job"
    if "MFU" in metric:
        return flops / (mfu_fraction(number, unit) * mfu_peak(row, peak) * gpus), f"{name} MFU"
    if re.search(r"TFLOP/?s", metric, re.I):
        return flops / (value * 1e12 * gpus), f"{name} model TFLOP/s"
    return None, f"metric not understood: {metric}"


# Multi-head latent attention's widths: DeepSeek-V3's published config (deepseek-ai/DeepSeek-V3 config.json), which
# Kimi K2 shares (moonshotai/Kimi-K2 config.json). A row whose notes say MLA (or whose model is one of them) has them.
MLA_WIDTHS = {"q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
              "v_head_dim": 128}


def mla_attention_term(h, a, s):
    """Megatron's MLA self-attention FLOPs per token and layer (num_floating_point_operations' multi_latent_attention
    branch: q and kv LoRA projections, rope, output projection, and core attention over half the causal matrix),
    over 12·h², the unit of megatron_model_flops' bracket."""
    w = MLA_WIDTHS
    qk = w["qk_nope_head_dim"] + w["qk_rope_head_dim"]
    q_term = w["q_lora_rank"] * (h + a * qk + 1)
    kv_term = w["kv_lora_rank"] * (h + a * (w["qk_nope_head_dim"] + w["v_head_dim"]) + 1) + h * w["qk_rope_head_dim"]
    out = a * w["v_head_dim"] * h
    core = s * a * qk / 2 + s * a * w["v_head_dim"] / 2
    return 6 * (q_term + kv_term + out + core) / (12 * h * h)


def causal_halved(row):
    """Whether the row's Megatron count halves core attention for the causal mask: Megatron-Bridge's always
    (flop_utils, from its first FLOP count, PR #388, 2025-08); Megatron-LM's from 2025. Megatron-LM counted
    the whole s x s matrix in 2024 (maxtext PR #537, 2024-03: "ignore causality to match Megatron";
    Megatron-LM issue #831, 2024-05, asking for the halving) and halves it by 2025-07 (maxtext issue #1972 quoting
    Megatron-LM 250b7941 training.py: "causal mask (only half of the mask is non-zero)"); every stored copy of
    the function with the MLA branch (Megatron Core 0.12.0's "Update theoretical memory and tflops estimation
    for MoE and MLA", spring 2025) halves it. A row whose source dates it 2025 or later is read as halved
    (source_month: its arXiv id, else the earliest year it names, so a 2025 write-up that cites a 2024 paper
    reads as 2024, counted over the whole matrix). Session 17 (docs/evidence/megatron-causal-count.md): a copy of
    training.py dated 2025-02-17 (Pai-Megatron-Patch) still counts the whole matrix, so a source dated early 2025
    whose runs predate Megatron Core 0.12 is read too high; the cut is kept at 2025 because a source month
    without a month ("2025") stands for any of it, and the project's rows dated so ran later code."""
    framework = framework_of(row)
    if framework == "megatron-bridge":
        return True
    month = source_month(row)
    return framework in ("megatron-lm", "megatron") and month is not None and month >= 2501


def megatron_hybrid_flops(row):
    """FLOPs per step of a hybrid Mamba model as Megatron counts them (megatron/training/training.py
    num_floating_point_operations' hybrid branch, docs/evidence/mamba-hybrid.md section 3a), 3 x the forward:
    per layer of the pattern, attention 4·B·s·h·p·(h + h·g/a + s/2) with p = a·d/h; a dense MLP 4·(f/h)·B·s·h² (no
    gate: Nemotron's squared ReLU); a Mamba mixer 2·B·s·h·(2·d_in + 2·G·N + H) + 7·B·s·d_in·N + 2·B·s·d_in·h with
    d_in = 2h whatever the mixer's heads (the count's own simplification); an MoE block 4·B·s·h·f_e·K (on a latent
    L: 4·B·s·L·f_e·K + 4·B·s·h·L) plus the shared experts' 4·B·s·h·f_s; and the logits 2·B·s·h·V per head (MTP's
    heads too)."""
    B, s = num(row["global_batch_seqs"]), num(row["seq"])
    h, V = num(row["hidden"]), num(row["vocab"])
    a = num(row.get("heads")) or 1
    g = num(row.get("kv_heads")) or a
    d = num(row.get("head_dim")) or h / a
    f = num(row.get("ffn")) or 4 * h
    pattern = row["hybrid_pattern"].strip()
    attention = 4 * B * s * h * (a * d / h) * (h + h * g / a + s / 2)
    mlp = 4 * (f / h) * B * s * h * h
    d_in, n, heads = 2 * h, num(row.get("mamba_state")) or 128, num(row.get("mamba_heads")) or 128
    groups = num(row.get("mamba_groups")) or 8
    mamba = 2 * B * s * h * (2 * d_in + 2 * groups * n + heads) + 7 * B * s * d_in * n + 2 * B * s * d_in * h
    moe = 0.0
    if num(row.get("experts")):
        k, fe = num(row.get("top_k")) or 1, num(row.get("expert_ffn")) or f
        latent = num(row.get("moe_latent")) or 0
        routed = 4 * B * s * latent * fe * k + 4 * B * s * h * latent if latent else 4 * B * s * h * fe * k
        moe = routed + 4 * B * s * h * (num(row.get("shared_experts")) or 0) * fe
    forward = (pattern.count("*") * attention + pattern.count("-") * mlp + pattern.count("M") * mamba +
               pattern.count("E") * moe + 2 * B * s * h * V * (1 + (num(row.get("mtp_layers")) or 0)))
    return 3 * forward


def megatron_model_flops(row):
    """(FLOPs per step, convention name) of "model TFLOP/s" as Megatron counts it (megatron/training/training.py
    num_floating_point_operations; Narayanan et al. SC'21 appendix), for a row that names no other convention:

        12·B·s·L·h² · [ (1 + g/a + s/(c·h))·(a·d/h) + (f/h)·K·γ + f_s/h·γ + V/(2·L·h) ]

    with g/a the grouped-query ratio, a·d/h the query width over h (for multi-head latent attention, the MLA branch's
    projections and core attention instead: mla_attention_term), the MLP width f (the experts' f_e on MoE
    layers, K experts routed to, f_s the shared experts' width), γ = 3/2 for a gated MLP, and c = 2 (only half
    of a causal attention matrix is computed) in Megatron-Bridge's count (its flop_utils divide s/h by 2) and in
    Megatron-LM's from 2025 (causal_halved), 1 in Megatron-LM's before. For a GPT shape (g = a, f = 4h, no gate, c = 1) it is Korthikanti's
    72·B·s·L·h²·(1 + s/(6h) + V/(12·L·h)), the name then printed. The row's shape is read as it stands
    (published_step_time fills it from the model's name first)."""
    if row.get("hybrid_pattern", "").strip():
        return megatron_hybrid_flops(row), "Megatron num_floating_point_operations (hybrid)"
    B, s = num(row["global_batch_seqs"]), num(row["seq"])
    L, h, V = num(row["layers"]), num(row["hidden"]), num(row["vocab"])
    a = num(row.get("heads")) or 1
    g = num(row.get("kv_heads")) or a
    d = num(row.get("head_dim")) or h / a
    f = num(row.get("ffn")) or 4 * h
    gate = 1.5 if gated_mlp(f, h, row) else 1.0
    causal = 2 if causal_halved(row) else 1
    experts = num(row.get("experts"))
    if experts:
        k, fe = num(row.get("top_k")) or 1, num(row.get("expert_ffn")) or f
        dense = min(L, num(row.get("first_dense_layers")) or 0)
        freq = num(row.get("moe_layer_freq")) or 1
        moe = sum(1 for i in range(int(dense), int(L)) if (i - dense) % freq == 0)
        shared = (num(row.get("shared_experts")) or 0) * fe
        mlp = ((L - moe) * f + moe * (fe * k + shared)) / L / h * gate
    else:
        mlp = f / h * gate
    attention = (1 + g / a + s / (causal * h)) * (a * d / h)
    mla = re.search(r"\bMLA\b", row.get("notes", "")) is not None
    if mla:
        attention = mla_attention_term(h, a, s)
    flops = 12 * B * s * L * h * h * (attention + mlp + V / (2 * L * h))
    gpt = g == a and f == 4 * h and not experts and causal == 1 and a * d == h and not mla
    return flops, ("72Bslh^2" if gpt else "Megatron num_floating_point_operations")


def scenarios_by_row():
    out = {}
    for f in sorted(glob.glob(os.path.join(ROOT, "configs", "scenarios", "*.yaml"))):
        text = open(f).read()
        m = re.search(r'^notes:\s*"?CSV\s+([A-Za-z0-9.\-]+)', text, re.M)
        if m:
            out[m.group(1).rstrip(":")] = f
    return out


def _int(row, key, default=None):
    v = num(row.get(key, ""))
    return int(v) if v is not None else default


def hybrid_state_space(row):
    """The row's model interleaves Mamba (state-space) layers with attention, as Nemotron-H and Nemotron 3
    Nano/Super/Ultra do: a layer kind the simulator does not model (docs/simulator-model.md, "Scope and modes").
    Named by the model ("Nemotron-H", "Nemotron 3 Nano", "Jamba", a "Mamba" model) or by the row's own words
    about its layers ("23 Mamba-2 + 23 MoE", "Mamba-2/attention"), comparisons left out."""
    model = re.search(r"Mamba|Nemotron[-_ ]?(?:H\b|3[-_ ]?(?:Nano|Super|Ultra))|"
                      r"\b(?:Jamba|Zamba\d?|Falcon-?H1|Hymba|Samba)\b", row.get("model", ""), re.I)
    words = re.search(r"\d+\s*(?:x\s*)?Mamba|Mamba(?:-2)?\s*(?:/|\+|layers)", own_words(row, ("notes",)), re.I)
    return bool(model or words)


def scenario_from_row(row):
    """(YAML text, overrides, what was assumed) of a scenario reproducing a project row, or (None, reason, "")."""
    gpu = gpu_key(row["gpu"])
    if gpu is None:
        return None, f"no cluster config for GPU '{row['gpu']}'", ""
    precision = precision_key(row["precision"])
    unsaid = ""
    own_notes = _COMPARISON.sub(" ", row.get("notes", ""))
    if not row.get("precision", "").strip() and precision_key(own_notes) == "fp8" and \
            not re.search(r"\b(?:bf16|fp16|bfloat16|float16)\b", own_notes, re.I) and \
            not re.search(r"fp8[^.;]{0,40}\b(?:OOM|not|fail\w*)\b", own_notes, re.I):
        # A table without a precision column whose notes name only FP8 formats for the run (Megatron-Bridge's
        # 25.09 table: "numbers in parentheses use different quantization granularities", FP8 blocks).
        precision, unsaid = "fp8", " (fp8: the only precision the row's words name)"
    if precision == "bf16" and not stated_peak(gpu, "bf16"):
        # A GPU without bf16 tensor cores (V100) trains its 16-bit runs in fp16, what "mixed precision" meant then.
        precision, unsaid = "fp16", unsaid + " (fp16: the GPU has no bf16)"
    row, inferred = fill_shape(row)
    if hybrid_state_space(row) and not row.get("hybrid_pattern", "").strip():
        return None, "a hybrid Mamba model whose layer pattern is not known (tests/validation/model-shapes.csv)", ""
    inferred += unsaid
    row, read = sharding_from_words(row)
    inferred += read
    if not row.get("zero", "").strip() and has_default_sharding(row):
        row, read = torchtitan_sharding(row)
        inferred += read
    row, read = pipeline_layout_from_words(row)
    inferred += read
    if not num(row.get("experts")):
        # A table without expert columns may say the shape in words ("8 experts, top-2"); the experts'
        # width is the dense ffn unless the row says otherwise (Mixtral's).
        # Megatron's arguments and Hugging Face's config keys say it too ("--num-experts 8 --moe-router-topk 2",
        # "num_experts_per_tok: 8", "moe_ffn_hidden_size 768").
        words = row.get("model", "") + " " + _COMPARISON.sub(" ", row.get("notes", ""))
        of = re.search(r"\btop[- _]?k?[- ]?(\d+)\s+(?:experts?\s+)?(?:of|out of|from)\s+(\d+)", words, re.I)
        e = re.search(r"(\d+)[\s-]*(?:routed\s+)?experts?\b(?![- ]?(?:parallel|model|ranks?|groups?))|"
                      r"(?:--num-experts|\bnum_moe_experts|\bn_routed_experts|\bnum_local_experts|\bnum_experts)"
                      r"\W*(\d+)",
                      words, re.I)
        k = re.search(r"\btop[- _]?k?[- :=]*(\d+)|(?:--moe-router-topk|moe_router_topk|num_experts_per_tok)\W*(\d+)|"
                      r"(\d+)\s+(?:active|activated)\s+experts", words, re.I)
        if of:
            e, k = re.search(r"(\d+)", of.group(2)), re.search(r"(\d+)", of.group(1))
        width = re.search(r"(?:--moe-ffn-hidden-size|moe_ffn_hidden_size|moe_intermediate_size|"
                          r"expert[_ ]ffn(?:[_ ]hidden)?(?:[_ ]size)?)\W*(\d+)", words, re.I)
        if e and k:
            experts, top_k = next(g for g in e.groups() if g), next(g for g in k.groups() if g)
            row = dict(row, experts=experts, top_k=top_k)
            inferred += f" ({experts} experts top-{top_k} read from the row's words)"
            if width and not num(row.get("expert_ffn")):
                row["expert_ffn"] = width.group(1)
                inferred += f" (expert ffn {width.group(1)} read from the row's words)"
    looks_moe = re.search(r"MoE|Mixtral|DeepSeek-?V[23]|\d+x\d+B|-A\d+B|GPT-OSS|Kimi|Llama-?4", row["model"], re.I)
    if not num(row.get("experts")) and (looks_moe or (num(row.get("ep")) or 1) > 1):
        return None, "a mixture-of-experts model whose experts the row does not state", ""
    if num(row.get("ffn")) is None and num(row.get("hidden")) and \
            re.search(r"\bGPT(?!-?OSS)|\bBLOOM", row["model"], re.I):
        # GPT-2/3 MLPs are 4h wide (Brown et al. 2020, Table 2.1), BLOOM's too (transformers' BloomMLP:
        # dense_h_to_4h, 4 x hidden_size).
        row["ffn"] = str(4 * int(num(row["hidden"])))
        inferred += " (ffn = 4h assumed: a GPT-style model)"
    if num(row.get("vocab")) is None:
        # A vocabulary the words give ("VOCAB_LENGTH=250k", "vocab_size 250880", "vocabulary of 65,024").
        # Megatron's --vocab-size and --padded-vocab-size too; a number after the word or before it ("a 250k
        # vocabulary"); what the notes say of another model ("unlike BLOOM's vocabulary of 250,880") is not the row's.
        number = r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)\s*(k\b)?"
        notes = _COMPARISON.sub(" ", row.get("notes", ""))
        said = re.search(rf"(?:--(?:padded-)?vocab-size|\b(?:padded_)?vocab(?:ulary)?(?:[_ ]?(?:size|length))?)\s*"
                         rf"(?:[=:(]|of|is|(?:stated )?as)?\s*['\"~]?{number}", notes, re.I) or \
            re.search(rf"\b{number}[- ](?:token )?vocab(?:ulary)?\b", notes, re.I)
        if said:
            vocab = float(said.group(1).replace(",", "")) * (1000 if said.group(2) else 1)
            if vocab >= 1000:
                row["vocab"] = str(int(vocab))
                inferred += f" (vocab {int(vocab)} read from the row's words)"
    if num(row.get("vocab")) is None:
        for pattern, vocab in ((r"\bGPT", 51200), (r"Llama[- ]?3", 128256), (r"Llama[- ]?2", 32000),
                               (r"\bNemotron(?![- ]?H\b)", 256000)):
            # Megatron's GPT-2 BPE padded to 51,200 (Narayanan et al. SC'21); the Llama tokenizers' sizes;
            # Nemotron's 256,000-token SentencePiece vocabulary (Nemotron-4 15B report, arXiv:2402.16819, section 2).
            if re.search(pattern, row["model"], re.I):
                row["vocab"] = str(vocab)
                inferred += f" (vocab {vocab} assumed: the model family's)"
                break
    need = ["gpus", "layers", "hidden", "heads", "ffn", "vocab", "seq", "global_batch_seqs"]
    missing = [k for k in need if num(row.get(k)) is None]
    if missing:
        return None, "not stated: " + ", ".join(missing), ""
    tp, pp, cp = _int(row, "tp", 1), _int(row, "pp", 1), _int(row, "cp", 1)
    gpus = _int(row, "gpus")
    dp = layout_dp(row)
    if _int(row, "dp") and dp != _int(row, "dp") and tp * pp * cp * dp == gpus:
        # A stated data-parallel size that does not multiply out (a table counting context parallelism
        # inside it, or the expert layers' DP): the GPU count is the row's headline, so it decides.
        inferred += f" (dp {dp} = GPUs / (tp x pp x cp), not the stated {_int(row, 'dp')})"
    if tp * pp * cp * dp != gpus:
        return None, f"tp*pp*cp*dp = {tp * pp * cp * dp} != {gpus} GPUs", ""
    hidden, ffn = _int(row, "hidden"), _int(row, "ffn")
    activation = "swiglu" if gated_mlp(ffn, hidden, row) else "gelu"
    if row.get("hybrid_pattern", "").strip():
        activation = "relu2"  # Nemotron-H and Nemotron 3: mlp_hidden_act relu2, two matrices
    heads = _int(row, "heads")
    kv = _int(row, "kv_heads", heads) or heads
    model = [
        f"  name: {json.dumps(row['model'])}",
        f"  layers: {_int(row, 'layers')}",
        f"  hidden: {hidden}",
        f"  heads: {heads}",
        f"  kv_heads: {kv}",
    ] + ([f"  head_dim: {_int(row, 'head_dim')}"] if _int(row, "head_dim") else []) + [
        f"  ffn_hidden: {ffn}",
        f"  vocab: {_int(row, 'vocab')}",
        f"  activation: {activation}",
    ]
    experts = _int(row, "experts")
    ep = _int(row, "ep", 1) or 1
    if experts:
        model += [
            "  moe:",
            f"    experts: {experts}",
            f"    top_k: {_int(row, 'top_k', 1)}",
            f"    expert_ffn_hidden: {_int(row, 'expert_ffn', ffn)}",
            f"    shared_experts: {_int(row, 'shared_experts', 0)}",
            f"    first_dense_layers: {_int(row, 'first_dense_layers', 0)}",
            f"    layer_freq: {_int(row, 'moe_layer_freq', 1)}",
        ] + ([f"    latent: {_int(row, 'moe_latent')}"] if _int(row, "moe_latent") else [])
    if re.search(r"\bMLA\b", row.get("notes", "")):
        model += ["  mla:"] + [f"    {k}: {v}" for k, v in MLA_WIDTHS.items()]
    if row.get("hybrid_pattern", "").strip():
        # A hybrid model's layers and Mamba-2 mixer, from its published configuration (model-shapes.csv).
        model += [f"  hybrid_pattern: \"{row['hybrid_pattern'].strip()}\"", "  mamba:",
                  f"    heads: {_int(row, 'mamba_heads')}", f"    head_dim: {_int(row, 'mamba_head_dim', 64)}",
                  f"    state: {_int(row, 'mamba_state', 128)}", f"    groups: {_int(row, 'mamba_groups', 8)}"]
    if is_gpt_oss(row):
        # GPT-OSS alternates sliding-window (128 tokens) and full attention, the first layer sliding: HF config.json
        # sliding_window 128 with alternating layer_types; Megatron-Bridge GPTOSSProvider window_size (128, 0),
        # window_attn_skip_freq 2.
        # Its experts' gated activation clamps at 7 (config.json swiglu_limit) and their linear layers carry biases.
        model += ["  window_size: 128", "  window_attn_skip_freq: 2", "  glu_clamp: 7", "  expert_bias: true"]
    if _int(row, "mtp_layers"):
        # Multi-token prediction modules the run trained (DeepSeek-V3's MTP; the column says where from).
        model.append(f"  mtp_layers: {_int(row, 'mtp_layers')}")
    vpp, assumed = _int(row, "vpp", 1) or 1, inferred
    framework = framework_of(row)
    mb = _int(row, "micro_batch", 1) or 1
    local = _int(row, "global_batch_seqs") // dp
    if pp == 1 and not row.get("micro_batch", "").strip() and framework != "torchtitan" and local > 1:
        # Without pipeline parallelism a data-parallel rank has no reason to split its batch unless memory
        # forces it: the whole local batch is one micro-batch (Narayanan et al.'s Table 1 rows).
        mb, assumed = local, assumed + f" (micro-batch {local} assumed: the local batch, not stated)"
    if framework == "torchtitan" and pp > 1 and not row.get("micro_batch", "").strip():
        # torchtitan splits each data-parallel rank's batch into as many
        # micro-batches as pipeline stages unless told otherwise
        # (experimental.pipeline_parallel_microbatches: "The default value will
        # be the number of pipeline stages, if unspecified").
        if local % pp == 0:
            mb = local // pp
            assumed += f" (micro-batch {mb}: torchtitan's default of pp micro-batches)"
    # ("moe_mlp_glu_interleave_size", the fused grouped MLP's weight layout, is not a pipeline schedule.)
    if not row.get("vpp", "").strip() and pp > 1 and re.search(r"(?<!glu[_ ])(?<!GLU )interleav(?!e_size|ed GLU)",
                                                                   row.get("notes", ""), re.I):
        # Interleaved, depth not stated: the smallest interleaving (2) where the
        # schedule allows it; not the depth that matches best.
        m = _int(row, "global_batch_seqs") // (dp * mb)
        if m % pp == 0 and _int(row, "layers") >= 2 * pp:
            vpp, assumed = 2, assumed + " (vpp 2 assumed: interleaved, depth not stated)"
    par = [f"  tp: {tp}", f"  pp: {pp}", f"  dp: {dp}", f"  cp: {cp}", f"  ep: {ep}",
           f"  vpp: {vpp}", f"  zero: {_int(row, 'zero', 1)}"]
    notes = row.get("notes", "")
    # Megatron's --account-for-{embedding,loss}-in-pipeline-split, where the
    # source says the recipe uses them.
    embedding = re.search(r"account\w* (for )?embedding|account-for-embedding|account_for_embedding", notes, re.I)
    loss = re.search(r"account\w* (for )?(embedding and )?loss|account-for-loss|account_for_loss", notes, re.I)
    layers = _int(row, "layers")
    layout = row.get("pipeline_layout", "").strip()
    if layout:
        embedding = loss = None
    elif not (embedding or loss) and layers and layers < pp * vpp <= layers + 2:
        # Fewer layers than virtual stages: Megatron-Core runs such a split only with the embedding and the loss
        # counted as stages' layers (--account-for-{embedding,loss}-in-pipeline-split; Qwen3-235B's 94 layers on
        # pp x vpp = 96 slots) or a custom layout, which the row would have to name.
        embedding = loss = True
        assumed += f" (embedding and loss accounted in the pipeline split: {layers} layers on pp x vpp = {pp * vpp})"
    if embedding:
        par.append("  account_for_embedding: true")
    if loss:
        par.append("  account_for_loss: true")
    if _int(row, "etp"):
        par.append(f"  etp: {_int(row, 'etp')}")
    if layout:
        # The run's --pipeline-model-parallel-layout (its recipe's, as the row's assumed column cites): it places
        # the embedding and the loss itself.
        par.append(f"  pipeline_layout: {json.dumps(layout)}")
    month = source_month(row)
    rtext = row.get("recompute", "").lower()
    sp_named = re.search(r"sequence[- ]parallel\w*(?!\s*(?:[=:(]\s*)?(?:off|false|disabled|0\b))", rtext) and \
        not re.search(r"\b(?:no|without|not)\s+(?:using\s+)?sequence[- ]parallel", rtext)
    if re.search(r"no sequence parallel", rtext) or (said_off(row, _SEQ_PARALLEL) and not sp_named) or (
            not sp_named and month is not None and month < 2205 and tp > 1):
        # Sequence parallelism came with Korthikanti et al. (arXiv:2205.05198); its baseline
        # rows say "no sequence parallelism"; others say it off ("SEQ_PARALLEL=False"). A recompute field that
        # names it for the row ("selective recomputation + sequence parallelism") wins over notes that say
        # another configuration ran without it ("Full Recompute (no SP) 18.13 s").
        par.append("  sequence_parallel: false")
    if _int(row, "shard_group"):
        par.append(f"  shard_group: {_int(row, 'shard_group')}")
    recompute = recompute_key(row.get("recompute", ""))
    if recompute_unstated(row) and counts_recomputed_forward(row):
        # A figure counted with Narayanan et al.'s eq. 3 counts a recomputed forward: the run recomputed fully.
        recompute = "full"
        assumed += " (recompute full: the figure's FLOP count, eq. 3, counts the recomputed forward)"
    if framework == "torchtitan" and recompute == "selective":
        recompute = "selective_op"  # torchtitan's selective mode defaults to per-op ("op")
    train = [f"  seq_len: {_int(row, 'seq')}", f"  global_batch: {_int(row, 'global_batch_seqs')}",
             f"  micro_batch: {mb}", f"  recompute: {recompute}",
             f"  precision: {precision}"]
    modules = recompute_modules(row) if recompute == "selective" else []
    if modules:
        train.append(f"  recompute_modules: [{', '.join(modules)}]")
    fw = []
    offload = offload_modules(row) if recompute in ("none", "selective") else []
    if offload:
        fw.append(f"  offload_modules: [{', '.join(offload)}]")
    if framework in ("nemo", "megatron-bridge") and precision in ("fp8", "nvfp4"):
        # NeMo's performance scripts reduce gradients in bf16 for fp8 runs
        # (NVIDIA/NeMo scripts/performance/helpers.py, set_precision_configs:
        # recipe.trainer.plugins.grad_reduce_in_fp32 = False), Megatron-Bridge's for its low-precision ones
        # (nvfp4 included; docs/evidence/nvfp4.md).
        fw.append("  grad_reduce_in_fp32: false")
    if framework == "deepspeed" and precision == "bf16" and _int(row, "zero", 0) >= 1 and not re.search(
            r"BF16_Optimizer|BigScience|\bBLOOM\b|grad_accum_dtype\W*(?:fp32|float32)", own_words(row, ("notes",)),
            re.I) and not re.search(r"bigscience-workshop/bigscience\b(?!-)", row.get("source", ""), re.I):
        # DeepSpeed's ZeRO optimizers accumulate and reduce gradients in the model's dtype unless the config sets
        # data_types.grad_accum_dtype (deepspeed/runtime/engine.py get_data_types: fp32 only for "bf16 and not
        # zero_optimization()", else model_dtype; DeepSpeed issue #2768: "accumulation is also done in BF16 ... when
        # ZeRO is enabled"). Its BF16_Optimizer accumulates in fp32: at ZeRO stage 0 (issue #1835), as BigScience's
        # Megatron-DeepSpeed ran, or at stage 1 with grad_accum_dtype fp32 set (_do_optimizer_sanity_check). A row
        # whose stage is not stated keeps fp32 (the generator's ZeRO-1 is not the row's).
        fw.append("  grad_reduce_in_fp32: false")
    if framework in ("nemo", "megatron-bridge") and precision == "fp8":
        # "mxfp8" / "FP8-MX" and blockwise / sub-channel ("FP8-SS") recipes, as the performance tables write them.
        stated = re.search(r"FP8_PARAM_GATHER\s*=\s*(\w+)|fp8[_ ]param[_ ]gather\s*[=:]\s*(\w+)", row.get("notes", ""),
                           re.I)
        if stated:
            gather = (stated.group(1) or stated.group(2)).lower() in ("true", "1", "yes")
        else:
            # Their fp8 precision recipes keep the compute weights in fp8 and gather them so: NeMo 2.0's
            # bf16_with_fp8_mixed (nemo/collections/llm/recipes/precision/mixed_precision.py: fp8_params =
            # True) and Megatron-Bridge's bf16_with_fp8_mixed and bf16_with_fp8_current_scaling_mixed
            # (fp8_param_gather = True); its MXFP8 and blockwise recipes ("mxfp8", "FP8-MX", "FP8-SS", as the
            # performance tables write them) set fp8_param_gather = False. NeMo 1.0's containers (24.07 and
            # before) left fp8_params off unless a recipe set it.
            gather = not re.search(r"mx|block|sub-?channel|fp8[-_ ]?ss\b", row.get("precision", ""), re.I) and \
                not nemo_1(row)
            if gather:
                assumed += " (fp8 weights: the fp8 recipe's default)"
        if gather:
            fw.append("  fp8_param_gather: true")
    model_name = row["model"].upper()
    if (framework in ("nemo", "megatron-bridge") and "GPT" in model_name) or "NEMOTRON" in model_name:
        # NeMo's GPTConfig175B: hidden_dropout = attention_dropout = 0.0
        # (nemo/collections/llm/gpt/model/base.py). Nemotron-4 trains with a
        # dropout rate of zero (Nemotron-4 15B report, arXiv:2402.16819, section 2;
        # NVIDIA/NeMo-Framework-Launcher conf/training/nemotron/nemotron_340b.yaml
        # @3be81fc: hidden_dropout, attention_dropout, ffn_dropout 0.0).
        fw.append("  dropout: false")
    if framework == "llm-foundry":
        # MPT trains without dropout: llm-foundry's MPTConfig defaults attn_pdrop,
        # resid_pdrop and emb_pdrop to 0.0 (llmfoundry/models/mpt/configuration_mpt.py;
        # transformers' MptConfig mirrors them), and the benchmark yamls set none.
        fw.append("  dropout: false")
    container = nemo_container(row)
    if framework == "megatron-bridge" and container and (25, 11) <= container < (26, 6):
        # Megatron-Bridge's recipes set cross_entropy_fusion_impl = "te" (PR #595, 2025-09, "verified perf
        # args"; re-applied to the Llama 3 and Qwen recipes by PR #1154, cherry-picked into r0.2.0 for the
        # 25.11 container) until PR #4138 (2026-06) went back to "native": Transformer Engine's
        # parallel_cross_entropy, which writes the gradient into the bf16 logits in place.
        fw.append("  loss: te")
    if framework in ("torchtitan", "llm-foundry") or re.search(r"PyTorch FSDP|FSDP2", row.get("notes", "")) or \
            maxtext(row):
        # (MaxText keeps its parameters in weight_dtype, float32 by default, and casts them to the bf16 `dtype`
        # to compute: MaxText/configs/base.yml, "weight_dtype: float32".)
        # PyTorch FSDP mixed precision: the sharded parameter is the fp32 one
        # the optimizer updates; bf16 weights exist only gathered.
        fw.append("  master_weights: false")
    if framework == "torchtitan" and precision != "fp8" and re.search(
            r"training[._]dtype\s*[=:]?\s*['\"]?(?:bfloat16|bf16)\b", own_words(row, ("notes", "precision")), re.I):
        # torchtitan's training.dtype=bfloat16: "In contrast to mixed precision training, setting
        # training_dtype=bfloat16 will put all parameters, gradients, and optimizer states in bfloat16, without an
        # extra copy of fp32 weights" (torchtitan/config/job_config.py, Training.dtype).
        fw.append("  pure_bf16: true")
    if kempnerforge(row) and precision != "fp8":
        # KempnerForge casts the model to its mixed_precision dtype before sharding ("Resolve mixed_precision to
        # the master weight dtype", config/training.py; model.to(dtype=param_dtype) in distributed/parallel.py):
        # bf16 parameters, gradients and AdamW moments (docs/evidence/pytorch-fsdp-stacks.md). Accumulating,
        # it reduces only after the last micro-batch (training/grad.py: model.set_requires_gradient_sync(False)
        # on the others), holding the unsharded fp32 gradient meanwhile.
        fw += ["  pure_bf16: true", "  fsdp_grad_sync: last"]
        if tp > 1:
            # Its output head is ColwiseParallel(output_layouts=Replicate()): "split vocab, gather to Replicate for
            # loss computation" (distributed/tensor_parallel.py), no loss_parallel.
            fw.append("  loss_parallel: false")
    if re.search(r"\bbf16 (?:Adam|optimizer) moments|--exp-avg(?:-sq)?-dtype[ =]bf16|exp_avg(?:_sq)?_dtype\W*"
                 r"(?:torch\.)?(?:bf16|bfloat16)", own_words(row, ("notes", "assumed")), re.I):
        # Megatron-Core's precision-aware optimizer with bf16 moments (--use-precision-aware-optimizer
        # --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16): Adam's m and v at 2 B each beside the fp32 master.
        fw.append("  adam_moments: bf16")
    if framework == "torchtitan" and precision == "fp8":
        fw.append("  fp8_activations: false")  # torchao float8 saves the bf16 inputs
        if tp > 1:
            # "float8 all-gather ... for TP (by default for Float8Linear)" (torchtitan docs/float8.md).
            fw.append("  tp_fp8_all_gather: true")
    if framework == "torchtitan" and pp > 1 and _int(row, "zero", 1) >= 3:
        # torchtitan's apply_fsdp: "For PP, do not reshard after forward to avoid
        # per-microbatch all-gathers" (reshard_after_forward=False), and PyTorch
        # pipelining accumulates unsharded gradients until the last backward.
        fw.append("  fsdp_gather_once: true")
    fw += software_generation(row, framework, pp)
    if tp > 1 and tp_overlap_off(row, framework) in (MEGATRON_TP_DEFAULT, PYTORCH_TP_DEFAULT, NVFP4_TP_OFF):
        assumed += f" (no TP communication overlap: {tp_overlap_off(row, framework)})"
    if pytorch_native(row, framework):
        # torchtitan runs its Llama block op by op unless training.compile is set
        # (its train_configs set compile = false; torchtitan/models/norms.py's
        # RMSNorm, model.py's RoPE and repeat_kv are plain PyTorch ops).
        # Compiled: said on ("torch.compile on", "compile=true", "compiled blocks"), or named and not said
        # off or unstated ("no torch.compile", "torch.compile=false", "torch.compile not stated").
        said_on = re.search(r"(?:torch\.)?compile\w*\s*(?:[=:]\s*)?(?:on|true|enabled|yes)\b|\bcompiled\b", notes, re.I)
        compiled = not re.search(r"\beager\b", notes, re.I) and (said_on or (
            re.search(r"compile", notes, re.I) and not said_off(row, r"(?:torch\.)?compile") and
            not re.search(r"compile\W+not stated", notes, re.I)))
        if kempnerforge(row) and not said_off(row, r"(?:torch\.)?compile"):
            # KempnerForge's benchmark scripts pass --train.compile_model=true (weak_scaling_160gpu, mfu_scaling but
            # its one stated exception, 175b_360gpu: docs/evidence/pytorch-fsdp-stacks.md, section 1).
            compiled = True
        # A stack that names its own fused kernels (TinyLlama: "fused layernorm, fused SwiGLU, fused cross-entropy,
        # fused RoPE") runs those, compiled or not.
        fused = re.search(r"\bfused (?:layer ?norm|rms ?norm|swiglu|rotary|rope)|\bLiger\b", notes, re.I)
        if not compiled and not fused:
            fw.append("  elementwise: eager")
            if not re.search(r"\beager\b", notes, re.I):
                assumed += (" (eager: torchtitan's default compile = false, not stated)" if framework == "torchtitan"
                            else " (eager: PyTorch's default, torch.compile not named)")
        # Its loss is PyTorch's F.cross_entropy on fp32 logits, eager even with
        # compile on until pytorch/torchtitan PR #1033 (2025-04-01) compiled it;
        # before, train.py left it uncompiled because compiling it caused CUDA errors.
        # llm-foundry's MPT computes it with flash-attn's fused cross entropy (ComposerMPTCausalLM: loss_fn
        # "fused_crossentropy" by default, flash_attn.losses.cross_entropy): the default kernel's memory.
        dated = benchmark_file_month(row)
        fused_loss = framework == "llm-foundry" or re.search(r"\bfused cross[- ]entropy", notes, re.I)
        if (not compiled and not fused_loss) or (dated and dated < (2025, 4)):
            fw.append("  loss: eager")
        elif compiled and framework == "torchtitan" and tp == 1:
            # Compiled (torchtitan's loss is compiled with the model since that PR): Inductor's cross entropy
            # holds the bf16 logits and their gradient (framework.loss: compiled, simulator/training/memory.h). Over
            # TP's vocabulary shards torchtitan runs PyTorch's loss_parallel, whose compiled memory no source gives:
            # those rows keep the default.
            fw.append("  loss: compiled")
    if framework == "deepspeed" and _int(row, "zero", 1) >= 3:
        # DeepSpeed ZeRO-3 gathers module by module up to stage3_max_live_parameters
        # and reduces gradients in reduce_bucket_size buckets (defaults 1e9 and 5e8
        # elements, deepspeed/runtime/zero/config.py), not a layer at a time.
        fw += ["  zero3_max_live_params: 1e9", "  zero3_reduce_bucket: 5e8"]
        # Its forward hooks fetch the parameters again inside an activation
        # checkpoint's recomputation (deepspeed/runtime/zero/parameter_offload.py
        # pre_sub_module_forward_function; microsoft/DeepSpeed issue #4784).
        fw.append("  zero3_recompute_gather: true")
        month = source_month(row)
        if month is not None and month < 2107:
            # Before microsoft/DeepSpeed PR #1188 (July 2021) ZeRO-3 gathered one parameter at a time, each
            # all_gather followed by torch.cuda.synchronize() (issue #1069). Measured then (issue #1174,
            # DeepSpeed 0.3.16, 8 x A100 with NVSwitch): a 5.1B model's ZeRO-3 forward took 480 ms against
            # ZeRO-2's 60 ms, i.e. 10.2 GB of parameters gathered in 420 ms = 24 GB/s.
            fw.append("  zero3_gather_rate: 24GB/s")
    offload = re.search(r"cpu_offloading_num_layers=(\d+)", row.get("notes", ""))
    if offload and int(offload.group(1)) > 0:
        # Megatron-Bridge's recipe offloads these layers' activations to the host
        # (--cpu-offloading-num-layers); the recipe file read is not always the
        # release the row ran, which the row says.
        fw.append(f"  cpu_offload_layers: {int(offload.group(1))}")
        assumed += f" (activations of {int(offload.group(1))} layers offloaded: from the recipe)"
    chunks = re.search(r"\b(\d+|two|four|eight|sixteen)\s+loss chunks|loss[_ ]chunks?\s*[=:]?\s*(\d+)|"
                       r"chunked (?:cross[- ]entropy|loss)\s*\(?(\d+)", own_words(row, ("notes",)), re.I)
    if chunks:
        # The loss over token chunks (torchtitan's chunked cross entropy): one chunk's logits at a time.
        word = next(g for g in chunks.groups() if g).lower()
        n = {"two": 2, "four": 4, "eight": 8, "sixteen": 16}.get(word) or int(word)
        if n > 1:
            fw.append(f"  loss_chunks: {n}")
    bf16 = precision_key(row.get("precision", "")) == "bf16"
    if (is_gpt_oss(row) and framework in ("megatron-bridge", "nemo") and container
            and (container <= (26, 2) or (container <= (26, 6) and bf16))):
        # Megatron-Core 0.15-0.18 (NeMo 25.11 to 26.06.01) runs GPT-OSS's YaRN RoPE unfused (Megatron-Bridge refuses
        # rope fusion for anything but plain RoPE), its expert activation's clamps and cat outside the compiled
        # kernel (fused_bias_geglu.py weighted_bias_quick_geglu_impl) and fc2's expert bias per expert
        # (TEGroupedMLP._apply_bias): docs/evidence/gpt-oss-megatron-kernels.md. From 26.04 only bf16 rows: the MXFP8
        # recipes may take TE's fused grouped MLP (cutedsl_fused_grouped_mlp), which does both itself.
        fw.append("  unfused_ops: [rope, glu_clamp, expert_bias]")
        assumed += " (Megatron-Core's unfused GPT-OSS ops)"
    graphs = cuda_graphs_of(row)
    if graphs is not None:
        fw.append(f"  cuda_graphs: [{', '.join(graphs)}]")
    if experts and fused_grouped_mlp(row, gpu, precision):
        fw.append("  fused_grouped_mlp: true")
    if experts and (framework == "megatron-bridge" or (framework == "nemo" and container and container >= (25, 9))):
        # Every Megatron-Bridge MoE performance builder and the 25.09 scripts set moe_router_fusion=True
        # (docs/evidence/cuda-graphs-defaults.md, section 3); older NeMo releases are not read.
        fw.append("  moe_router_fusion: true")
    dedup = r"DeepEP|HybridEP|flex dispatcher"
    if experts and re.search(dedup, row.get("notes", ""), re.I) and not said_off(row, dedup):  # enable_deepep=True too
        fw.append("  moe_dispatcher: deepep")  # the source names a deduplicating dispatcher ("not DeepEP": it does not)
    said = own_words(row, ("notes",))
    # All-to-all overlap with another micro-batch, named on ("moe_a2a_overlap=True", "1F1B overlap of EP A2A",
    # "1F1B EP-comm overlap", Megatron's --overlap-moe-expert-parallel-comm, "expert-parallel communication
    # overlap"), not off ("moe_a2a_overlap False", "1F1B overlap OFF"); DeepSeek's DualPipe where named, not negated.
    # The first mention is the row's own (a later one may describe another preset of the same recipe).
    overlap_on = re.search(r"moe_a2a_overlap|A2A_OVERLAP|1f1b (?:EP[- ]comm\w* )?overlap|overlap[-_ ]moe[-_ ]expert"
                           r"[-_ ]parallel[-_ ]comm|(?:\bEP|expert[- ]parallel)[- ]comm(?:unication)?[- ]overlap|"
                           r"(?:\bEP\s+)?\bA2A overlap|all-to-all overlap|(?<!not )(?<!w/o )\bEP[- ]overlap", said,
                           re.I)
    if overlap_on and re.match(rf"{_OFF}|\s*[:=(]?\s*(?:not\b|n/a\b|unsupported|was left off|left off)",
                               said[overlap_on.end():], re.I):
        overlap_on = None
    dualpipe = re.search(r"(?<!no )(?<!not )(?<!without )\bDualPipe", said, re.I)
    if experts and (overlap_on or dualpipe):
        fw.append("  moe_a2a_overlap: true")
        if dualpipe:
            fw.append("  moe_a2a_overlap_plan: dualpipe")  # DeepSeek's schedule hides it behind the whole pass
    forced = r"forced?[- _](?:load[- _])?balanc\w*|fake balanced"
    # (moe_expert_rank_capacity_factor sizes a dropless dispatcher's receive buffers, paged stashing's: no dropping.)
    capacity = next((m for m in re.finditer(r"(?:--)?moe[-_ ]expert[-_ ]capacity[-_ ]factor\W*([\d.]+)|"
                                            r"(?<!rank[-_ ])capacity[-_ ]factor\s*[=:]?\s*([\d.]+)", said, re.I)
                     if not re.search(r"paged[_ ]stash", said[max(0, m.start() - 80):m.end() + 40], re.I)), None)
    if experts and capacity:
        # Token dropping at a stated capacity factor: the busiest expert's tokens capped there.
        fw.append(f"  moe_capacity_factor: {float(capacity.group(1) or capacity.group(2))}")
    if experts and not said_off(row, forced) and (re.search(forced, said, re.I) or (
            framework == "megatron-bridge" and re.search(r"performance[-_ ]summary", row.get("source", ""), re.I))):
        # The benchmark forces a balanced routing: the source says so ("force-balanced", "forced-balanced",
        # "--moe-router-force-load-balancing", AutoModel's "fake balanced gate"), or it is Megatron-Bridge's
        # performance summary, whose footnote says "In MoE training benchmarks, we force-balance the token
        # distribution among experts" (docs/performance-summary.md). Random router logits leave the busiest
        # expert-parallel rank 1.01-1.02x the mean (docs/evidence/moe-imbalance.md), taken as 1.
        fw.append("  moe_imbalance: 1.0")
    elif experts and re.search(r"DeepSeek-?V3", row["model"], re.I):
        # DeepSeek-V3 trained with its auxiliary-loss-free balancing (arXiv:2412.19437 sec. 2.1.2), which kept
        # the busiest expert 1.04x the mean (MaxVio_global 0.04, Wang et al. arXiv:2408.15664 Table 2).
        fw.append("  moe_imbalance: 1.04")
    cluster, sets = CLUSTERS[gpu]
    sets = list(sets)
    notes = row.get("notes", "")
    # A stated cap: "500W power limit", "power limit: 1000W", "power-limited to 800 W", "capped at 600 W".
    cap = re.search(r"(\d{3,4})\s?W\s+power[- ]?(?:limit|cap)|"
                    r"(?:power[- ]?(?:limit|cap)\w*|capped)\W{0,3}(?:of|to|at)?\s*(\d{3,4})\s?W\b", notes, re.I)
    if cap:  # the source says the GPUs were power-capped
        sets.append(f"cluster.gpu.power_limit={cap.group(1) or cap.group(2)}W")
    elif gpu == "B200" and re.search(r"(?<!not )(?<!no )power[- ]limited\b", notes, re.I) and \
            re.search(r"torchtitan|torchao|pytorch/", row.get("source", ""), re.I):
        # Meta's "power limited" B200s run at 750 W: "GB200 achieves 1200W cap power limit, while B200 only
        # achieves 750W cap power limit" (pytorch/FBGEMM PR #4172; docs/evidence/blackwell-gemm.md, section 0).
        sets.append("cluster.gpu.power_limit=750W")
        assumed += " (Meta's power-limited B200: 750 W, pytorch/FBGEMM PR #4172)"
    per_node = _int(row, "gpus_per_node")
    if per_node and per_node < cluster_gpus_per_node(cluster):
        # The row's servers hold fewer GPUs than the cluster document's (4-GPU HGX boards against a DGX's 8:
        # NVLink joins the four, not eight): the scale-up domain is the server, and each GPU keeps its own NIC, as
        # in the 8-GPU servers (the NIC count per server is rarely stated; a stated one below replaces it).
        sets += [f"cluster.gpus_per_node={per_node}", f"cluster.scale_up.domain_gpus={per_node}",
                 f"cluster.scale_out.nics_per_node={per_node}"]
        assumed += f" ({per_node} GPUs per server: NVLink over {per_node}, one NIC per GPU assumed)"
    fabric = re.search(r"\b(\d+)\s*[x×]\s*(\d+)\s*Gb(?:it)?(?:ps|/s)?\b[^.;|]{0,40}?\bper node\b", notes, re.I)
    omnipath = re.search(r"\b(\d+)\s*(?:x\s*)?(?:Intel\s+)?Omni[- ]?Path\s+(?:100\s*Gb(?:ps|/s)?\s+)?links?\s+per\s+"
                         r"node|Omni[- ]?Path[^.;|]{0,20}?\b(\d+)\s+links?\s+per\s+node", _COMPARISON.sub(" ", notes),
                         re.I)
    if fabric:
        # The source states the scale-out NICs per node ("4x100Gb RoCE per node"): that fabric, not the
        # cluster configuration's.
        sets += [f"cluster.scale_out.nics_per_node={fabric.group(1)}",
                 f"cluster.scale_out.nic_bandwidth={fabric.group(2)}Gb/s"]
    elif omnipath:
        # Intel Omni-Path (OPA100) links run at 100 Gb/s (BLOOM's Jean Zay: "4 OmniPath links per node"); Cornelis'
        # later 400 Gb/s CN5000 is named as such and its rate stated.
        sets += [f"cluster.scale_out.nics_per_node={omnipath.group(1) or omnipath.group(2)}",
                 "cluster.scale_out.nic_bandwidth=100Gb/s"]
        assumed += " (Omni-Path: 100 Gb/s per link)"
    # torchtitan's log line "memory: 63.27GiB(66.60%)" states the device's capacity (63.27 / 0.666 = 95.0 GiB):
    # an H100 reading 94.5-97 GiB is a 96 GB part (the H100 NVL's 94 GB reads 93.6 GiB).
    logged = re.search(r"\bmem(?:ory)?:?\s*(\d+(?:\.\d+)?)\s*GiB\s*\((\d+(?:\.\d+)?)%\)", notes, re.I)
    device_gib = float(logged.group(1)) / float(logged.group(2)) * 100 if logged and float(logged.group(2)) > 0 else 0
    # (torchtitan's docs/performance.md names the part by what it reports: "HBM2e-based lower-TDP SXM H100 95GB".)
    if re.search(r"H100[ -]9[56] ?GB", notes) or (gpu.startswith("H100") and 94.5 <= device_gib <= 97):
        sets.append("cluster.gpu.memory=96GB")
        # A 96 GB H100 that torchtitan's developers or Meta ran is Meta's Grand Teton part, the one torchtitan's
        # own benchmark file describes: "Each H100 GPU is equipped with 96GB HBM2e with 2.4 TB/sec peak memory
        # bandwidth" at a 500 W power limit (benchmarks/llama3_h100_202412_torchtitan.md, "Hardware"), against
        # the 80GB SXM5's 3.35 TB/s HBM3 at 700 W.
        grand_teton = framework == "torchtitan" or re.search(r"Grand Teton", notes)
        if re.search(r"HBM2e", notes) or grand_teton:
            sets.append("cluster.gpu.memory_bandwidth=2.4TB/s")
        if grand_teton and not cap:
            sets.append("cluster.gpu.power_limit=500W")
            assumed += " (Meta's H100 96GB: HBM2e at 2.4 TB/s and 500 W, as torchtitan's benchmark file states)"
    text = "\n".join([f"name: {json.dumps(row['id'])}", "model:", *model, f"cluster: {cluster}", "parallelism:", *par,
                      "training:", *train] + (["framework:", *fw] if fw else [])) + "\n"
    return text, sets + [f"cluster.gpus={max(gpus, 1)}"], assumed


# What a source's own files say of its runs where the row's table leaves it out: (source pattern, field, value,
# where it is said). The value fills the field where the row leaves it empty; a "notes" value is added to the row's
# notes, whatever they hold (it is a line the row's own table does not print).
SOURCE_FACTS = (
    # torchao's float8 README ("NVIDIA H100" training table) came from its torchtitan benchmark script, added in
    # pytorch/ao PR #1802 (2025-02-28, by the table's author) with an example run that logs "memory:
    # 47.79GiB(50.30%)": the README's rowwise row's peak, 47.79 GB, on a 95.0 GiB device, a 96 GB H100 (torchtitan
    # PR #808's bf16 run of the same model logs the README's bf16 peak, "47.65GiB(50.16%)", on the same capacity).
    (r"torchao/float8/README", "notes", "memory: 47.79GiB(50.30%)", "pytorch/ao PR #1802's run of the benchmark"),
    # BigScience's pre-BLOOM topology benchmarks (train/tr11-200B-ml/chronicles-prequel.md) ran the experiment's
    # script, train/tr11-200B-ml/tr11-200B-ml.slurm (the same NHIDDEN=14400, NHEADS=96, MBS 1, GBS 2048, ZeRO-1),
    # which passes --checkpoint-activations and --deepspeed-activation-checkpointing: every layer recomputed.
    (r"bigscience-workshop/bigscience\W+train/tr11-200B-ml/chronicles-prequel", "recompute",
     "full (--checkpoint-activations)", "the experiment's tr11-200B-ml.slurm"),
    # MLPerf Training v5.0's NeMo implementations of Llama 3.1 405B by NVIDIA and by IBM+CoreWeave+NVIDIA: their
    # config_common.sh sets FP8=True (benchmarks/llama31_405b/implementations/eos-dfw_n304_ngc25.01_nemo and
    # carina_ngpu512_ngc25.04_nemo, training_results_v5.0 @0fdc28f0); the per-scale configs name only the layout.
    (r"training_results_v5\.0\b.*?NVIDIA/results/[\w.-]+_nemo/llama31_405b/", "precision", "fp8 (FP8=True)",
     "the implementation's config_common.sh"),
)


def with_source_facts(row):
    """(row, words): the row with what its source's own files say of the run (SOURCE_FACTS) where the row's table
    leaves it out, and the words saying so."""
    words = ""
    for pattern, field, value, where in SOURCE_FACTS:
        if not re.search(pattern, row.get("source", "")):
            continue
        if field == "notes":
            row = dict(row, notes=f"{row.get('notes', '')} {value}")
            words += f" ({value}: {where})"
        elif not row.get(field, "").strip():
            row = dict(row, **{field: value})
            words += f" ({field} {value}: {where})"
    return row, words


@functools.cache
@functools.lru_cache(maxsize=None)
def cluster_field(cluster, key):
    """A top-level scalar a shipped cluster document states (configs/clusters/<cluster>.yaml), or None: the one
    reader of those documents here, read once per cluster and key."""
    with open(os.path.join(ROOT, "configs", "clusters", f"{cluster}.yaml"), encoding="utf-8") as f:
        stated = re.search(rf"^{key}:\s*(\S+)", f.read(), re.M)
    return stated.group(1) if stated else None


def cluster_gpus_per_node(cluster):
    """The GPUs per node a shipped cluster document states (the schema's 8 where it states none)."""
    return int(cluster_field(cluster, "gpus_per_node") or 8)


def arxiv_month(row):
    """yymm of the arXiv id the row's source cites (2104 for arXiv 2104.04473), or None."""
    m = re.search(r"arXiv[: ]?(\d{4})\.\d{4,5}", row.get("source", ""))
    return int(m.group(1)) if m else None


SHAPE_FIELDS = ("layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "head_dim", "experts", "top_k", "expert_ffn",
                "shared_experts", "moe_layer_freq", "first_dense_layers", "hybrid_pattern", "mamba_heads",
                "mamba_head_dim", "mamba_state", "mamba_groups", "moe_latent")


def model_key(name):
    """A model's name without punctuation or a parenthesised remark: "DeepSeek-V3 671B (MoE)" -> "deepseekv3671b";
    a point between digits stays, as "p", so that "Qwen2.5-7B" ("qwen2p57b") is not "Qwen2-57B" ("qwen257b")."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"(?<=\d)\.(?=\d)", "p", re.sub(r"\(.*?\)", "", name.lower())))


# Published model configurations (each row names the file it was read from), for rows that name a model
# without its shape and that no project row describes.
MODEL_SHAPES = os.path.join(ROOT, "tests", "validation", "model-shapes.csv")


@functools.lru_cache(maxsize=1)
def known_shapes():
    """Model shapes the project's own rows state (each read from the model's published config), then those of
    tests/validation/model-shapes.csv, by model_key."""
    shapes = {}
    for path in (os.path.join(ROOT, "tests", "validation", "published-runs.csv"), PROJECT_CSV, MODEL_SHAPES):
        if not os.path.isfile(path):
            continue
        for r in csv.DictReader(open(path)):
            key = model_key(r["model"])
            if key and num(r.get("layers")) and num(r.get("ffn")) and key not in shapes:
                shapes[key] = r
    return shapes


# A clause that names something only to compare with it or to say it was not used: "vs ZeRO-3", "compared with
# FSDP (OOM)", "faster than ZeRO-3", "unlike FSDP", "without FSDP", "instead of HSDP", up to the next punctuation.
_COMPARISON_WORDS = r"vs\.?|versus|compared (?:with|to)|unlike|instead of|than"
_NEGATION_WORDS = r"without|not using|no"
# What a row's notes quote of the other rows of its table ("Same table: Kimi K2 256 GPUs PP8 EP32 VP4 FSDP32 -> 189
# TFLOPs, 924 tok/s."), to the end of the sentence: other runs' settings, not this one's.
# It ends at the sentence's full stop (not an abbreviation's), at a bracket it did not open, or at a line's end.
_SAME_TABLE = r"\bsame table:\s*(?:[^()\n]|\([^()\n]*\))*?(?:(?<!\be\.g)(?<!\bvs)(?<!\bapprox)\.(?=\s|$)|(?=[)\n])|$)"
_CONTRAST = re.compile(rf"\b(?:{_COMPARISON_WORDS}|{_NEGATION_WORDS})\s+[^,;.()]*|{_SAME_TABLE}", re.I)
# Comparisons only ("vs. a baseline without X", "faster than without X"): said_off looks for the negations.
_COMPARISON = re.compile(rf"\b(?:{_COMPARISON_WORDS})\s+[^,;.()]*|{_SAME_TABLE}", re.I)
# A setting written as off after its name: "FSDP 0", "FSDP=False", "FSDP: off", "X: no", "X was disabled",
# "X (off)", "FSDP not used", "X isn't used" (a decimal is a number, not a zero).
# "FSDP 0" and "FSDP 0." (a sentence's end), not "FSDP 0.5".
_OFF = (r"\s*[=:(]?\s*(?:(?:was|is|were|are)\s+)?(?:0(?![\w%]|\.\d)|off|false|no|disabled|none|unused|not used|"
        r"not enabled|isn't used|is not used)\b")


def own_words(row, fields=("notes", "source")):
    """The row's words about its own run: the given fields with comparisons and negations cut out."""
    return " ".join(_CONTRAST.sub(" ", row.get(f, "")) for f in fields)


_LAYOUT_WORDS = re.compile(r"(?:pp_layout|pipeline[_ -](?:model[_ -]parallel[_ -])?layout)\s*[=:]?\s*['\"`]"
                           r"([EtmL|()*\d,]+)['\"`]", re.I)
_MTP_WORDS = re.compile(r"\b(\d+)\s+MTP\s+(?:layers?|modules?)\b|\bmtp[_ ]num[_ ]layers\s*[=:]\s*(\d+)|"
                        r"\bw(?:ith|/)\s*MTP\b(?!\s*(?:disabled|off|[=:]\s*(?:false|0)))", re.I)


def layout_stages(layout):
    """The stages of a Megatron-Core pipeline layout ("Et*4|(t*4|)*14tmL"), each a string of E, t, m and L."""
    text, previous = layout.replace(",", ""), None
    while previous != text:
        previous = text
        text = re.sub(r"\(([^()]*)\)\*(\d+)", lambda g: g.group(1) * int(g.group(2)), text)
    return re.sub(r"([EtmL])\*(\d+)", lambda g: g.group(1) * int(g.group(2)), text).split("|")


def pipeline_layout_from_words(row):
    """(row, what was read): the pipeline layout and multi-token-prediction layers that a row in the shared format
    (no pipeline_layout or mtp_layers column) states only in words: a layout quoted after "pp_layout" or
    "pipeline_model_parallel_layout", taken where it fits the row (pp x vpp stages, E first, L last, one t per
    layer), its m count the MTP layers; else, without pipeline parallelism, "N MTP layers", "mtp_num_layers=N",
    "with MTP" (one)."""
    if row.get("pipeline_layout", "").strip() or row.get("mtp_layers", "").strip():
        return row, ""
    text = own_words(row)
    read = ""
    quoted = _LAYOUT_WORDS.search(text)
    if quoted:
        stages = layout_stages(quoted.group(1))
        joined = "".join(stages)
        pp, vpp = (_int(row, k, 1) or 1 for k in ("pp", "vpp"))
        if len(stages) == pp * vpp and joined.startswith("E") and joined.endswith("L") and \
                joined.count("t") == _int(row, "layers"):
            row = dict(row, pipeline_layout=quoted.group(1))
            read += f" (pipeline layout {quoted.group(1)} read from the row's words)"
            if joined.count("m"):
                row["mtp_layers"] = str(joined.count("m"))
                read += f" ({joined.count('m')} MTP layer(s): the layout's m)"
            return row, read
        read += f" (the words' pipeline layout {quoted.group(1)} does not fit pp x vpp = {pp} x {vpp}: not used)"
    mtp = _MTP_WORDS.search(text)
    # Without a layout, only where no pipeline split has to place it: Megatron's recipes that train MTP across
    # stages name the layout that puts it beside the loss (an even split would put a whole layer more on the last
    # stage; DeepSeek-V3's own H800 row read +64% so, session 17).
    if mtp and (_int(row, "pp", 1) or 1) == 1:
        n = next((g for g in mtp.groups() if g), "1")
        row = dict(row, mtp_layers=n)
        read += f" ({n} MTP layer(s) read from the row's words)"
    return row, read


def layout_dp(row):
    """The data-parallel size the generator simulates: the stated one if it multiplies out with tp x pp x cp to
    the GPU count, else GPUs / (tp x pp x cp) (scenario_from_row says so with the row)."""
    tp, pp, cp = (_int(row, k, 1) or 1 for k in ("tp", "pp", "cp"))
    gpus, dp = _int(row, "gpus") or 0, _int(row, "dp") or 0
    return dp if dp and tp * pp * cp * dp == gpus else gpus // (tp * pp * cp)


# What sharding_from_words says of a hybrid-sharding group it had to take as one node; fit_unstated widens those.
GROUP_UNSTATED = "hybrid sharding named, group not stated"


def sharding_from_words(row):
    """(row, what was read) with the data-parallel sharding and the expert tensor-parallel size that a row
    in the shared format (no `zero`, `shard_group` or `etp` column) states only in words, its notes or source,
    comparisons and negations left out (own_words: "vs ZeRO-3", "without FSDP", "FSDP disabled"):
      * "ZeRO-3", "ZeRO stage 2", "ZeRO-2-like", "zero=1": that stage;
      * "FSDP 0", "FSDP=False", "FSDP: off" (the FSDP column of NeMo's and Megatron-Bridge's tables, whose
        recipes then use the distributed optimizer): ZeRO-1, stated;
      * PyTorch FSDP's SHARD_GRAD_OP, "no reshard after forward", FSDP "sharding optimizer states and gradients":
        ZeRO-2; NO_SHARD: plain data parallelism (ZeRO-0);
      * hybrid sharding ("HSDP", "HYBRID_SHARD", "hybrid shard", "FSDP+DP"): ZeRO-3 over a stated group
        ("shard group 16", "shard 16", "FSDP=16", "16-way FSDP", "across 2 nodes") or else inside a node, replicated
        across nodes
        (PyTorch's HYBRID_SHARD: "Apply FULL_SHARD within a node, and replicate parameters across nodes");
      * PyTorch FSDP, FSDP2, FULL_SHARD, "fully sharded", Megatron-FSDP, optim_grads_params, "FSDP N" with
        N >= 1: ZeRO-3;
      * the expert tensor-parallel size: "ETP N", "etp=N", "expert tensor parallel size N"; else, for a MoE
        row with tp > 1, 1 when its source is NeMo or Megatron-Bridge (Megatron-Bridge's MoE recipes set
        expert_tensor_parallel_size=1: scripts/performance/configs/qwen/qwen3_workload_base_configs.py
        BASE_QWEN3_235B_A22B_CONFIG and BASE_QWEN3_30B_A3B_CONFIG) or when etp = tp cannot fold over the
        layout's tp x cp x dp ranks (the run happened, so its experts folded some other way; 1 always folds).
    Columns that are present win; nothing is read for a row that has them."""
    text = own_words(row)
    read = ""
    if not row.get("zero", "").strip():
        zero = None
        stage = re.search(r"\bZeRO\s*(?:-|=|:)?\s*(?:stage\s*[-=:]?\s*)?([0-3])\b", text, re.I)
        hybrid = re.search(r"\b(?:HSDP|HYBRID_SHARD|hybrid[- ]shard\w*)\b|FSDP\s*\+\s*DP", text, re.I)
        # "full shard across all 128 GPUs" states the row's own sharding; an HSDP named beside it (the
        # framework's other rows, or where an assumption came from) is not this row's.
        full = re.search(r"\b(?:full[- _]?shard\w*|(?:pure\s+)?FSDP2?)\s+(?:across|over)\s+(?:all\s+)?(\d+\s+)?GPUs",
                         text, re.I)
        if full and not full.group(1):  # "pure FSDP across all GPUs": the row's GPU count
            full = re.search(r"(\d+)", str(_int(row, "gpus") or 0))
        if full:
            hybrid = None
        # The first stated FSDP value is the row's own ("FSDP 1; ... the alternative's FSDP 0" in a table whose
        # cells carry a second configuration): 0/off the distributed optimizer, else fully sharded.
        first = re.search(r"\b(?:Megatron-)?FSDP2?\s*[=:]?\s*(\d+(?!\.\d)|on|off|true|false|yes|no)\b", text, re.I)
        if stage:
            zero = int(stage.group(1))
        elif first:
            zero = 1 if first.group(1).lower() in ("0", "off", "false", "no") else 3
        elif re.search(r"\b(?:Megatron-)?FSDP2?" + _OFF, text, re.I):
            zero = 1
        elif re.search(r"SHARD_GRAD_OP", text) or re.search(
                r"\bFSDP\w*[^.;]{0,60}?(?:\bno reshard(?:ing)? after (?:the )?forward|"
                r"reshard_after_forward\s*[=:]\s*False(?![^.;]{0,20}\b(?:root|last))|"
                r"shard\w*\s+(?:the\s+)?optimizer\s+states?\s*(?:\+|and|&)\s*gradients?\b"
                r"(?![^.]{0,80}\b(?:param|weight)))",
                _COMPARISON.sub(" ", row.get("notes", "")), re.I):
            # PyTorch FSDP's SHARD_GRAD_OP is reshard_after_forward=False: the parameters stay gathered from the
            # forward to the backward, only gradients and optimizer states sharded (Llama 3's "FSDP ... no reshard
            # after forward").
            zero = 2
        elif re.search(r"\bNO_SHARD\b", text):
            zero = 0
        elif hybrid or full or re.search(r"\b(?:FSDP2?|FULL_SHARD|Megatron-FSDP|optim_grads_params)\b(?!\s+column)|"
                                 r"fully[- ]sharded|\bFSDP(?:[4-9]|\d\d+)\b|\b(?:ici|dcn)_fsdp(?:_parallelism)?\b",
                                 text, re.I):
            zero = 3
        if zero is not None:
            row = dict(row, zero=str(zero))
            read += f" (ZeRO-{zero} read from the row's words)"
        # "FSDP8 x TP8" (FSDP over 8; FSDP1 and FSDP2 are PyTorch's versions), MaxText's mesh axes
        # "dcn_fsdp 16 x ici_fsdp 8" (sharded over their product; dcn_data_parallelism replicates).
        group = re.search(r"shard(?:ing)?[_ ]?(?:group|size)?\s*[=:(]?\s*(\d+)|\bFSDP\s*[=:]\s*([2-9]|\d\d+)\b|"
                          r"\bFSDP2\s*=\s*(\d\d+|[2-9])\b|\b(\d+)[- ]way FSDP\b|\bFSDP([4-9]|\d\d+)\b", text, re.I)
        mesh = [int(n) for n in re.findall(r"\b(?:ici|dcn)_fsdp(?:_parallelism)?\s*[=:]?\s*(\d+)", text, re.I)]
        if mesh:
            # MaxText shards a dense weight's `embed` dimension over the expert axes too (base.yml
            # logical_axis_rules: ['embed', ['fsdp', 'fsdp_transpose', 'sequence', 'tensor_transpose', 'context',
            # 'expert']]), and the experts' own over fsdp beside `exp`: both over fsdp x expert ranks.
            mesh += [int(n) for n in re.findall(r"\b(?:ici|dcn)_expert(?:_parallelism)?\s*[=:]?\s*(\d+)", text,
                                                re.I)]
            group = re.search(r"(\d+)", str(math.prod(mesh)))
        if full:
            group = full
        nodes = re.search(r"across (\d+) nodes", text, re.I)
        if zero == 3 and not row.get("shard_group", "").strip() and (group or hybrid):
            size = int(next(g for g in group.groups() if g)) if group else (
                int(nodes.group(1)) * _int(row, "gpus_per_node", 0) if nodes else _int(row, "gpus_per_node", 0))
            if size and size >= (_int(row, "gpus") or size + 1):
                read += f" (sharded over all {size} GPUs: read from the row's words)"
            elif size and not group and not nodes:
                # Hybrid sharding named, its group not: PyTorch's HYBRID_SHARD default, one node, i.e. the node's
                # data-parallel ranks (the simulator's group counts dp x cp ranks; a divisor of them where the
                # layout is known); fit_unstated widens it where that does not fit.
                size = max(size // ((_int(row, "tp", 1) or 1) * (_int(row, "cp", 1) or 1)), 1)
                dp_ranks = (_int(row, "dp", 0) or 0) * (_int(row, "cp", 1) or 1)
                size = math.gcd(size, dp_ranks) if dp_ranks else size
                row = dict(row, shard_group=str(size))
                read += f" (sharded over a node's {size} data-parallel ranks, replicated across: {GROUP_UNSTATED})"
            elif size:
                row = dict(row, shard_group=str(size))
                read += f" (sharded over {size} GPUs, replicated across: read from the row's words)"
            else:
                read += " (hybrid sharding named, group not stated and no GPUs per node: sharded over all)"
    experts, tp = _int(row, "experts"), _int(row, "tp", 1)
    if experts and not row.get("etp", "").strip():
        stated = re.search(r"\bETP\s*[=:]?\s*(\d+)|expert[_ ]tensor[_ ]parallel(?:ism|[_ ]size)?\s*[=:]?\s*(\d+)",
                           text, re.I)
        ep = _int(row, "ep", 1) or 1
        ranks = tp * (_int(row, "cp", 1) or 1) * layout_dp(row)
        if stated:
            row = dict(row, etp=stated.group(1) or stated.group(2))
            read += f" (expert TP {row['etp']} read from the row's words)"
        elif tp > 1 and ((framework_of(row) in ("nemo", "megatron-bridge") and not nemo_1(row))
                         or ranks % (tp * ep) != 0):
            row = dict(row, etp="1")
            read += " (expert TP 1 assumed: the recipes' expert_tensor_parallel_size, not stated)"
    return row, read


# MLPerf Training's benchmark names for its models, and the sequence length its rules fix for each
# (mlcommons/training: gpt3 at 2,048 tokens, llama31_405b and llama31_8b at 8,192).
_MLPERF_BENCHMARKS = {"gpt3": ("GPT-3-175B", 2048), "llama31_405b": ("Llama-3.1-405B", 8192),
                      "llama31_8b": ("Llama-3.1-8B", 8192)}


def mlperf_benchmark(row):
    """The row with an MLPerf benchmark name as its model ("llama31_405b") read as the model it names, and its
    sequence length, where unstated, as the benchmark's rules fix it; and what was read."""
    bench = _MLPERF_BENCHMARKS.get(row.get("model", "").strip().lower())
    if not bench:
        # A result or benchmark path of an MLPerf Training submission names the benchmark its run is of
        # (".../results/eos-dfw_n1024_ngc25.01_nemo/llama31_405b/result_0.txt"): the row keeps its model, and
        # its unstated sequence length is the one the benchmark's rules fix.
        path = re.search(r"(?:training_results_v[\d.]+|MLPerf Training)\b.*?/(" + "|".join(_MLPERF_BENCHMARKS) + ")/",
                         row.get("source", ""))
        if not path or num(row.get("seq")) is not None:
            return row, ""
        length = _MLPERF_BENCHMARKS[path.group(1)][1]
        return dict(row, seq=str(length)), f" (sequence {length}: MLPerf's {path.group(1)} benchmark by its rules)"
    row, words = dict(row, model=bench[0]), f" (MLPerf's {row['model'].strip()} benchmark: {bench[0]}"
    if num(row.get("seq")) is None:
        row["seq"], words = str(bench[1]), words + f", sequence {bench[1]} by its rules"
    return row, words + ")"


def shapes_named_by(key):
    """The known shapes' keys that start the model key `key`; a family's bare name (model-shapes.csv match "exact":
    "Nemotron 3 Nano" for the 30B-A3B) names only itself, not "Nemotron 3 Nano 4B"."""
    return [k for k, r in known_shapes().items()
            if k and key.startswith(k) and (r.get("match", "") != "exact" or key == k)]


def fill_shape(row):
    """The row with its unstated shape fields taken from a project row of the same model (the longest model
    name that starts the row's, e.g. "DeepSeek-V3 671B-A37B" takes "DeepSeek-V3"), and what was taken."""
    row, bench = mlperf_benchmark(row)
    if bench:
        row, taken = fill_shape(row)
        return row, bench + taken
    key = model_key(row.get("model", "").split("/")[-1])  # "meta-llama/Llama-3.1-8B": the repository's model
    matches = shapes_named_by(key)
    # An organisation before the name ("Meta-Llama-3-70B", "mistralai/Mixtral-8x7B") is not part of it; cut
    # only when the rest then names a known model.
    org = re.match(r"(meta|mistralai|deepseekai|nvidia|openai|moonshotai|qwen(?=qwen)|mosaicml|google|microsoft|"
                   r"allenai|tiiuae|ibm|databricks|xai)", key)
    if not matches and org:
        matches = shapes_named_by(key[org.end():])
    if not matches:
        # A description with the model's own name in brackets: "Qwen3 MoE 30B (Qwen3-30B-A3B)".
        named = [model_key(n) for n in re.findall(r"\(([^)]*)\)", row.get("model", ""))]
        matches = next((m for m in (shapes_named_by(n) for n in named if n) if m), [])
    if not matches:
        return row, ""
    known = known_shapes()[max(matches, key=len)]
    taken = [f for f in SHAPE_FIELDS if not row.get(f, "").strip() and known.get(f, "").strip()]
    if not taken:
        return row, ""
    row = dict(row, **{f: known[f] for f in taken})
    if re.search(r"\bMLA\b", known.get("notes", "")):
        row["notes"] = row.get("notes", "") + " (MLA)"
    return row, f" ({', '.join(taken)} from {known['model']}'s published config, not in the row)"


def framework_of(row):
    """The row's `framework` column, else the framework its source names (a table in the shared format has no
    such column) or, where it names none, that the notes name by a project name; "" if none."""
    if row.get("framework", "").strip():
        return row["framework"].strip()
    text = own_words(row, ("source", "recompute"))  # a source that names a framework to compare does not run it
    # A model column's parenthesised remark names what ran it ("GPT 529.6B (ZeRO-3)", "GPT-style 175B (Megatron-LM)").
    text += " " + " ".join(re.findall(r"\(([^)]*)\)", row.get("model", "")))
    # NeMo AutoModel is PyTorch-native (FSDP2), not NeMo's Megatron stack; MLPerf's NVIDIA submissions name
    # their NeMo implementation in the result path ("theia_ngpu512_ngc25.09_nemo"); the ZeRO-3 rows of a
    # Megatron-LM paper are DeepSpeed's (Narayanan et al. SC'21, Table 2).
    for pattern, name in _FRAMEWORK_WORDS:
        if re.search(pattern, text, re.I) and not (pattern == r"\bZeRO-?3\b" and re.search(r"FSDP|PyTorch", text)):
            return name  # (ZeRO-3 is DeepSpeed's word, unless the source is about PyTorch's FSDP)
    # Notes name many stacks in passing ("the same MFU formula as the NeMo recipe", "DeepSpeed-Ulysses-style"
    # attention, "ported from torchtitan"); a stack is the row's where the notes name it as what ran: with its
    # version or container ("torchtitan 0.0.2", "NeMo 24.09 container", "nemo:25.04"), as the framework
    # ("Framework torchtitan", "torchtitan run", "via NeMo Launcher"), or at the head of the notes.
    notes = _COMPARISON.sub(" ", row.get("notes", ""))
    for pattern, name in _FRAMEWORK_WORDS[:5]:
        ran = rf"(?:{pattern})(?:[ :]+v?\d+\.\d+|\s+(?:container|launcher|run|framework)\b)|" \
              rf"(?:^\s*|\bframework[: ]+|\b(?:run|ran|trained|via|using|with|under) )(?:{pattern})" \
              rf"(?![- ]?(?:tokenizer|formula|style|'s))"
        if re.search(ran, notes, re.I) and not re.search(rf"\bnot\s+(?:{pattern})", notes, re.I):
            return name
    return ""


# NeMo AutoModel by its name (not Hugging Face's AutoModelForCausalLM).
_FRAMEWORK_WORDS = ((r"NeMo[- /]?Automodel|\bAutomodel\b(?!For)", "other"), (r"Megatron-Bridge", "megatron-bridge"),
                    (r"\bNeMo\b|_nemo\b", "nemo"), (r"torchtitan", "torchtitan"), (r"llm-foundry", "llm-foundry"),
                    (r"DeepSpeed", "deepspeed"), (r"\bZeRO-?3\b", "deepspeed"), (r"Megatron", "megatron"))


def benchmark_file_month(row):
    """(year, month) of a benchmark file named with its date (llama3_h100_202412_torchtitan.md,
    llama3_8b_h200_2025-06_torchtitan.md), or None."""
    dated = re.search(r"_(20\d\d)-?(\d\d)_", row.get("source", ""))
    return (int(dated.group(1)), int(dated.group(2))) if dated else None


def nemo_container(row):
    """(yy, mm) of the NeMo container a Megatron-Bridge or NeMo performance table names ("25.11 NeMo
    Container", "26.02.01 NeMo Container", "nemo:24.09", "NeMo 24.07", an MLPerf result path's "_ngc25.09_nemo", or
    a source naming NeMo with a release in brackets, "(24.07, H100 FP8)"), or None."""
    src = row.get("source", "")
    # MLPerf's NVIDIA result paths name theirs too ("theia_ngpu256_ngc26.04_nemo").
    m = re.search(r"(\d\d)\.(\d\d)(?:\.\d+)?'? NeMo Container|nemo:(\d\d)\.(\d\d)\b|\bNeMo (\d\d)\.(\d\d)\b|"
                  r"_ngc(\d\d)\.(\d\d)_nemo\b", src, re.I)
    if not m and re.search(r"\bNeMo\b", src, re.I):
        # A release in brackets, "(24.07, H100 FP8)": not a date ("23.05.2025"), a time ("25.11 s/step") or
        # another product's version ("PyTorch 24.07").
        m = re.search(r"\((2[3-9])\.(0[1-9]|1[0-2])(?:\.\d\d?)?[,)]", src)
    if not m:
        return None
    yy, mm = (g for g in m.groups() if g)
    return int(yy), int(mm)


def is_gpt_oss(row):
    """OpenAI's GPT-OSS (its attention windows, clamped experts and the ops Megatron-Core leaves unfused for it)."""
    return re.search(r"GPT-?OSS", row["model"], re.I) is not None


def nemo_1(row):
    """Whether a NeMo row ran NeMo 1.0: a container of 24.07 or before, or NeMo-Framework-Launcher (NeMo 1.0's
    launcher). Its fp8 recipes left fp8_params off, and its MoE layers shard experts over the TP group
    (Megatron-Core's expert_tensor_parallel_size, which NeMo 2.0's recipes set to 1, came in Megatron-Core 0.10)."""
    container = nemo_container(row)
    words = " ".join(row.get(f, "") for f in ("source", "notes"))
    return bool(container and container < (24, 9)) or re.search(r"NeMo[- ](?:Framework[- ])?Launcher", words, re.I) is not None


# When a model's weights or report appeared (yymm): a run of it is no older. Qwen3: Qwen blog "Qwen3: Think Deeper,
# Act Faster", 2025-04-29; GPT-OSS: OpenAI, 2025-08-05; Llama 4: Meta, 2025-04-05; Kimi K2: Moonshot, 2025-07;
# DeepSeek-V3: arXiv:2412.19437; Llama 3.1: Meta, 2024-07-23; Llama 3: Meta, 2024-04-18; Qwen2.5: 2024-09;
# Nemotron-4 340B: arXiv:2406.11704; Mixtral 8x22B: 2024-04; Mixtral 8x7B: arXiv:2401.04088 (weights 2023-12).
_MODEL_RELEASED = ((r"\bQwen[- ]?3(?![\d.])", 2504), (r"GPT-?OSS", 2508), (r"\bLlama[- ]?4(?![\d.])", 2504),
                   (r"Kimi[- ]?K2", 2507), (r"DeepSeek[- ]?V3", 2412), (r"\bLlama[- ]?3\.3(?!\d)", 2412),
                   (r"\bLlama[- ]?3\.2(?!\d)", 2409), (r"\bLlama[- ]?3\.1(?!\d)", 2407),
                   (r"\bLlama[- ]?3(?![\d.])", 2404),
                   (r"\bQwen[- ]?2\.5(?!\d)", 2409), (r"Nemotron-?4[- ]?340B", 2406), (r"Mixtral[- ]?8x22B", 2404),
                   (r"Mixtral", 2312))


def source_month(row):
    """yymm the row's source was published: its arXiv id, else the earliest year it names ("SC'21",
    "NSDI'24", "et al. 2022") taken as January of that year (the software a paper ran is at least as old as
    the year it appeared; a run cannot have used a feature that came later), else None; never before the model
    the row trained appeared (_MODEL_RELEASED), which dates a row whose source names no year."""
    released = max((m for pattern, m in _MODEL_RELEASED if re.search(pattern, row.get("model", ""), re.I)),
                   default=None)
    month = arxiv_month(row)
    if month is None:
        src = row.get("source", "")
        years = [2000 + int(y) for y in re.findall(r"(?<=[A-Za-z]')(\d\d)\b", src)]
        years += [int(y) for y in re.findall(r"(?<![0-9A-Za-z])(20[12]\d)(?![0-9A-Za-z])", src)]
        month = (min(years) - 2000) * 100 + 1 if years else None
    if released is not None and (month is None or month < released):
        return released
    return month


_TP_OVERLAP = (r"(?:--)?tp[-_ ]?comm(?:unication)?[-_ ]overlap|user-?buffers?|"
               r"\b(?:TP|tensor[- ]parallel(?:ism)?)(?:/[A-Z]+)*[- ](?:comm(?:unication)?s?[- ])?overlap|"
               r"overlap(?:ping)? (?:of |the )*(?:TP|tensor[- ]parallel)")


_SEQ_PARALLEL = r"\bseq(?:uence)?[-_ ]parallel(?:ism)?\b|\bSP\b"
_DP_OVERLAP = r"\b(?:DP|data[- ]parallel(?:ism)?)(?:/[A-Z]+)*[- ](?:comm(?:unication)?s?[- ])?overlap"
_GRAD_OVERLAP = rf"(?:--)?overlap[-_ ]grad(?:ient)?[-_ ]reduce|{_DP_OVERLAP}"
_GATHER_OVERLAP = rf"(?:--)?overlap[-_ ]param(?:eter)?[-_ ]gather|{_DP_OVERLAP}"


# framework.cuda_graphs' scope names (mamba: a hybrid model's Mamba-2 mixers, Megatron-Bridge's Nemotron recipes)
_CG_SCOPES = ("attn", "mlp", "moe_router", "moe_preprocess", "moe", "mamba")


def recipe_reading(row, key, values):
    """What a reading of the row's recipe in its `assumed` column says of a framework key ("cuda_graphs: attn
    moe_router (docs/evidence/...)", "fused_grouped_mlp: no (...)"): the words matching `values` after "key:",
    lower-cased, or None where it says nothing of the key."""
    stated = re.search(rf"\b{key}:\s*({values})", row.get("assumed", ""), re.I)
    return stated.group(1).lower() if stated else None


def fused_grouped_mlp(row, gpu, precision):
    """Whether the row's experts ran Transformer Engine's fused grouped MLP (framework.fused_grouped_mlp): a reading
    in its `assumed` column ("fused_grouped_mlp: no (...)") first, else its own words naming it (Megatron-Bridge's
    "cutedsl fused grouped MLP", NVTE_CUTEDSL_FUSED_GROUPED_MLP=1), on Blackwell in fp8 or nvfp4, the only
    place it runs."""
    stated = recipe_reading(row, "fused_grouped_mlp", "yes|no|true|false")
    if stated:
        return stated in ("yes", "true")
    # (The simulator refuses the key off Blackwell or in bf16; a row naming it elsewhere is read without it.)
    named = r"cute ?dsl[_ ]?fused[_ ]grouped[_ ]mlp|NVTE_CUTEDSL_FUSED_GROUPED_MLP|cutedsl"
    said = re.search(named, own_words(row, ("notes",)), re.I) and not said_off(row, named)
    return bool(said) and gpu in ("B200", "B300", "GB200", "GB300") and precision in ("fp8", "nvfp4")


def cuda_graphs_of(row):
    """What the row's CUDA graphs captured, as framework.cuda_graphs scopes: ["full"], [] (none stated off), a list
    of Transformer Engine scopes, or None where nothing is said (the simulator's default, eager: Megatron-Core's
    cuda_graph_impl "none"). A reading of the recipe in the `assumed` column ("cuda_graphs: attn moe_router
    moe_preprocess", docs/evidence/cuda-graphs-defaults.md) comes first, then the row's own words: a scope list,
    "partial CUDA graphs", Megatron-Core's full-iteration graph, MLPerf's FULL_CUDA_GRAPH, NeMo's per-layer graphs
    (enable_cuda_graph, LAYER_CUDA_GRAPH, its performance CSV's cuda_graphs 1); then graphs said off."""
    names = "|".join(_CG_SCOPES)
    stated = recipe_reading(row, "cuda_graphs", rf"full|none|(?:(?:{names})\b[ ,+]*)+")
    if stated:
        return ["full"] if stated == "full" else [] if stated == "none" else re.findall(r"[a-z_]+", stated)
    # What a doubt says of another version of the recipe is not this run's.
    text = re.split(r"\bdoubt\b", own_words(row, ("notes",)), flags=re.I)[0]
    # A scope list after "CUDA graphs" or "scope(s)", or before "scopes": "[attn, moe_router, moe_preprocess]",
    # "attn/moe_router", "scopes moe_router+moe_preprocess", "moe_router and moe_preprocess scopes"; the scopes'
    # own lower-case names ("grouped MLP" is not one), "attention" for attn inside such a list.
    scope = rf"\b(?:{names}|attention)\b"
    words = rf"((?:{scope}(?:[/,+ ]|\band\b)*)+)"
    scoped = re.search(rf"(?i:cuda[ _-]?graphs?|graph_scope|scopes?)[^.;]{{0,80}}?[\[(]?{words}", text) or \
        re.search(rf"{words}\s*(?i:scopes?)\b", text)
    if scoped:
        found = ["attn" if w == "attention" else w for w in re.findall(scope, scoped.group(1))]
        if found:
            return list(dict.fromkeys(found))
    # ("CG" is the Megatron-LM recipe index's word: "full CG", "partial CG".)
    if re.search(r"partial (?:CUDA graphs?|CG\b)|CUDA graphs? partial", text, re.I):
        # Megatron-Core's partial graphs beside expert parallelism take these scopes only (Megatron-LM #2168/#2184).
        return ["attn", "moe_router", "moe_preprocess"]
    full = (r"CUDA graphs? (?:via|on\b|enabled)|full[_ -]iteration|\bfull CG\b|FULL_CUDA_GRAPH\s*=\s*(?:True|1)\b|"
            r"LAYER_CUDA_GRAPH\s*=\s*1\b|enable_cuda_graph\s*=\s*True|cuda_graphs\s*[=:]?\s*1\b")
    if re.search(full, text, re.I):
        return ["full"]
    # (Negations are cut from the row's own words above; what is said off is read from its words less comparisons.)
    said = re.split(r"\bdoubt\b", _COMPARISON.sub(" ", row.get("notes", "")), flags=re.I)[0]
    if re.search(r"\bno CUDA graphs?|cuda_graph_impl\W*none|cuda_graph_scope\s*\[\]|CUDA graphs?\s*(?:off|disabled|"
                 r"OFF|forced off|not enabled)|cuda_graphs\s*[=:]?\s*0\b|FULL_CUDA_GRAPH\s*=\s*0", said, re.I):
        return []
    return None


def said_off(row, words):
    """Whether the row's own notes or source turn the setting named by the `words` pattern off ("X=False", "X
    disabled", "X: no", "without X", "no X", "not X"); what a comparison says of another run is not the row's."""
    text = " ".join(_COMPARISON.sub(" ", row.get(f, "")) for f in ("notes", "source"))
    return re.search(rf"(?:{words}){_OFF}|\b(?:{_NEGATION_WORDS}|not)\s+(?:{words})", text, re.I) is not None


MEGATRON_TP_DEFAULT = "Megatron-LM's default, not named"
NVFP4_TP_OFF = "Megatron-Bridge's NVFP4 recipes"


def tp_overlap_off(row, framework):
    """Why a row runs without TP communication overlap, or None: its source predates Transformer Engine's
    userbuffers (2023), it is MegaScale's Megatron-LM baseline, its words turn the overlap off, or it is a
    Megatron-LM row whose words do not name it (MEGATRON_TP_DEFAULT: `--tp-comm-overlap` is off unless passed)."""
    month = source_month(row)
    if month is not None and month < 2301:
        return "before Transformer Engine's userbuffers"
    if megascale_baseline(row):
        return "MegaScale's baseline"
    said = tp_overlap_said(row)
    if said is False:
        return "turned off in the row's words"
    if framework == "megatron-bridge" and precision_key(row.get("precision", "")) == "nvfp4" and not said:
        # Megatron-Bridge's performance builders: "cfg.comm_overlap.tp_comm_overlap = False if precision ==
        # 'nvfp4'" (scripts/performance/configs/llama/llama3_llm_pretrain.py, llama31_llm_pretrain.py and the
        # GPT-OSS builders; docs/evidence/nvfp4.md), taken for its other models' NVFP4 rows too.
        return NVFP4_TP_OFF
    if framework in ("megatron", "megatron-lm") and not said:
        return MEGATRON_TP_DEFAULT
    if pytorch_native(row, framework) and not said and \
            not re.search(r"async[- _]?(?:TP|tensor[- ]parallel)", row.get("notes", ""), re.I):
        return PYTORCH_TP_DEFAULT
    return None


PYTORCH_TP_DEFAULT = "PyTorch's tensor parallelism without async TP, not named"


def hopper(row):
    """The row ran on Hopper (H100, H200, H800, GH200)."""
    return re.match(r"G?H(100|200|800)", row.get("gpu", "")) is not None  # (GH200: the Grace Hopper superchip)


def kempnerforge(row):
    """The row's source is KempnerInstitute's KempnerForge (its code's facts: docs/evidence/pytorch-fsdp-stacks.md)."""
    return re.search(r"KempnerForge", row.get("source", "")) is not None


def pytorch_native(row, framework):
    """A PyTorch-native stack (torchtitan, DeepSpeed outside a Megatron stack, or a framework built on FSDP2/DTensor):
    its tensor parallelism overlaps communication only with async TP (torchtitan enable_async_tensor_parallel, off
    by default), and its ops run one kernel each unless torch.compile is named (PyTorch is eager by default)."""
    if framework in ("torchtitan", "llm-foundry"):
        # (llm-foundry's MPT yamls carry no compile_config, and its benchmark harness adds none: eager, with
        # flash-attn's kernels; docs/evidence/pytorch-fsdp-stacks.md, section 4.)
        return True
    if framework == "deepspeed":
        # DeepSpeed wraps the user's own module and brings no model code: unless the row runs it under a
        # Megatron stack (Megatron-DeepSpeed, GPT-NeoX, BigScience's BLOOM runs), that module is plain PyTorch, as
        # FlagPerf's training/benchmarks/llama2_7b/deepspeed/model/llama_model.py builds transformers'
        # LlamaForCausalLM. DeepSpeed named only as the recomputation ("DeepSpeed activation checkpointing",
        # Megatron-DeepSpeed's) is not such a row.
        named = re.search(r"DeepSpeed|\bZeRO-?3\b", " ".join(row.get(f, "") for f in ("source", "notes")), re.I)
        megatron = re.search(r"Megatron|GPT-NeoX|BigScience|BLOOM",
                             " ".join(row.get(f, "") for f in ("source", "notes", "recompute", "model")), re.I)
        return named is not None and megatron is None
    notes = row.get("notes", "")
    # A stack that names Transformer Engine runs TE's fused modules (NeMo AutoModel: "FSDP2 + TE"). PyTorch FSDP
    # (FSDP1) stacks run eagerly too: IBM's fms-fsdp leaves use_torch_compile off and its LLaMA block is plain
    # PyTorch (docs/evidence/pytorch-fsdp-stacks.md, section 2).
    # Its own words only: "vs PyTorch FSDP" is a comparison, not the row's stack.
    return framework in ("", "other") and re.search(
        r"\bDTensor\b|\bFSDP2\b|PyTorch FSDP|\bFSDP1\b|\bFULL_SHARD\b|\bHYBRID_SHARD\b|fms-fsdp",
        own_words(row, ("notes",))) is not None and re.search(r"\bTE\b|Transformer Engine", notes) is None


def tp_overlap_said(row):
    """True where the row's own words turn TP communication overlap on ("--tp-comm-overlap", "TP comm overlap",
    "tensor-parallel overlap", userbuffers), False where they turn it off ("TP_COMM_OVERLAP=False", "TP overlap
    disabled"), None where they do not say; comparisons and negations ("without TP overlap") are not the row's own."""
    if said_off(row, _TP_OVERLAP):
        return False
    return True if re.search(_TP_OVERLAP, own_words(row), re.I) else None


# MegaScale's rows of its Megatron-LM baseline, which ran without the overlaps MegaScale added.
MEGASCALE_BASELINE = r"Baseline( =)? (open-source )?Megatron-LM commit"


def megascale_baseline(row):
    """MegaScale's (arXiv:2402.15627) rows of its Megatron-LM baseline: the notes name the baseline commit as the
    row's ("Baseline Megatron-LM commit 285068c8") or the row's system as Megatron-LM ("System=Megatron-LM", a
    model "(Megatron-LM)"), where the source is MegaScale's paper and the row's system is not MegaScale's."""
    notes = row.get("notes", "")
    if re.search(MEGASCALE_BASELINE, notes):
        return True
    if not re.search(r"MegaScale(?!-MoE)|2402\.15627", row.get("source", ""), re.I) or \
            re.search(r"MegaScale-MoE|2505\.11432", row.get("source", ""), re.I):
        return False
    if re.search(r"\bMegatron-LM baseline\b", notes, re.I) and \
            not re.search(r"\bSystem\s*[=:]\s*MegaScale", notes, re.I):
        return True
    said = re.search(r"\bSystem\s*[=:]\s*(Megatron-LM|MegaScale)\b", notes, re.I)
    if said:
        return said.group(1).lower() == "megatron-lm"
    return re.search(r"\(Megatron-LM(?: baseline)?\)", row.get("model", ""), re.I) is not None


def software_generation(row, framework, pp):
    """Framework keys for features the row's software did not have yet, from the source's date or its own words.

    The framework defaults describe today's Megatron-Core; a run published before a feature existed cannot
    have used it (the shared table's SC'21 and Korthikanti scenarios set the same keys by hand):
      * fused attention: FlashAttention appeared in arXiv:2205.14135 (May 2022);
      * TP communication overlapped with GEMMs: Transformer Engine's userbuffers, 2023; and in Megatron-LM
        only when passed (`--tp-comm-overlap` is store_true in megatron/training/arguments.py; the MoE
        ModelZoo's Qwen3-235B-A22B.yaml, for one, does not pass it), so a Megatron-LM row runs without it
        unless its words name it; NeMo's and Megatron-Bridge's performance recipes turn it on;
      * DeepSpeed's pipeline engine reduces gradients after the last micro-batch (TrainSchedule ends with
        ReduceTiedGrads, ReduceGrads, OptimizerStep: deepspeed/runtime/pipe/schedule.py), and ZeRO-1's
        parameter all-gather follows the step;
      * MegaScale (arXiv:2402.15627, sec. 3.2) describes overlapping TP/SP, PP and DP communication as its own
        additions to its Megatron-LM baseline (commit 285068c8), so the baseline rows run without them;
      * torchtitan calls PyTorch's scaled_dot_product_attention, which on Hopper ran FlashAttention-2 from
        PyTorch 2.5.1 (cuDNN attention made opt-in: pytorch/pytorch#138522, Oct 2024; "SDPA dispatches
        FLASH_ATTENTION" on H100: pytorch/torchtitan#1042, Apr 2025) until cuDNN was preferred on sm90 again
        (pytorch/pytorch#162073, Sep 2025, gated on cuDNN > 9.15: huggingface/transformers#48163):
        torchtitan benchmark files dated before 2025-09 on Hopper run `attention_kernel: fa2`;
      * llm-foundry's MPT attention on Hopper is FlashAttention-2 (attn_impl: flash) or its older Triton kernel
        (attn_impl: triton), never cuDNN's: `attention_kernel: fa2`, the faster of the two.
    """
    keys = []
    month = source_month(row)
    notes = row.get("notes", "")
    old_tp = month is not None and month < 2301
    baseline = megascale_baseline(row)
    if month is not None and month < 2205:
        keys.append("  flash_attention: false")
    if tp_overlap_off(row, framework):
        keys.append("  tp_comm_overlap: false")
    if baseline or (framework == "deepspeed" and pp > 1) or (old_tp and framework in ("", "megatron")):
        # Megatron-LM overlapped the data-parallel reduction and the distributed
        # optimizer's gather from 2023 (--overlap-grad-reduce, --overlap-param-gather).
        keys += ["  overlap_grad_reduce: false", "  overlap_param_gather: false"]
    else:
        # A row that says its data-parallel overlap was off ("OVERLAP_GRAD_REDUCE=False", "no DP overlap").
        keys += [f"  {key}: false" for key, words in (("overlap_grad_reduce", _GRAD_OVERLAP),
                                                       ("overlap_param_gather", _GATHER_OVERLAP))
                 if said_off(row, words)]
    # FlashAttention-2 on Hopper, where it runs without wgmma/TMA (FA3 paper, Figures 5 and 6):
    # llm-foundry's MPT attention (attn_impl "flash": the flash-attn package, FlashAttention-2 from llm-foundry
    # v0.3; or "triton", the 2022 Triton kernel of the older submit_benchmarks.py: neither uses wgmma/TMA, FA2's
    # rate is the faster of the two, so the time is a lower bound); torchtitan's SDPA before 2025-09 (above);
    # or a row whose words name FlashAttention-2 (the flash-attn package, or SDPA's FLASH_ATTENTION backend).
    dated = benchmark_file_month(row)
    named = re.search(r"FlashAttention[- ]?(?:2|v2)\b|\bFlash(?:Attention)?\s*v2\b|flash-attn\s*2|\bFA2\b",
                      notes, re.I) and not re.search(r"FlashAttention[- ]?3|\bFA3\b|cuDNN", notes, re.I)
    if hopper(row) and (framework == "llm-foundry" or named or
                        (framework == "torchtitan" and (dated is None or dated < (2025, 9)))):
        keys.append("  attention_kernel: fa2")
    return keys


RECOMPUTE_ORDER = ["none", "selective", "full"]


# MaxText's remat policies (MaxText/configs/base.yml remat_policy) that recompute the MLP and keep the attention:
# "except_mlp" saves the dot products but the MLP's ("with_context": the attention output too), which is
# Megatron-Core's selective recomputation of the MLP module (and of core attention without the context).
_MAXTEXT_EXCEPT_MLP = {"save_dot_with_context_except_mlp": ["mlp"], "save_dot_except_mlp": ["core_attn", "mlp"]}


def maxtext(row):
    """The row ran MaxText (its source or notes name it, not as a comparison)."""
    return bool(re.search(r"\bMaxText\b", own_words(row), re.I))


def maxtext_policy(row):
    """The MaxText remat_policy a row names ("remat_policy minimal_flash"), or None."""
    m = re.search(r"remat[_ ]policy\W*([a-z_]+)", " ".join(row.get(f, "") or "" for f in ("recompute", "notes")), re.I)
    return m.group(1).lower() if m else None


def recompute_unstated(row):
    """The row's recomputation was not read from its source (empty, or the row says it was assumed), or it
    names a MaxText remat policy the simulator has no form of ("minimal", "save_qkv_proj", ...: what it keeps is
    not one of the simulator's recomputations, so the lightest of those that fits stands in)."""
    if not row.get("recompute", "").strip() or \
            re.match(r"not stated|not specified|unspecified|unknown|n/?a$|\?|—|-$", row["recompute"].strip(), re.I):
        return True
    policy = maxtext_policy(row)
    if policy and policy not in ("full", "none") and policy not in _MAXTEXT_EXCEPT_MLP:
        return True
    # The project's rows say so in `assumed`; a table in the shared format has only its notes.
    said = row.get("assumed", "") + " | " + row.get("notes", "")
    return re.search(r"(?:recompute|recomputation|activation checkpointing)\W*(?:\w+\W+){0,3}?"
                     r"(?:not stated|assumed|not read)", said, re.I) is not None


def out_recompute(text):
    m = re.search(r"(?m)^  recompute: (\S+)$", text)
    return m.group(1) if m and m.group(1) in RECOMPUTE_ORDER else RECOMPUTE_ORDER[-1]


def lightest_fitting_recompute(cb_bin, path, text, sets):
    """(simulate output, label) of the lightest recomputation heavier than the scenario's that fits: the
    next named mode, else full recomputation of the fewest layers per chunk (Megatron's block method,
    training.recompute_layers), else None."""
    def run(recompute, layers=0):
        t = re.sub(r"(?m)^  recompute: \S+$", f"  recompute: {recompute}", text)
        if layers:
            t = t.replace(f"  recompute: {recompute}\n", f"  recompute: {recompute}\n  recompute_layers: {layers}\n")
        open(path, "w").write(t)
        out, _ = simulate(cb_bin, path, sets)
        return out if out is not None and out.get("fits_in_memory", True) else None

    for heavier in RECOMPUTE_ORDER[RECOMPUTE_ORDER.index(out_recompute(text)) + 1:-1]:
        out = run(heavier)
        if out:
            return out, heavier
    full = run("full")
    if not full:
        return None
    # Memory falls as more layers of each chunk are recomputed: the fewest that fit.
    lo, hi, best = 1, max(full["layers_per_virtual_stage"]) - 1, (full, "full")
    while lo <= hi:
        mid = (lo + hi) // 2
        out = run("full", mid)
        if out:
            best, hi = (out, f"full for {mid} layers per chunk"), mid - 1
        else:
            lo = mid + 1
    return best


def layout_from_words(row):
    """(row, words) with tp and pp for a row that states only its model-parallel size ("model-parallel size 96",
    "MP size 280"): tensor parallelism over one server's GPUs and pipeline parallelism over the rest, the rule its
    authors give (Narayanan et al. SC'21, Takeaway #1: tensor model parallelism up to the GPUs of a server, then
    pipeline model parallelism across servers; their Table 1 runs GPT-3 175B's 96 as 8 x 12). Rows that state
    tp and pp are returned as they are."""
    if num(row.get("tp")) is not None and num(row.get("pp")) is not None:
        return row, ""
    # A run whose words name data parallelism alone ("FSDP+DP", the title of NVIDIA dgxc-benchmarking's Paxml
    # tables; "no TP/PP"; "pure data parallel"; "data parallel only") has no model parallelism; what the notes say
    # of another run ("compared with FSDP+DP") and "no TP/PP stated" (unknown) do not count.
    notes = _COMPARISON.sub(" ", row.get("notes", ""))
    alone = re.search(r"\bFSDP\s*\+\s*DP\b|\bno (?:TP|tensor(?:[- ]parallel\w*)?)\s*(?:/|or|and)\s*(?:CP\s*/\s*)?"
                      r"(?:PP|pipeline)(?:[- ]parallel\w*)?(?!\s+(?:stated|given|specified))|"
                      r"\bno model[- ]parallel\w*(?!\s+(?:size |degree )?(?:stated|given|specified))|"
                      r"\bpure(?:ly)? data[- ]parallel|\b(?:data[- ]parallel\w*|DP) only\b", notes, re.I)
    if alone and num(row.get("tp")) is None and num(row.get("pp")) is None:
        return dict(row, tp="1", pp="1"), " (no model parallelism: the row names data parallelism alone)"
    # One dimension named absent ("no TP" beside "16-way PP"), or a layout named as tensor and data parallelism
    # alone ("8-way TP + DP", "tensor parallelism and data parallelism") with no pipeline size anywhere.
    unstated = r"(?!\s+(?:stated|given|specified|known))"
    filled, words = dict(row), []
    other = r"(?!\s*(?:/|or|and|comm\w*|overlap|bubble|communication))"
    tp_sized = re.search(r"\bTP\s*[=:]?\s*\d|\btensor[- ]parallel\w*(?:\s+(?:size|degree))?\s*[=:]?\s*\d|\d+[- ]way "
                         r"(?:TP|tensor)", notes, re.I)
    if num(row.get("tp")) is None and not tp_sized and \
            re.search(rf"\bno (?:TP|tensor[- ]parallel\w*)\b{other}{unstated}", notes, re.I):
        filled["tp"], words = "1", words + ["TP1"]
    # Any other word of a pipeline ("TP + DP + PP", "pipeline stages: 4") leaves PP unknown.
    pipeline_named = re.search(r"\bPP\b|\bPP\d|pipeline", re.sub(
        r"\bno (?:PP|pipeline[- ]parallel\w*)(?:\s+(?:stated|given|specified))?|(?:PP|pipeline[- ]parallel\w*)\s+not\s+"
        r"(?:stated|given|specified)", " ", notes, flags=re.I), re.I)
    tp_and_dp = re.search(r"\b(?:TP\s*[=:]?\s*\d*|tensor(?:[- ]model)?[- ]parallel\w*)\s*(?:\+|and|with)\s*"
                          r"(?:\d+[- ]way\s+)?(?:DP\b|data[- ]parallel)", notes, re.I)
    no_pp = re.search(rf"\bno (?:PP|pipeline[- ]parallel\w*)\b{other}{unstated}", notes, re.I)
    if num(row.get("pp")) is None and (no_pp or (tp_and_dp and not pipeline_named)):
        filled["pp"], words = "1", words + ["PP1"]
    if words:
        return filled, f" ({' '.join(words)}: the row's words name no such parallelism)"
    size = re.search(r"model[- ]parallel(?:ism)? (?:size|degree)\s*[=:]?\s*(\d+)|\bMP (?:size )?(\d+)",
                     row.get("notes", ""), re.I)
    per_node = _int(row, "gpus_per_node") or 8
    if not size:
        return row, ""
    mp = int(size.group(1) or size.group(2))
    tp = per_node if mp % per_node == 0 else 1
    if tp == 1 or mp // tp < 1:
        return row, ""
    return dict(row, tp=str(tp), pp=str(mp // tp)), f" (TP{tp} PP{mp // tp} assumed: model-parallel size {mp}, " \
        "tensor parallelism over a server)"


def sharding_unstated(row):
    """Neither a `zero` column nor the row's words (sharding_from_words) say how the data-parallel state
    was sharded, nor is it the framework's default (torchtitan_sharding)."""
    return not has_default_sharding(row) and not row.get("zero", "").strip() and \
        not sharding_from_words(row)[0].get("zero", "").strip()


def has_default_sharding(row):
    """The row's framework shards by default where nothing is said (torchtitan: torchtitan_sharding)."""
    return framework_of(row) == "torchtitan"


def torchtitan_sharding(row):
    """(row, words) with torchtitan's data-parallel sharding as its configuration defaults it
    (torchtitan/config/job_config.py, Parallelism): data_parallel_shard_degree -1, "leftover ranks will be used
    ... the parallelism method used is FSDP"; with data_parallel_replicate_degree R > 1 beside it, HSDP, sharded
    over the dp·cp/R ranks of a replica; DDP (data_parallel_shard_degree 1) keeps every rank's whole state."""
    text = own_words(row)
    if re.search(r"(?<!not )(?<!no )\bDDP\b|data_parallel_shard_degree\W*1\b", text, re.I):
        return dict(row, zero="0"), " (DDP: every rank holds the whole state)"
    replicate = re.search(r"data_parallel_replicate_degree\W*(\d+)", text, re.I)
    dp_ranks = (_int(row, "dp", 0) or layout_dp(row) or 0) * (_int(row, "cp", 1) or 1)
    if replicate and int(replicate.group(1)) > 1 and dp_ranks >= int(replicate.group(1)):
        group = dp_ranks // int(replicate.group(1))
        return dict(row, zero="3", shard_group=str(group)), \
            f" (HSDP over {group}: torchtitan's data_parallel_replicate_degree {replicate.group(1)})"
    return dict(row, zero="3"), " (FSDP: torchtitan's default, not stated)"


def zero_stages_beyond(row, text):
    """The ZeRO stages a run could have used beyond its scenario's, lightest first: ZeRO-2 (gradients sharded
    too) and ZeRO-3 (parameters as well). Megatron's stack (Megatron-LM, NeMo, Megatron-Bridge) has no stage
    2: its distributed optimizer is ZeRO-1 and its full sharding Megatron-FSDP (ZeRO-3)."""
    current = re.search(r"(?m)^  zero: (\d+)$", text)
    stages = [z for z in (2, 3) if z > (int(current.group(1)) if current else 1)]
    return [z for z in stages if not (z == 2 and framework_of(row) in ("megatron", "megatron-lm", "nemo",
                                                                      "megatron-bridge"))]


def lightest_fitting_sharding(cb_bin, row, path, text, sets):
    """(simulate output, label) of the lightest data-parallel sharding beyond the scenario's that fits, or None.
    Each stage's scenario is generated again from the row (scenario_from_row), so what the framework does at
    that stage comes with it (DeepSpeed's ZeRO-3 buckets and gathers, torchtitan's gather-once with PP); the
    recomputation `text` carries is kept."""
    recompute = re.search(r"(?m)^  recompute: (\S+)$", text)
    layers = re.search(r"(?m)^  recompute_layers: (\d+)$", text)
    for zero in zero_stages_beyond(row, text):
        staged = dict(row, zero=str(zero))
        if recompute:
            staged["recompute"] = recompute.group(1)
        t, _, _ = scenario_from_row(staged)
        if t is None:
            continue
        if layers:
            t = re.sub(r"(?m)^(  recompute: \S+)$", r"\1\n  recompute_layers: " + layers.group(1), t)
        open(path, "w").write(t)
        out, _ = simulate(cb_bin, path, sets)
        if out is not None and out.get("fits_in_memory", True):
            return out, f"ZeRO-{zero}"
    return None


def narrowest_fitting_shard_group(cb_bin, path, text, sets, recompute_free):
    """(simulate output, words) with a hybrid-sharding group the row does not state widened from the node it was
    taken as, through every larger divisor of dp x cp (the simulator's shard group counts those ranks), until the
    run fits (the whole group at most: plain ZeRO-3), or None. Where the row leaves its recomputation unsaid too
    (`recompute_free`), the lightest that fits at each width."""
    group = re.search(r"(?m)^  shard_group: (\d+)$", text)
    dp, cp = re.search(r"(?m)^  dp: (\d+)$", text), re.search(r"(?m)^  cp: (\d+)$", text)
    if not group or not dp:
        return None
    ranks = int(dp.group(1)) * (int(cp.group(1)) if cp else 1)
    for size in (n for n in range(int(group.group(1)) + 1, ranks + 1) if ranks % n == 0):
        t = re.sub(r"(?m)^  shard_group: \d+$", f"  shard_group: {size}", text)
        open(path, "w").write(t)
        out, _ = simulate(cb_bin, path, sets)
        words = f" (shard group {size} assumed: the narrowest that fits, not stated)"
        if (out is None or not out["fits_in_memory"]) and recompute_free:
            found = lightest_fitting_recompute(cb_bin, path, t, sets)
            if found:
                out, words = found[0], words + f" (recompute {found[1]} assumed: the lightest that fits, not stated)"
        if out is not None and out["fits_in_memory"]:
            return out, words
    return None


def largest_fitting_micro_batch(cb_bin, path, text, sets):
    """(simulate output, micro-batch) with the generated micro-batch halved until the run fits, or None."""
    m = re.search(r"(?m)^  micro_batch: (\d+)$", text)
    mb = int(m.group(1)) // 2 if m else 0
    while mb >= 1:
        open(path, "w").write(re.sub(r"(?m)^  micro_batch: \d+$", f"  micro_batch: {mb}", text))
        out, _ = simulate(cb_bin, path, sets)
        if out is not None and out["fits_in_memory"]:
            return out, mb
        mb //= 2
    open(path, "w").write(text)
    return None


def fit_unstated(cb_bin, row, path, text, sets):
    """(simulate output, words) for a generated run that does not fit as assumed: the run happened, so what
    its source leaves unsaid is taken as its operators would have set it, the lightest that fits. A layout
    without model parallelism shards first (large models trained on data parallelism alone run FSDP or ZeRO);
    a model-parallel one recomputes first (Megatron's way), then shards; a step that does not fit on its own
    leaves its heaviest setting for the next; where nothing fits, a torchtitan run whose dtype is unsaid is taken
    in bf16 (training_dtype_unstated) and fitted again from its own settings. (None, "") when nothing fits."""
    original = text
    pure_dp = all((_int(row, k, 1) or 1) == 1 for k in ("tp", "pp", "cp"))
    steps = [s for s, unsaid in (("sharding", sharding_unstated(row)), ("recompute", recompute_unstated(row)))
             if unsaid]
    if not pure_dp:
        steps.reverse()
    if not row.get("micro_batch", "").strip():
        # An unstated micro-batch was taken as the whole local batch: the largest that fits comes first
        # (gradient accumulation changes neither the model nor what a step computes).
        found = largest_fitting_micro_batch(cb_bin, path, text, sets)
        if found:
            return found[0], f" (micro-batch {found[1]} assumed: the largest that fits, not stated)"
    words = ""
    if GROUP_UNSTATED in sharding_from_words(row)[1]:
        found = narrowest_fitting_shard_group(cb_bin, path, text, sets, recompute_unstated(row))
        if found:
            return found
    for step in steps:
        if step == "sharding":
            found = lightest_fitting_sharding(cb_bin, row, path, text, sets)
            said = "sharding {} assumed: the lightest that fits, not stated"
            heaviest = scenario_from_row(dict(row, zero="3", recompute=re.search(
                r"(?m)^  recompute: (\S+)$", text).group(1)))[0] or text
        else:
            found = lightest_fitting_recompute(cb_bin, path, text, sets)
            said = "recompute {} assumed: the lightest that fits, not stated"
            heaviest = re.sub(r"(?m)^  recompute: \S+$", "  recompute: full", text)
            row = dict(row, recompute="full")
        if found:
            return found[0], words + f" ({said.format(found[1])})"
        text = heaviest
        words += f" ({'sharding ZeRO-3' if step == 'sharding' else 'recompute full'} assumed: not stated, not enough alone)"
    if training_dtype_unstated(row, original):
        # torchtitan's training.dtype=bfloat16 holds parameters, gradients and optimizer states in bf16, half
        # the state of fp32 parameters under FSDP mixed precision: where nothing fits with those, the run set it,
        # and what else it leaves unsaid is again the lightest that fits with it.
        staged = re.sub(r"(?m)^framework:$", "framework:\n  pure_bf16: true", original) \
            if "\nframework:" in original else original.rstrip("\n") + "\nframework:\n  pure_bf16: true\n"
        said = " (training.dtype bfloat16 assumed: fp32 parameters do not fit, not stated)"
        open(path, "w").write(staged)
        out, _ = simulate(cb_bin, path, sets)
        if out is not None and out.get("fits_in_memory", True):
            return out, said
        out, more = fit_unstated(cb_bin, row, path, staged, sets)
        if out is not None:
            return out, said + more
    return None, ""


def training_dtype_unstated(row, text):
    """A torchtitan bf16 run whose words name neither its training dtype nor its mixed precision, generated with
    fp32 parameters (not yet `pure_bf16`)."""
    return framework_of(row) == "torchtitan" and bool(re.search(r"(?m)^  precision: bf16$", text)) and \
        "pure_bf16: true" not in text and not re.search(
            r"training[._]dtype|mixed[_ ]precision|\bfp32\b|\bfloat32\b", own_words(row, ("notes", "precision")), re.I)


def simulate(cb_bin, scenario, sets=()):
    args = [cb_bin, "simulate", scenario, "--format", "json"]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr else f"exit {p.returncode}"
    # The run's `step` row (docs/cli.md: SI units, fits_in_memory 0/1); its layers per virtual stage,
    # a comma list there, as a list.
    (out,) = json.loads(p.stdout)["tables"]["step"]["rows"]
    out["layers_per_virtual_stage"] = [int(n) for n in out["layers_per_virtual_stage"].split(",")]
    return out, None


def source_key(rid):
    """Rows of one source document share their id's first two fields (e.g. FS-TT2412, LS-MEGASCALE)."""
    parts = rid.split("-")
    return "-".join(parts[:2]) if len(parts) > 1 else rid


def compare(cb_bin, only=None, project=True, generate_all=False, shared=True, shared_csv=None):
    """Rows compared: dicts with id, pub, sim, err, how, scenario, class, source, mem (published, simulated).
    `shared_csv` scores another table in the shared format in place of CSV; `shared=False` leaves it out."""
    results, skipped = [], []
    rows = [dict(r, _set="shared") for r in csv.DictReader(open(shared_csv or CSV))] if shared else []
    if project and os.path.exists(PROJECT_CSV):
        rows += [dict(r, _set="project") for r in csv.DictReader(open(PROJECT_CSV))]
    scen = scenarios_by_row()
    tmp = tempfile.mkdtemp(prefix="cb-validation-")
    for row in rows:
        rid = row["id"]
        if only and rid not in only:
            continue
        row, facts = with_source_facts(with_seq_tokens(row))
        pub, how = published_step_time(row)
        how += facts
        if pub is None:
            skipped.append((rid, how))
            continue
        laid = ""
        if row["_set"] == "shared" and not (rid in scen and not generate_all):
            row, laid = layout_from_words(row)
            how += laid
        if row["_set"] == "shared" and rid in scen and not generate_all:
            path, sets, name = scen[rid], [], os.path.basename(scen[rid])
        elif row["_set"] == "shared" and (num(row.get("tp")) is None or num(row.get("pp")) is None):
            skipped.append((rid, "no scenario reproduces this row (layout not stated)"))
            continue
        else:
            # A project row, or a shared-format row (another table through
            # CB_VALIDATION_CSV) without a hand-written scenario: generated
            # from its columns.
            text, sets, assumed = scenario_from_row(row)
            if text is None:
                skipped.append((rid, sets))
                continue
            how += assumed
            path = os.path.join(tmp, re.sub(r"[^A-Za-z0-9.\-]", "_", rid) + ".yaml")
            open(path, "w").write(text)
            name = "generated"
        out, err = simulate(cb_bin, path, sets)
        if out is not None and name == "generated" and not out.get("fits_in_memory", True):
            found, words = fit_unstated(cb_bin, row, path, text, sets)
            if found:
                out, how = found, how + words
        if out is None:
            skipped.append((rid, f"simulation failed: {err}"))
            continue
        sim = out["step_time"]
        gpus = int(num(row["gpus"]) or out.get("gpus", 0))
        # The simulator's own class of the prediction (simulator/validation/error_band.h
        # ClassOf), so the bands written here are keyed as simulate looks them up.
        cls = tuple(out["prediction_class"].split("/"))
        results.append({
            "id": rid, "pub": pub, "sim": sim, "err": (sim - pub) / pub, "how": how, "scenario": name,
            "class": cls, "set": row["_set"],
            # Shared rows: one source per publication (its citation up to the first comma).
            "source": source_key(rid) if row["_set"] == "project" else re.split(r"[,(]", row["source"])[0].strip()[:24],
            "mem_pub": num(row.get("mem_gib")), "mem_sim": out["memory_per_gpu"] / 2**30,
            "fits": bool(out["fits_in_memory"]), "gpus": gpus,
        })
    return results, skipped


def band(errors):
    """(median, low, high) of residuals: the 10th and 90th percentiles, widened to at least +-5%."""
    e = sorted(errors)
    if not e:
        return None
    def pct(q):
        k = (len(e) - 1) * q
        f = math.floor(k)
        c = min(f + 1, len(e) - 1)
        return e[f] + (e[c] - e[f]) * (k - f)
    med = statistics.median(e)
    return med, min(pct(0.1), med - 0.05), max(pct(0.9), med + 0.05)


def bands_by_class(results, exclude_source=None):
    """Band per class key; coarser keys (arch x family, arch, all) as fall-backs, each from >= 3 rows."""
    groups = {}
    for r in results:
        if r["source"] == exclude_source:
            continue
        a, f, s = r["class"]
        for key in ((a, f, s), (a, f, "*"), (a, "*", "*"), ("*", "*", "*")):
            groups.setdefault(key, []).append(r["err"])
    return {k: band(v) for k, v in groups.items() if len(v) >= 3}


def lookup(bands, cls):
    a, f, s = cls
    for key in ((a, f, s), (a, f, "*"), (a, "*", "*"), ("*", "*", "*")):
        if key in bands:
            return key, bands[key]
    return None, None


def loso(results):
    """Leave one source out: each source's rows against bands built without it."""
    held = []
    for src in sorted({r["source"] for r in results}):
        bands = bands_by_class(results, exclude_source=src)
        for r in results:
            if r["source"] != src:
                continue
            key, b = lookup(bands, r["class"])
            if b is None:
                continue
            med, lo, hi = b
            held.append((r, lo <= r["err"] <= hi, r["err"] - med))
    return held


def write_bands(results, path=BANDS):
    bands = bands_by_class(results)
    counts = {}
    for r in results:
        a, f, s = r["class"]
        for key in ((a, f, s), (a, f, "*"), (a, "*", "*"), ("*", "*", "*")):
            counts[key] = counts.get(key, 0) + 1
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# Error bands of simulated step time by class, from the validation residuals\n"
                "# (scripts/validation_table.py --write-bands; read by simulate, plan and compare).\n"
                "# error = (simulated - published) / published: median and 10th/90th percentiles, widened to\n"
                "# at least +-5% around the median. A prediction T is expected at T/(1+high) .. T/(1+low).\n"
                "# '*' rows are fall-backs over everything below them; max_gpus = largest validated run.\n"
                "arch,family,scale,rows,median,low,high,max_gpus\n")
        for key in sorted(bands, key=lambda k: tuple(k)):
            med, lo, hi = bands[key]
            gmax = max(r["gpus"] for r in results if all(c == "*" or c == rc for c, rc in zip(key, r["class"])))
            f.write(f"{key[0]},{key[1]},{key[2]},{counts[key]},{med:.4f},{lo:.4f},{hi:.4f},{gmax}\n")


def summary(results):
    errs = [abs(r["err"]) for r in results]
    return statistics.median(errs), statistics.mean(errs), max(errs)


def blind_pooled(cb_bin):
    """Score every blind set in tests/validation/rows (blind-session*.csv) and print each set's figure and the pooled
    one: a run two sets both hold counts in each."""
    errors, by_stack = [], {}
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "validation", "rows", "blind-session*.csv"))):
        results, _ = compare(cb_bin, project=False, shared_csv=path)
        errors += [abs(r["err"]) for r in results]
        rows = {r["id"]: r for r in csv.DictReader(open(path, encoding="utf-8"))}
        for r in results:
            row = rows[r["id"]]
            stack = framework_of(row) or ("maxtext" if maxtext(row) else "not named")
            by_stack.setdefault((stack, r["class"][0]), []).append(r["err"])
        if results:
            print(f"{os.path.basename(path):<28} {len(results):>4} rows, median |error| "
                  f"{100 * statistics.median(abs(r['err']) for r in results):5.1f}%")
    within = lambda x: 100 * sum(e <= x for e in errors) / len(errors)  # noqa: E731
    print(f"\nblind sets pooled: {len(errors)} rows, median |error| {100 * statistics.median(errors):.1f}%, "
          f"within 20%: {within(0.20):.0f}%, within 25%: {within(0.25):.0f}%")
    print("\nby framework and architecture (5 rows or more): rows, median error, median |error|, beyond 20%")
    for (stack, arch), errs in sorted(by_stack.items(), key=lambda kv: -len(kv[1])):
        if len(errs) >= 5:
            print(f"  {stack[:24]:<24} {arch:<10} {len(errs):>4} {100 * statistics.median(errs):+7.1f}% "
                  f"{100 * statistics.median(map(abs, errs)):6.1f}% {sum(abs(e) > 0.2 for e in errs):>4}")


def main():
    cb_bin = os.environ.get("CB_BIN", os.path.join(ROOT, "build", "default", "apps", "clusterbench"))
    if "--blind" in sys.argv:
        blind_pooled(cb_bin)
        return [], []
    only = [a for a in sys.argv[1:] if not a.startswith("--")] or None
    results, skipped = compare(cb_bin, only=only, generate_all="--generate-all" in sys.argv)
    print(f"{'id':<52} {'published s':>11} {'simulated s':>11} {'error':>8}  class / convention")
    for r in results:
        mem = ""
        if r["mem_pub"]:
            mem = f"  mem {r['mem_sim']:.1f}/{r['mem_pub']:.1f} GiB ({100 * (r['mem_sim'] - r['mem_pub']) / r['mem_pub']:+.0f}%)"
        fit = "" if r["fits"] else "  DOES NOT FIT"
        print(f"{r['id']:<52} {r['pub']:>11.3f} {r['sim']:>11.3f} {100 * r['err']:>7.1f}%  "
              f"{'/'.join(r['class'])} {r['how']}{mem}{fit}")
    if results:
        for name, subset in (("shared table", [r for r in results if r["set"] == "shared"]),
                             ("project rows", [r for r in results if r["set"] == "project"]),
                             ("all", results)):
            if subset:
                med, mean, mx = summary(subset)
                print(f"\n{name}: {len(subset)} rows, median |error| {100 * med:.1f}%, mean {100 * mean:.1f}%, "
                      f"max {100 * mx:.1f}%, within 20%: {sum(abs(r['err']) <= 0.2 for r in subset)}, "
                      f"judged not to fit: {sum(not r['fits'] for r in subset)}")
        print("\nby class (arch/family/scale): rows, median error, median |error|")
        classes = sorted({r["class"] for r in results})
        for c in classes:
            e = [r["err"] for r in results if r["class"] == c]
            print(f"  {'/'.join(c):<28} {len(e):>4} {100 * statistics.median(e):>+7.1f}% "
                  f"{100 * statistics.median(map(abs, e)):>6.1f}%")
        held = loso(results)
        if held and "--by-source" in sys.argv:
            print("\nleave-one-source-out by source: rows, median error, median |error|, held-out rows inside the "
                  "band built without the source")
            for src in sorted({r["source"] for r in results}):
                mine = [(r, ok) for r, ok, _ in held if r["source"] == src]
                e = [r["err"] for r, _ in mine]
                print(f"  {src:<16} {len(e):>4} {100 * statistics.median(e):>+7.1f}% "
                      f"{100 * statistics.median(map(abs, e)):>6.1f}% {sum(ok for _, ok in mine):>4}/{len(mine)}")
        if held:
            cover = sum(ok for _, ok, _ in held) / len(held)
            print(f"\nleave-one-source-out ({len({r['source'] for r in results})} sources): step-time median |error| "
                  f"{100 * summary(results)[0]:.1f}% (no constant is fitted to rows, so unchanged); "
                  f"held-out rows inside their class band: {100 * cover:.0f}% of {len(held)}; "
                  f"median |error - band median| {100 * statistics.median(abs(d) for _, _, d in held):.1f}%")
        mems = [r for r in results if r["mem_pub"]]
        if mems:
            me = [abs(r["mem_sim"] - r["mem_pub"]) / r["mem_pub"] for r in mems]
            print(f"memory: {len(mems)} rows with published memory, median |error| {100 * statistics.median(me):.1f}%, "
                  f"within 10%: {sum(x <= 0.1 for x in me)}")
            if "--memory" in sys.argv:
                for r in sorted(mems, key=lambda r: (r["mem_sim"] - r["mem_pub"]) / r["mem_pub"]):
                    print(f"  {r['id']:<44} published {r['mem_pub']:7.1f} GiB  simulated {r['mem_sim']:7.1f} GiB  "
                          f"{100 * (r['mem_sim'] - r['mem_pub']) / r['mem_pub']:+6.1f}%")
    for rid, why in skipped:
        print(f"not compared: {rid}: {why}")
    if "--write-bands" in sys.argv:
        write_bands(results)
        print(f"wrote {BANDS}")
    return results, skipped


if __name__ == "__main__":
    main()
