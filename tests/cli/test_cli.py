"""End-to-end tests of the clusterbench command line: exit codes, messages,
results files. Each bad input of docs/cli.md has a test here, and none of them
may crash (a negative return code means a signal)."""
import json
import os
import signal
import subprocess
import sys
import time

import h5py
import pandas as pd
import pytest
from clean_error import assert_clean_error

CONFIGS = os.path.join(os.path.dirname(__file__), "..", "..", "configs")


def test_version_names_revision_and_backends(run):
    p = run("--version")
    assert p.returncode == 0
    assert p.stdout.startswith("clusterbench 0.")
    assert "git " in p.stdout and "backends: host" in p.stdout


# Issue 17: `clusterbench` alone exited 2 with "A subcommand is required".
def test_bare_command_prints_help(run):
    p = run()
    assert p.returncode == 0 and p.stderr == ""
    assert "Usage:" in p.stdout or "Subcommands:" in p.stdout or "SUBCOMMAND" in p.stdout
    for sub in ("simulate", "kernels", "collectives", "validate", "report"):
        assert sub in p.stdout
    assert p.stdout == run("--help").stdout


# Issue 17: an installed binary (<prefix>/bin) read the source tree's configs before its own
# <prefix>/share/clusterbench/configs. A shipped name now resolves to the installed copy.
def test_installed_binary_reads_its_installed_configs_first(cb_bin, tmp_path):
    import shutil
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    exe = prefix / "bin" / "clusterbench"
    try:
        os.link(cb_bin, exe)  # /proc/self/exe must name the prefix: a hard link, or a copy
    except OSError:
        shutil.copy2(cb_bin, exe)
    models = prefix / "share" / "clusterbench" / "configs" / "models"
    models.mkdir(parents=True)
    shipped = open(os.path.join(CONFIGS, "models", "llama3-8b.yaml")).read()
    (models / "llama3-8b.yaml").write_text(shipped.replace("name: llama3-8b", "name: installed-llama3-8b", 1))
    env = {k: v for k, v in os.environ.items() if k != "CB_CONFIG_PATH"}
    p = subprocess.run([str(exe), "config", "show", "model", "llama3-8b"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert "name: installed-llama3-8b" in p.stdout
    # Names only the source tree has are still found.
    p = subprocess.run([str(exe), "config", "show", "model", "llama3-70b"], capture_output=True, text=True, env=env)
    assert p.returncode == 0 and "name: llama3-70b" in p.stdout, p.stderr
    # $CB_CONFIG_PATH still comes first.
    p = subprocess.run([str(exe), "config", "show", "model", "llama3-8b"], capture_output=True, text=True,
                       env={**env, "CB_CONFIG_PATH": CONFIGS})
    assert "name: llama3-8b" in p.stdout


# Issue 17: `--format json` everywhere it is offered prints one JSON document on stdout
# (config show used to print YAML). Every (sub)command whose --help offers --format json is
# listed here with a small invocation, so a new one cannot be left out.
def test_every_format_json_is_json(run, tmp_path):
    import re
    h5 = str(tmp_path / "k.h5")
    assert run("kernels", "--device", "host", "--bench", "gemm,stream", "--sizes", "128,256,512", "--bytes", "1M",
               "--time-budget", "0.05", "-q", "-o", h5).returncode == 0
    prof = str(tmp_path / "p.yaml")
    assert run("calibrate", h5, "-o", prof).returncode == 0
    invocations = {
        ("info",): (),
        ("config", "show"): ("scenario", "llama3-8b-64"),
        ("report",): (h5,),
        ("kernels",): ("--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05"),
        ("simulate",): ("llama3-8b-64",),
        ("collectives",): ("--backend", "loopback", "--ranks", "2", "-b", "8", "-e", "64", "-f", "2"),
        ("topology",): ("dgx-h100-ndr",),
        # loopback: validate's default backend initialises MPI as a singleton, whose allocations
        # LeakSanitizer reports at exit in the ASan stage; the JSON is what is tested.
        ("validate",): ("--suite", os.path.join(CONFIGS, "suites", "host-cpu.yaml"), "--backend", "loopback", "-q"),
        ("calibrate",): (h5,),
        ("plan",): ("llama3-8b-64", "--top", "2"),
        ("compare",): ("dgx-h100-ndr", "--model", "llama3-8b", "--tokens", "1T"),
        ("import",): (os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "import", "data",
                                   "all_reduce_2x8.txt"), "-o", str(tmp_path / "imported.h5")),
    }
    extra = [("simulate", "--calibration", prof, "--gemm", "256x256x256", "--dtype", "fp64")]
    listed = re.findall(r"^  (\w+) ", run("--help").stdout.split("Subcommands:")[1], re.M)
    offered = [(s,) for s in listed if "--format" in run(s, "--help").stdout]
    offered += [("config", s) for s in ("describe", "list", "check", "show") if "json" in run("config", s, "--help").stdout]
    assert sorted(offered) == sorted(invocations), "a command offers --format json without a case here"
    for argv in [c + a for c, a in invocations.items()] + extra:
        p = run(*argv, "--format", "json")
        assert p.returncode == 0, (argv, p.stderr)
        json.loads(p.stdout)  # one document, nothing else on stdout


def test_info_json_has_node_and_versions(run):
    p = run("info", "--format", "json")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["cpu"]["threads"] >= 1 and j["memory_bytes"] > 0
    assert j["versions"]["hdf5"].startswith("1.")
    assert isinstance(j["gpus"], list)
    if not j["gpus"]:
        assert j["gpu_note"], "no GPUs must come with a reason"


def test_info_table(run):
    p = run("info")
    assert p.returncode == 0
    for word in ("host", "cpu", "memory", "versions"):
        assert word in p.stdout


def test_config_describe_every_kind(run):
    for kind in ("gpu", "cluster", "model", "scenario", "suite"):
        p = run("config", "describe", kind)
        assert p.returncode == 0, p.stderr
        assert "default" in p.stdout and "description" in p.stdout
    p = run("config", "describe", "cluster")
    assert "scale_out.nic_bandwidth" in p.stdout and "[B/s]" in p.stdout


def test_config_show_applies_overrides_in_si(run):
    p = run("config", "show", "scenario", "llama3-405b-16k", "--set", "cluster.gpus=1024", "--set", "parallelism.dp=8",
            "--set", "cluster.scale_out.nic_bandwidth=200Gb/s")
    assert p.returncode == 0, p.stderr
    assert "gpus: 1024" in p.stdout
    assert "nic_bandwidth: 25000000000" in p.stdout


# Issue 17: `config show scenario llama3-405b-16k --set cluster.gpus=8192` printed a scenario
# that simulate then refused (the job, TP8 PP16 DP128, needs 16384 GPUs). Check and show refuse
# it with simulate's own message; a consistent one (dp=64) prints a document that simulate
# accepts and simulates exactly as the same overrides on the shipped name.
def test_config_show_prints_what_simulate_accepts(run, tmp_path):
    too_small = ("llama3-405b-16k", "--set", "cluster.gpus=8192")
    refused = run("simulate", *too_small)
    assert_clean_error(refused, 3, "the job needs tp*pp*cp*dp = 8*16*1*128 = 16384 GPUs but cluster")
    for verb in ("show", "check"):
        p = run("config", verb, "scenario", *too_small)
        assert_clean_error(p, 3)
        assert p.stderr == refused.stderr and p.stdout == ""
    fits = (*too_small, "--set", "parallelism.dp=64")
    p = run("config", "show", "scenario", *fits)
    assert p.returncode == 0, p.stderr
    doc = tmp_path / "s.yaml"
    doc.write_text(p.stdout)
    from_doc = run("simulate", doc, "--format", "json")
    assert from_doc.returncode == 0, from_doc.stderr
    direct = run("simulate", *fits, "--format", "json")
    assert step_of(from_doc)["step_time"] == step_of(direct)["step_time"]


# The same for a cluster: `topology` (and simulate) refuse a fabric that is not whole nodes or
# needs switches larger than its radix; config check and show refuse it with the same message.
def test_config_check_cluster_builds_its_fabric(run):
    refused = run("topology", "dgx-h100-ndr", "--set", "gpus=16380")
    assert_clean_error(refused, 3, "16380 GPUs are not whole nodes of 8")
    for verb in ("check", "show"):
        p = run("config", verb, "cluster", "dgx-h100-ndr", "--set", "gpus=16380")
        assert p.returncode == 3 and p.stderr == refused.stderr and p.stdout == ""
    for name in run("config", "list", "cluster").stdout.split():
        p = run("config", "check", "cluster", name)
        assert p.returncode == 0, p.stderr


# Issue 17: floats printed as 0.29999999999999999 and 4.9999999999999996e-06 (yaml-cpp's 17
# digits, and 5 * 1e-6 for 5us). Every value prints as the shortest text that reads back exactly.
def test_config_show_prints_floats_shortest(run):
    import re
    p = run("config", "show", "scenario", "llama3-405b-16k")
    assert p.returncode == 0, p.stderr
    assert "gpu_idle: 0.3\n" in p.stdout and "moe_imbalance: 1.1\n" in p.stdout
    assert "latency: 5e-06\n" in p.stdout
    assert not re.search(r"\d\.\d{12,}", p.stdout), re.findall(r".*\d\.\d{12,}.*", p.stdout)
    j = json.loads(run("config", "show", "scenario", "llama3-405b-16k", "--format", "json").stdout)
    assert j["cluster"]["power"]["gpu_idle"] == 0.3


# ---------------------------------------------------------------- bad inputs (docs/cli.md)

def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_bad_broken_yaml(run, tmp_path):
    f = write(tmp_path, "m.yaml", "name: x\nlayers: [1, 2\n")
    assert_clean_error(run("config", "check", "model", f), 3, f + ":", "invalid YAML")


def test_bad_unknown_key(run, tmp_path):
    f = write(tmp_path, "m.yaml", "name: t\nlayers: 2\nhiden: 64\n")
    assert_clean_error(run("config", "check", "model", f), 3, f"{f}:3:1: unknown key 'hiden'", "did you mean 'hidden'")


def test_bad_wrong_type(run, tmp_path):
    f = write(tmp_path, "s.yaml", "model: llama3-8b\ncluster: dgx-h100-ndr\nparallelism:\n  tp: eight\n"
                                  "training: {seq_len: 8, global_batch: 8}\n")
    assert_clean_error(run("config", "check", "scenario", f), 3,
                       f"{f}:4:7: key 'parallelism.tp': expected an integer, got 'eight'")


def test_bad_unit(run, tmp_path):
    f = write(tmp_path, "g.yaml", "name: x\nmemory: 80GiB\nmemory_bandwidth: 3 parsecs\n")
    assert_clean_error(run("config", "check", "gpu", f), 3, f"{f}:3:19: key 'memory_bandwidth': unknown unit 'parsecs'")


def test_bad_negative_size_in_config(run, tmp_path):
    f = write(tmp_path, "g.yaml", "name: x\nmemory: -80GiB\nmemory_bandwidth: 3TB/s\n")
    assert_clean_error(run("config", "check", "gpu", f), 3, f"{f}:2:9: key 'memory': value -80GiB is out of range")


def test_bad_negative_size_on_command_line(run):
    assert_clean_error(run("kernels", "--device", "host", "--bytes", "-5M"), 2, "--bytes", "negative")


def test_bad_missing_config_file(run, tmp_path):
    assert_clean_error(run("config", "check", "model", str(tmp_path / "nope.yaml")), 3, "nope.yaml: no such model file")


def test_bad_missing_results_file(run, tmp_path):
    assert_clean_error(run("report", str(tmp_path / "nope.h5")), 4, "nope.h5", "no such file")


def test_bad_unwritable_output_directory(run, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "x.h5"
    assert_clean_error(run("kernels", "--device", "host", "--bytes", "1M", "-o", out), 4, "does not exist")
    # the parent is a regular file: not a directory either
    f = write(tmp_path, "afile", "x")
    assert_clean_error(run("kernels", "--device", "host", "--bytes", "1M", "-o", f + "/x.h5"), 4, "does not exist")


def test_bad_output_is_not_hdf5_and_is_left_alone(run, tmp_path):
    f = write(tmp_path, "notes.h5", "precious notes\n")
    assert_clean_error(run("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05", "-o", f),
                       4, "not an HDF5 file")
    assert open(f).read() == "precious notes\n"


def test_bad_non_hdf5_file(run, tmp_path):
    f = write(tmp_path, "x.h5", "this is text\n" * 100)
    assert_clean_error(run("report", f), 4, "not an HDF5 file")


def test_bad_truncated_hdf5(run, tmp_path):
    out = str(tmp_path / "r.h5")
    p = run("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05", "-q", "-o", out)
    assert p.returncode == 0, p.stderr
    data = open(out, "rb").read()
    cut = str(tmp_path / "cut.h5")
    open(cut, "wb").write(data[: len(data) // 2])
    assert_clean_error(run("report", cut), 4, "truncated or corrupt")


def test_bad_unknown_subcommand(run):
    assert_clean_error(run("frobnicate"), 2, "frobnicate")


def test_bad_unknown_gpu_name(run, tmp_path):
    f = write(tmp_path, "c.yaml", "name: c\ngpu: h100-sxn\ngpus: 16\n")
    assert_clean_error(run("config", "check", "cluster", f), 3, "unknown gpu 'h100-sxn'", "did you mean 'h100-sxm'")


def test_bad_conflicting_flags(run):
    assert_clean_error(run("kernels", "-q", "-v", "--device", "host"), 2, "excludes")


def test_bad_unknown_override_key(run):
    assert_clean_error(run("config", "check", "scenario", "llama3-405b-16k", "--set", "parallelism.tpp=4"), 3,
                       "--set parallelism.tpp=4", "did you mean 'tp'")


def test_bad_unknown_document_kind(run):
    assert_clean_error(run("config", "describe", "gpuu"), 2, "gpuu")


def test_bad_unknown_option_value(run):
    assert_clean_error(run("kernels", "--device", "tpu"), 2, "tpu")


# ---------------------------------------------------------------- results files

def test_kernels_host_writes_results_that_pandas_loads(run, tmp_path):
    out = str(tmp_path / "r.h5")
    p = run("kernels", "--device", "host", "--bench", "stream", "--bytes", "4M", "--time-budget", "0.1", "--format", "json", "-o", out)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    rows = j["tables"]["memory"]["rows"]
    assert [r["benchmark"] for r in rows] == ["copy", "scale", "add", "triad"]
    assert all(r["wrong"] == 0 and r["bandwidth"] > 0 for r in rows)
    with h5py.File(out, "r") as f:
        assert f.attrs["schema_version"] == 1
        (rid,) = list(f["runs"])
        run_group = f["runs"][rid]
        assert run_group.attrs["status"] == "complete"
        assert run_group.attrs["kind"] == "kernels"
        df = pd.DataFrame(f[f"/runs/{rid}/memory"][()])
    assert len(df) == 4
    assert (df["wrong"] == 0).all()
    # STREAM counting: add and triad move 3 arrays, copy and scale 2.
    assert list(df["bytes"] // df["array_bytes"]) == [2, 2, 3, 3]


def test_report_lists_runs_and_exports(run, tmp_path):
    out = str(tmp_path / "r.h5")
    for _ in range(2):
        assert run("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05", "-q", "-o", out).returncode == 0
    p = run("report", out)
    assert p.returncode == 0, p.stderr
    assert "2 run(s)" in p.stdout and "memory" in p.stdout
    p = run("report", out, "--format", "json")
    j = json.loads(p.stdout)
    assert len(j["runs"]) == 2
    assert j["runs"][0]["tables"]["memory"]["rows"][0]["benchmark"] == "copy"
    p = run("report", out, "--run", "latest", "--table", "memory", "--format", "csv")
    assert p.returncode == 0 and p.stdout.splitlines()[0].startswith("benchmark,")


# README: kernels, then another kind of run appended, then `report --run latest --table memory`
# (issue 17: it exited 4 because "latest" was the last run, which has no memory table). With
# --table, "latest" is the last run that has that table; without, the last run.
def test_report_latest_with_table_is_the_latest_run_having_it(run, tmp_path):
    out = str(tmp_path / "r.h5")
    assert run("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05", "-q",
               "-o", out).returncode == 0
    assert run("simulate", "gpt3-175b-128", "-q", "-o", out).returncode == 0
    with h5py.File(out, "r") as f:
        kernels_id, simulate_id = list(f["runs"])
    p = run("report", out, "--run", "latest", "--table", "memory", "--format", "csv")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].startswith("benchmark,")
    assert kernels_id in p.stderr and "the latest run with a 'memory' table" in p.stderr
    p = run("report", out, "--run", "latest", "--table", "memory", "--format", "json")
    assert [r["id"] for r in json.loads(p.stdout)["runs"]] == [kernels_id]
    p = run("report", out, "--run", "latest")
    assert p.returncode == 0 and simulate_id in p.stdout and kernels_id not in p.stdout
    p = run("report", out, "--run", "latest", "--table", "step")
    assert p.returncode == 0 and p.stderr == ""
    assert_clean_error(run("report", out, "--run", "latest", "--table", "nosuch"), 4,
                       f"results file '{out}' has no run with a table 'nosuch'; tables in the file: memory, step")


def test_sigint_marks_run_interrupted_and_keeps_results(cb_bin, tmp_path):
    out = str(tmp_path / "r.h5")
    # --min-reps keeps it measuring until the signal arrives.
    proc = subprocess.Popen([cb_bin, "kernels", "--device", "host", "--bench", "stream", "--bytes", "8M", "--min-reps", "1000000",
                             "--time-budget", "60", "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and not os.path.exists(out):
        time.sleep(0.05)
    time.sleep(0.5)  # some samples of the first kernel
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert f["runs"][rid].attrs["status"] == "interrupted"
        df = pd.DataFrame(f[f"/runs/{rid}/memory"][()])
    assert len(df) >= 1 and (df["samples"] >= 1).all()


def test_sigterm_also_interrupts(cb_bin, tmp_path):
    out = str(tmp_path / "r.h5")
    proc = subprocess.Popen([cb_bin, "kernels", "--device", "host", "--bench", "stream", "--bytes", "8M", "--min-reps", "1000000",
                             "--time-budget", "60", "-q", "-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline and not os.path.exists(out):
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert f["runs"][rid].attrs["status"] == "interrupted"


# ---------------------------------------------------------------- simulate

def step_of(p):
    """The `step` row of `simulate --format json` (the run's tables, as `report --format json` prints them)."""
    assert p.returncode == 0, p.stderr
    (row,) = json.loads(p.stdout)["tables"]["step"]["rows"]
    return row


SIM_KEYS = ["step_time", "tokens_per_s", "tokens_per_s_per_gpu", "model_flops_per_step", "model_flop_rate_per_gpu",
            "mfu", "hardware_flop_rate_per_gpu", "memory_per_gpu", "fits_in_memory"]
BREAKDOWN_KEYS = ["compute", "tp_comm_exposed", "cp_comm_exposed", "ep_comm_exposed", "pp_bubble", "pp_comm_exposed",
                  "dp_comm_exposed", "optimizer", "host_bound"]


def test_simulate_json_has_documented_keys(run):
    p = run("simulate", "llama3-405b-16k", "--format", "json")
    j = step_of(p)
    for k in SIM_KEYS + BREAKDOWN_KEYS:
        assert k in j, k
    assert sum(j[k] for k in BREAKDOWN_KEYS) == pytest.approx(j["step_time"], rel=1e-6)
    assert j["gpus"] == 16384 and j["tp"] == 8 and j["dp"] == 128
    # 126 layers over 16 x 2 virtual stages, first and last lighter: 3, 4, ..., 4, 3
    layers = [int(n) for n in j["layers_per_virtual_stage"].split(",")]
    assert layers[0] == 3 and layers[1] == 4 and sum(layers) == 126
    # every prediction carries its expected range
    assert j["band_known"] == 1 and j["step_time_low"] < j["step_time"] < j["step_time_high"]
    assert j["published_runs"] > 0 and j["error_p10"] <= j["median_error"] <= j["error_p90"]
    assert j["prediction_class"].count("/") == 2
    assert "model:" in json.loads(p.stdout)["config_yaml"]  # the resolved inputs
    assert j["pipeline_layout"] == "" and j["mtp_layers"] == 0
    # A stated layout and MTP module travel with the result (DeepSeek-V3's Megatron-Bridge layout on PP16).
    laid = step_of(run("simulate", "deepseek-v3-2048", "--format", "json", "--set", "model.mtp_layers=1",
                       "--set", "parallelism.pipeline_layout=Et*4|(t*4|)*14tmL"))
    assert laid["pipeline_layout"] == "Et*4|(t*4|)*14tmL" and laid["mtp_layers"] == 1
    assert [int(n) for n in laid["layers_per_virtual_stage"].split(",")] == [4] * 15 + [1]
    assert 0 < j["mfu"] < 1
    # Every pipeline stage's memory (bytes), stage 0 first; the most loaded is the step's memory and its stage.
    stages = [float(b) for b in j["memory_per_stage"].split(",")]
    assert len(stages) == 16 and max(stages) == pytest.approx(j["memory_per_gpu"], abs=1)
    assert stages[j["memory_stage"]] == max(stages) and all(b > 0 for b in stages)


def test_simulate_table_shows_breakdown_bars(run):
    p = run("simulate", "llama3-405b-16k")
    assert p.returncode == 0, p.stderr
    for phrase in ("step time", "MFU", "memory per GPU", "memory by stage", "PP bubble", "#",
                   "first and last stages lighter"):
        assert phrase in p.stdout, phrase


def test_simulate_set_overrides_and_timeline(run, tmp_path):
    tl = tmp_path / "step.json"
    p = run("simulate", "llama3-405b-16k", "--set", "parallelism.vpp=2", "--timeline", tl, "--format", "json")
    assert p.returncode == 0, p.stderr
    assert step_of(p)["vpp"] == 2
    trace = json.loads(tl.read_text())
    spans = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    stages = {e["pid"] for e in spans}
    assert stages == set(range(16))
    # every stage runs 2 x micro-batches x chunks passes
    assert sum(1 for e in spans if e["pid"] == 0 and e["cat"] == "compute") == 2 * 16 * 2
    # Issue 17: every communication stream is its own track (TP8, PP16, DP here), named once per
    # stage; events carry their numbers; stages name their replica.
    meta = [e for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"]
    assert len(meta) == len({(e["pid"], e["tid"]) for e in meta})
    assert {e["args"]["name"] for e in meta if e["pid"] == 0} >= {"compute", "tp-comm", "pp-comm", "optimizer"}
    tp = [e for e in spans if e["cat"] == "tp-comm"]
    assert tp and all(e["args"]["bytes"] > 0 and e["args"]["busy_s"] >= e["args"]["exposed_s"] for e in tp)
    assert all("tp_exposed_s" in e["args"] for e in spans if e["cat"] == "compute")
    names = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == "process_name"}
    assert "stage 0 of replica 0 (critical)" in names or any("replica" in n for n in names)


def test_simulate_says_where_the_step_loses_time(run, tmp_path):
    """Issue 17: the reason for a low MFU is named, with the layout behind it, in text, JSON and HDF5."""
    p = run("simulate", "llama3-405b-16k")
    assert "why: MFU" in p.stdout and "pipeline bubble" in p.stdout and "PP16 VPP2" in p.stdout
    out = str(tmp_path / "s.h5")
    j = step_of(run("simulate", "llama3-405b-16k", "--format", "json", "-o", out))
    assert j["largest_loss"] == "pipeline bubble"
    assert j["largest_loss_time"] == pytest.approx(j["pp_bubble"])
    assert j["largest_loss_fraction"] == pytest.approx(j["pp_bubble"] / j["step_time"])
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        row = f[f"/runs/{rid}/step"][()][0]
    assert row["largest_loss"].decode() == "pipeline bubble"
    assert row["largest_loss_why"].decode() == j["largest_loss_why"] and "PP16 VPP2" in j["largest_loss_why"]


def test_simulate_timeline_shows_expert_parallel_traffic(run, tmp_path):
    """mixtral-8x7b-64 spends part of its step in exposed EP all-to-all: the trace shows it."""
    tl = tmp_path / "moe.json"
    p = run("simulate", "mixtral-8x7b-64", "--timeline", tl, "--format", "json")
    j = step_of(p)
    crit = j["critical_stage"]
    spans = [e for e in json.loads(tl.read_text())["traceEvents"] if e["ph"] == "X"]
    ep = [e for e in spans if e["cat"] == "ep-comm"]
    assert ep and all(e["args"]["bytes"] > 0 for e in ep)
    # The exposed EP time the compute events carry adds up to the breakdown's.
    exposed = sum(e["args"]["ep_exposed_s"] for e in spans if e["cat"] == "compute" and e["pid"] == crit)
    assert exposed == pytest.approx(j["ep_comm_exposed"], rel=1e-6)


# Issue 17 (part 5): with --full the trace can hold several replicas' pipelines, each stage a named
# process ("stage S of replica R"), so a straggler's own schedule can be seen beside a healthy one.
def test_simulate_timeline_of_several_replicas(run, tmp_path):
    tl = tmp_path / "replicas.json"
    p = run("simulate", "llama3-70b-64", "--full", "--straggler", "1:2:0.5", "--timeline", tl,
            "--timeline-replicas", "0,1", "--format", "json")
    crit = (step_of(p)["critical_replica"], step_of(p)["critical_stage"])
    assert crit[0] == 1  # the straggler's replica sets the step
    events = json.loads(tl.read_text())["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e["name"] == "process_name"}
    # llama3-70b-64 is PP4 DP2: 4 stages of replica 0 (pids 0-3), then replica 1's (4-7).
    assert [names[i] for i in range(8)] == [f"stage {s} of replica {r}" + (" (critical)" if (r, s) == crit else "")
                                            for r in (0, 1) for s in range(4)]
    compute = [e for e in events if e["ph"] == "X" and e["cat"] == "compute"]
    healthy = sum(e["dur"] for e in compute if e["pid"] == 2)
    slow = sum(e["dur"] for e in compute if e["pid"] == 6)  # stage 2 of replica 1, 50% slower
    assert slow == pytest.approx(1.5 * healthy, rel=1e-6)
    # Without --full one pipeline stands for all; a replica that does not exist is named.
    p = run("simulate", "llama3-70b-64", "--timeline", tl, "--timeline-replicas", "1")
    assert p.returncode == 2 and "--timeline-replicas needs --full" in p.stderr
    p = run("simulate", "llama3-70b-64", "--full", "--timeline", tl, "--timeline-replicas", "2")
    assert p.returncode == 2 and "'2' is not a replica (0 .. 1: dp = 2)" in p.stderr


# Issue 17: the step table dropped time to train, the memory breakdown and the notes. Every
# figure of the step is a column, and --network flow adds `traffic`. Since session 12 (issue 16,
# results built once) the JSON is those tables, so each stored cell is the printed one.
def test_simulate_step_table_has_every_figure(run, tmp_path):
    out = str(tmp_path / "sim.h5")
    p = run("simulate", "llama3-405b-16k", "--format", "json", "-o", out)
    j = step_of(p)
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        ds = f[f"/runs/{rid}/step"]
        units = dict(zip(ds.dtype.names, (u.decode() if isinstance(u, bytes) else u for u in ds.attrs["column_units"])))
        row = pd.DataFrame(ds[()]).iloc[0]
    columns = json.loads(p.stdout)["tables"]["step"]["columns"]
    assert list(ds.dtype.names) == [c["name"] for c in columns]  # the same columns in the same order
    for k, v in j.items():  # NaN is null in JSON
        stored = row[k].decode() if isinstance(row[k], bytes) else row[k]
        assert pd.isna(stored) if v is None else stored == (v if isinstance(v, str) else pytest.approx(v)), k
    assert units["time_to_train"] == "s" and units["memory_per_gpu"] == "B" and units["median_error"] == "1"
    assert j["training_tokens"] == pytest.approx(15.6e12)
    parts = ("weights", "gradients", "optimizer", "activations", "logits", "buffers", "runtime")
    assert sum(j[f"memory_{part}"] for part in parts) == pytest.approx(j["memory_per_gpu"])
    assert j["notes"] and j["expected_step_time"] > 0
    assert j["model_flop_rate_per_gpu"] == pytest.approx(j["model_flops_per_step"] / j["step_time"] / j["gpus"])
    assert j["critical_last_rank"] - j["critical_first_rank"] == j["critical_ranks"] - 1
    assert j["healthy_step_time"] is None and j["heterogeneity_cost"] is None and j["stragglers"] == ""
    # Link faults on the flow model: the healthy step, the flag and the traffic table.
    out2 = str(tmp_path / "flow.h5")
    p = run("simulate", "llama3-405b-16k", "--network", "flow", "--fail-link", "16384", "--format", "json", "-o", out2)
    j = step_of(p)
    with h5py.File(out2, "r") as f:
        (rid,) = list(f["runs"])
        row = pd.DataFrame(f[f"/runs/{rid}/step"][()]).iloc[0]
        traffic = pd.DataFrame(f[f"/runs/{rid}/traffic"][()])
    assert row["healthy_step_time"] == pytest.approx(j["healthy_step_time"]) and j["failed_links"] == "16384"
    assert j["heterogeneity_cost"] == pytest.approx(j["step_time"] - j["healthy_step_time"])
    assert row["network_model"].decode() == "flow"
    kinds = [t["kind"] for t in json.loads(p.stdout)["tables"]["traffic"]["rows"]]
    assert [k.decode() for k in traffic["kind"]] == kinds


# Results built once (issue 16, point 3): what simulate, plan and compare print with --format json is
# exactly the run `report --format json` reads back from the file -o wrote (the same tables, columns,
# units and cells, and the run's configuration), as for kernels and collectives (tests/kernels).
@pytest.mark.parametrize("args,tables", [
    (("simulate", "llama3-405b-16k"), ["step"]),
    (("simulate", "llama3-405b-16k", "--network", "flow", "--degrade-link", "16384:0.5"), ["step", "traffic"]),
    (("plan", "llama3-8b-64", "--top", "3"), ["plans", "plan_search", "plan_rejected"]),
    (("compare", "dgx-h100-ndr", "h100-16k-roce", "--model", "llama3-8b", "--tokens", "1T", "--gpus", "64"),
     ["compare"]),
])
def test_json_is_the_stored_run(run, tmp_path, args, tables):
    out = tmp_path / "r.h5"
    p = run(*args, "--format", "json", "-o", out)
    assert p.returncode == 0, p.stderr
    live = json.loads(p.stdout)
    r = run("report", out, "--format", "json")
    assert r.returncode == 0, r.stderr
    (stored,) = json.loads(r.stdout)["runs"]
    assert stored["kind"] == args[0]
    assert live["status"] == stored["status"] == "complete" and live["message"] == stored["message"] == ""
    assert sorted(live["tables"]) == sorted(tables)
    assert live["tables"] == stored["tables"]
    assert live["config_yaml"] == stored["config_yaml"] != ""
    # The text is read from the same tables: one figure of each, as printed.
    text = run(*args).stdout
    if args[0] == "simulate":
        assert f"{live['tables']['step']['rows'][0]['mfu'] * 100:.1f}%" in text
    elif args[0] == "plan":
        assert live["tables"]["plans"]["rows"][0]["layout"] in text
    else:
        assert all(b["layout"] in text for b in live["tables"]["compare"]["rows"])


# Issue 17: simulate, plan, compare and topology took the run's start_time when they wrote the
# results, so a run lasted 0 ms whatever it did. The start is now taken when the command starts:
# the recorded span covers the simulation it timed itself.
def test_simulate_run_times_span_the_simulation(run, tmp_path):
    from datetime import datetime
    out = str(tmp_path / "sim.h5")
    p = run("simulate", "llama3-405b-16k", "--full", "--format", "json", "-o", out)
    assert p.returncode == 0, p.stderr
    wall = step_of(p)["simulation_wall_time"]
    assert wall > 0.005
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        a = f["runs"][rid].attrs
        t = lambda s: datetime.fromisoformat((s.decode() if isinstance(s, bytes) else s).replace("Z", "+00:00"))
        span = (t(a["end_time"]) - t(a["start_time"])).total_seconds()
    assert span >= wall - 0.002, (span, wall)


def test_simulate_writes_hdf5(run, tmp_path):
    out = str(tmp_path / "sim.h5")
    p = run("simulate", "gpt3-175b-128", "-q", "-o", out)
    assert p.returncode == 0, p.stderr
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert f["runs"][rid].attrs["kind"] == "simulate"
        df = pd.DataFrame(f[f"/runs/{rid}/step"][()])
    assert df["step_time"][0] > 0 and df["gpus"][0] == 128


def test_simulate_bad_inputs_name_the_key(run):
    cases = [
        (["--set", "parallelism.tp=3"], "key 'parallelism.tp'"),
        (["--set", "training.global_batch=2000"], "key 'training.global_batch'"),
        (["--set", "cluster.gpus=1024"], "key 'cluster.gpus': the job needs"),
        (["--set", "training.seq_len=-1"], "key 'training.seq_len'"),
    ]
    for args, phrase in cases:
        assert_clean_error(run("simulate", "llama3-405b-16k", *args), 3, phrase)
    assert_clean_error(run("simulate", "gpt-22b-8", "--set", "training.precision=fp8"), 3, "fp8 needs")
    assert_clean_error(run("simulate", "mixtral-8x7b-64", "--set", "parallelism.ep=3"), 3, "key 'parallelism.ep'")
    assert_clean_error(run("simulate", "no-such-scenario"), 3, "unknown scenario 'no-such-scenario'")


def test_simulate_full_mode_and_straggler(run):
    sym = step_of(run("simulate", "gpt3-175b-128", "--format", "json"))
    full = step_of(run("simulate", "gpt3-175b-128", "--full", "--format", "json"))
    assert full["mode"] == "full" and full["pipelines_simulated"] == 4
    assert full["step_time"] == pytest.approx(sym["step_time"], rel=1e-12)
    slow = step_of(run("simulate", "gpt3-175b-128", "--full", "--straggler", "2:3:0.5", "--format", "json"))
    assert slow["step_time"] > full["step_time"] and slow["critical_replica"] == 2
    assert_clean_error(run("simulate", "gpt3-175b-128", "--straggler", "2:3:0.5"), 2, "needs --full")
    assert_clean_error(run("simulate", "gpt3-175b-128", "--full", "--straggler", "9:0:0.5"), 2, "0..3")
    assert_clean_error(run("simulate", "gpt3-175b-128", "--full", "--straggler", "x"), 2, "DP_RANK:PP_STAGE:FRACTION")
    # A straggler named by its global rank: rank = tp_r + tp*(cp_r + cp*(dp_r + dp*stage)) with
    # TP4 DP4, so rank 4*(2 + 4*3) + 1 = 57 is replica 2, stage 3 — the same step as 2:3:0.5.
    by_rank = step_of(run("simulate", "gpt3-175b-128", "--full", "--straggler", "57:0.5", "--format", "json"))
    assert by_rank["step_time"] == slow["step_time"] and by_rank["stragglers"] == "57:0.5"
    assert by_rank["heterogeneity_cost"] == pytest.approx(slow["step_time"] - full["step_time"])
    assert by_rank["critical_replica"] == 2 and by_rank["critical_last_rank"] - by_rank["critical_first_rank"] == 3
    assert by_rank["critical_first_node"] == by_rank["critical_first_rank"] // by_rank["gpus_per_node"]
    assert_clean_error(run("simulate", "gpt3-175b-128", "--full", "--straggler", "128:0.1"), 2,
                       "rank 128 does not exist; the job has ranks 0..127")


# ---------------------------------------------------------------- collectives (loopback: threads as ranks)

def coll(run, *args, timeout=120):
    return run("collectives", "--backend", "loopback", "-b", "64", "-e", "64K", "-f", "16", "-n", "3", "-w", "1",
               *args, timeout=timeout)


def test_collectives_table_has_nccl_tests_columns(run):
    p = coll(run, "--ranks", "4", "--op", "all_reduce")
    assert p.returncode == 0, p.stderr
    header = [l for l in p.stdout.splitlines() if l.startswith("#") and "algbw" in l][0]
    for col in ("size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong"):
        assert col in header
    assert header.count("algbw") == 2  # out of place and in place
    assert "# Avg bus bandwidth" in p.stdout and "Out of bounds values : 0 OK" in p.stdout


def test_collectives_json_and_hdf5(run, tmp_path):
    out = str(tmp_path / "c.h5")
    p = coll(run, "--ranks", "3", "--op", "all", "-d", "double", "--format", "json", "--output", out)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    rows = j["tables"]["collectives"]["rows"]
    ops = {r["op"] for r in rows}
    assert ops == {"all_reduce", "all_gather", "reduce_scatter", "broadcast", "reduce", "alltoall", "sendrecv",
                   "gather", "scatter", "alltoallv"}
    for r in rows:
        for k in ("op", "size", "count", "dtype", "redop", "in_place", "time", "algbw", "busbw", "wrong",
                  "rank_time_min", "rank_time_median", "rank_time_max", "rank_time_p99", "iter_mean", "iter_cv"):
            assert k in r
        assert r["wrong"] == 0 and r["dtype"] == "double"
        assert r["algbw"] == pytest.approx(r["size"] / r["time"], rel=1e-9)
    assert j["tables"]["p2p"]["rows"], "op all includes point to point"
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert f["runs"][rid].attrs["kind"] == "collectives"
        agg = pd.DataFrame(f[f"/runs/{rid}/collectives"][()])
        per = pd.DataFrame(f[f"/runs/{rid}/collectives_per_rank"][()])
        p2p = pd.DataFrame(f[f"/runs/{rid}/p2p"][()])
    assert len(per) == 3 * len(agg)
    assert set(per["rank"]) == {0, 1, 2}
    assert len(p2p) >= 3


def test_collectives_corrupt_is_detected_and_named(run):
    p = coll(run, "--ranks", "4", "--op", "all_reduce", "--inject", "corrupt:2")
    assert p.returncode == 1, p.stderr
    assert "wrong element(s); seen by rank" in p.stderr
    assert "FAILED" in p.stdout


def test_collectives_watchdog_names_rank_that_never_joins(run):
    t0 = time.time()
    p = coll(run, "--ranks", "4", "--op", "all_reduce", "--inject", "hang:3", "--timeout", "1", timeout=60)
    assert p.returncode == 6, p.stderr
    assert "did not arrive within 1 s: rank 3" in p.stderr
    assert time.time() - t0 < 30


def test_collectives_bad_inputs(run):
    assert_clean_error(coll(run, "-b", "1M", "-e", "1K"), 2, "sizes out of order")
    assert_clean_error(coll(run, "--op", "allfoo"), 2, "unknown operation")
    assert_clean_error(coll(run, "-d", "quad"), 2, "unknown data type")
    assert_clean_error(coll(run, "-g", "2"), 2, "-g applies to the nccl backend only")
    assert_clean_error(coll(run, "--split", "rails"), 2, "expected intra, inter, MOD:k")
    assert_clean_error(coll(run, "--split", "MOD:0"), 2, "positive k")
    assert_clean_error(coll(run, "--ranks", "4", "--split", "MOD:2", "--op", "broadcast", "-r", "2"), 2,
                       "smallest group has 2")
    assert_clean_error(coll(run, "--inject", "slow:1"), 2, "FRACTION")
    assert_clean_error(coll(run, "--ranks", "2", "--inject", "corrupt:7"), 2, "outside the job")
    assert_clean_error(coll(run, "--ranks", "2", "--op", "broadcast", "-r", "5"), 2, "--root 5")
    assert_clean_error(coll(run, "--buffers", "device"), 2, "--buffers device: the loopback backend")
    assert_clean_error(coll(run, "--buffers", "disk"), 2, "--buffers")
    p = run("collectives", "--backend", "nccl", "--buffers", "host")
    assert_clean_error(p, 2)
    assert "NCCL moves device memory only" in p.stderr or "no nccl backend" in p.stderr, p.stderr


def test_plot_busbw_script(run, tmp_path):
    out = str(tmp_path / "c.h5")
    assert coll(run, "--ranks", "2", "--op", "all_reduce,all_gather", "-q", "--output", out).returncode == 0
    png = tmp_path / "b.png"
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "plot_busbw.py")
    p = subprocess.run([sys.executable, script, out, "-o", str(png)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert png.stat().st_size > 1000


def test_kernels_host_gemm_verified(run, tmp_path):
    out = str(tmp_path / "g.h5")
    p = run("kernels", "--device", "host", "--bench", "gemm", "--sizes", "64,256", "--dtype", "fp64,fp32",
            "--time-budget", "0.1", "--format", "json", "-o", out)
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)["tables"]["gemm"]["rows"]
    assert [(r["dtype"], r["m"]) for r in rows] == [("fp64", 64), ("fp64", 256), ("fp32", 64), ("fp32", 256)]
    assert all(r["checked"] > 0 and r["wrong"] == 0 and r["flop_rate"] > 0 and r["k"] == r["m"] for r in rows)
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        df = pd.DataFrame(f[f"/runs/{rid}/gemm"][()])
    assert (df["wrong"] == 0).all() and (df["max_error_ratio"] < 1).all()
    assert ((df["flop_rate"] - 2 * df["m"] ** 3 / df["time_s"]).abs() <= 1e-9 * df["flop_rate"]).all()
    assert_clean_error(run("kernels", "--device", "host", "--bench", "gemm", "--dtype", "bf16"), 2, "fp64 and fp32")
    assert_clean_error(run("kernels", "--device", "host", "--bench", "gemm", "--sizes", "0"), 2, "--sizes 0")


def test_nccl_backend_without_gpu_is_a_clear_error(run):
    if "nccl" not in run("--version").stdout:
        pytest.skip("this build has no nccl backend")
    try:
        gpu = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        gpu = False
    if gpu:
        pytest.skip("a GPU is present: the nccl backend runs (tests/gpu/nccl_backend_test)")
    # One process, no launcher: the backend looks for GPUs before anything else.
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS")}
    p = run("collectives", "--backend", "nccl", "-b", "8", "-e", "64", env=env)
    assert_clean_error(p, 2, "no GPU")



def test_collectives_split_runs_groups_concurrently(run, tmp_path):
    out = str(tmp_path / "s.h5")
    p = coll(run, "--ranks", "6", "--split", "MOD:3", "--op", "all_reduce,all_gather", "--format", "json", "--output", out)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["wrong"] == 0
    groups = j["tables"]["collectives_groups"]["rows"]
    assert {g["group"] for g in groups} == {0, 1, 2}
    assert all(g["members"] == 2 for g in groups)
    # the table's figure is the slowest group's
    for r in j["tables"]["collectives"]["rows"]:
        same = [g for g in groups if g["op"] == r["op"] and g["size"] == r["size"] and g["in_place"] == r["in_place"]]
        assert r["time"] == pytest.approx(max(g["time"] for g in same), rel=1e-12)
        # busbw uses the group's rank count (2): all_reduce factor 2(n-1)/n = 1
        if r["op"] == "all_reduce":
            assert r["busbw"] == pytest.approx(r["algbw"], rel=1e-9)
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert len(f[f"/runs/{rid}/collectives_groups"][()]) == len(groups)
    p = coll(run, "--ranks", "4", "--split", "intra", "--op", "all_reduce", "--inject", "corrupt:3")
    assert p.returncode == 1 and "seen by rank" in p.stderr


def test_topology_command(run, tmp_path):
    p = run("topology", "h100-131k-rail", "--format", "json")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["nics"] == 131072 and [t["switches"] for t in j["tiers"]] == [2048, 2048, 4096]
    assert j["bisection_bandwidth_Bps"] == pytest.approx(j["full_bisection_Bps"])
    out = str(tmp_path / "t.h5")
    assert run("topology", "dgx-h100-ndr", "-q", "-o", out).returncode == 0
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        links = pd.DataFrame(f[f"/runs/{rid}/links"][()])
    assert len(links) == 16384 + 512 * 32 + 512 * 32
    assert set(links["tier"]) == {0, 1, 2}
    # The id simulate --fail-link takes: link 16384 is the first leaf-spine link (leaf 0 up).
    assert list(links["link"]) == list(range(len(links)))
    assert links["tier"][16384] == 1 and links["tier"][16383] == 0
    p = run("topology", "h100-131k-rail", "--set", "scale_out.tiers.0.radix=64", "--set", "scale_out.tiers.1.radix=64",
            "--set", "scale_out.tiers.2.radix=64")
    assert_clean_error(p, 3, "need core switches of radix 128")
    assert_clean_error(run("topology", "dgx-a100-hdr"), 3, "scale_out.tiers")


def test_simulate_flow_network(run):
    a = step_of(run("simulate", "llama3-405b-16k", "--format", "json"))
    p = run("simulate", "llama3-405b-16k", "--network", "flow", "--format", "json")
    f = step_of(p)
    assert f["network_model"] == "flow" and f["dp_contention"] == 1.0
    assert f["step_time"] == pytest.approx(a["step_time"], rel=1e-12)
    assert_clean_error(run("simulate", "gpt-22b-8", "--network", "flow"), 3, "needs scale_out.tiers")
    # Every dimension's traffic is reported; on this non-blocking, balanced fabric none is slowed.
    traffic = json.loads(p.stdout)["tables"]["traffic"]["rows"]
    assert {t["kind"] for t in traffic} == {"tp", "pp", "dp"}
    assert all(t["factor"] == 1.0 for t in traffic)


def test_simulate_degraded_and_failed_links(run):
    # Physical link 16384 is the first leaf-spine link (links 0..16383 attach the NICs), which
    # pipeline sends from node 0 use. Failed, its flows move to the leaf's next uplink, which
    # then carries two: the slowest pipeline transfer gets half a NIC. Degraded to half, the same.
    base = ["simulate", "llama3-405b-16k", "--network", "flow", "--format", "json"]
    for extra in (["--fail-link", "16384"], ["--degrade-link", "16384:0.5"]):
        p = run(*base, *extra)
        j = step_of(p)
        pp = next(t for t in json.loads(p.stdout)["tables"]["traffic"]["rows"] if t["kind"] == "pp")
        assert pp["factor"] == pytest.approx(0.5), extra
        assert "leaf 0" in pp["bottleneck"] and pp["bottleneck_utilisation"] == pytest.approx(1.0)
        assert j["heterogeneity_cost"] > 0
        assert j["healthy_step_time"] + j["heterogeneity_cost"] == pytest.approx(j["step_time"])
    assert_clean_error(run(*base, "--fail-link", "99999999"), 2, "has links 0..")
    assert_clean_error(run("simulate", "llama3-405b-16k", "--fail-link", "3"), 2, "need --network flow")
    assert_clean_error(run(*base, "--degrade-link", "3:0"), 2, "--fail-link")
    assert_clean_error(run(*base, "--degrade-link", "3"), 2, "LINK:FRACTION")



def test_collectives_sigint_keeps_results(cb_bin, tmp_path):
    out = str(tmp_path / "c.h5")
    # From 8 B doubling: the first sizes take microseconds, so rows exist when the signal comes however slow
    # the build (under ASan on a loaded runner no 1 MiB size had finished in 1.5 s); the large ones keep the
    # run going until it does.
    proc = subprocess.Popen([cb_bin, "collectives", "--backend", "loopback", "--ranks", "2", "-b", "8", "-e", "1G",
                             "-f", "2", "-n", "5", "-w", "1", "-q", "--output", out], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
        assert f["runs"][rid].attrs["status"] == "interrupted"
        assert len(f[f"/runs/{rid}/collectives"][()]) >= 1


def test_collectives_watchdog_when_rank0_hangs(run):
    p = coll(run, "--ranks", "3", "--op", "all_reduce", "--inject", "hang:0", "--timeout", "1", timeout=60)
    assert p.returncode == 6
    assert "watchdog" in p.stderr


def test_simulate_131k_full_mode_agrees_with_symmetric(run):
    sym = step_of(run("simulate", "llama3-405b-131k", "--format", "json"))
    full = step_of(run("simulate", "llama3-405b-131k", "--full", "--format", "json"))
    assert full["gpus"] == 131072 and full["pipelines_simulated"] == 1024
    assert full["step_time"] == pytest.approx(sym["step_time"], rel=1e-12)
    assert full["events"] > 1_000_000 and full["events_per_s"] > 0


# Values with no sensible upper bound (issue 15, part 3): refused at once with
# the bounds, never a hang, an abort or a wrapped number.
@pytest.mark.parametrize("args,code,phrase", [
    (("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "nan"), 2,
     "out of range (must be"),
    (("kernels", "--device", "host", "--bench", "stream", "--bytes", "18446744073709551615"), 2, "at most 1 TiB"),
    (("plan", "llama3-405b-16k", "--threads", "40000"), 2, "out of range (must be 0..1024)"),
    (("collectives", "--backend", "loopback", "--ranks", "100000"), 2, "out of range (must be 1..4096)"),
    (("compare", "dgx-h100-ndr", "--model", "llama3-70b", "--tokens", "1e300"), 2, "at most 1e16"),
    (("simulate", "llama3-405b-16k", "--set", "model.layers=9223372036854775807"), 3, "(must be 1..100000)"),
    (("simulate", "llama3-405b-16k", "--set", "cluster.gpus=1000000000000"), 3, "(must be 1..16777216)"),
])
def test_absurd_values_are_refused(run, args, code, phrase):
    p = run(*args, timeout=60)
    assert_clean_error(p, code, phrase)


def test_validate_refuses_nan_timeout_and_huge_suite_values(run, tmp_path):
    p = run("validate", "--suite", os.path.join(CONFIGS, "suites", "host-cpu.yaml"), "--timeout", "nan", timeout=60)
    assert_clean_error(p, 3, "out of range")
    suite = tmp_path / "huge.yaml"
    suite.write_text("name: huge\ntime_budget: 1e9s\nchecks:\n"
                     "  - {name: s, benchmark: stream, scope: device, threads: 100000, threshold: {absolute: 1}}\n")
    p = run("validate", "--suite", str(suite), timeout=60)
    assert_clean_error(p, 3, "out of range")
    assert "time_budget" in p.stderr or "threads" in p.stderr


# ---------------------------------------------------------------- every outcome in the docs (issue 15, part 5)

# 18446744073709551616 is 2^64: it used to wrap to 0 ("-b 8 is larger than -e 0").
# Every size flag goes through one parser, which refuses it naming the flag, the
# value and the maximum.
@pytest.mark.parametrize("args,phrase", [
    (("collectives", "--backend", "loopback", "-e", "18446744073709551616"),
     "-e: size '18446744073709551616' is too large: at most 1 EiB (1152921504606846976 bytes)"),
    (("collectives", "--backend", "loopback", "-b", "18446744073709551616"),
     "-b: size '18446744073709551616' is too large: at most 1 EiB"),
    (("collectives", "--backend", "loopback", "-i", "18446744073709551616"),
     "-i: size '18446744073709551616' is too large: at most 1 EiB"),
    (("collectives", "--backend", "loopback", "-e", "20000000000000000000000"), "-e: size '20000000000000000000000'"),
    (("collectives", "--backend", "loopback", "-f", "1e300"), "--stepfactor: 1e300 is out of range (must be 1..1024)"),
    (("collectives", "--backend", "loopback", "-f", "inf"), "out of range (must be 1..1024)"),
    (("kernels", "--device", "host", "--bench", "stream", "--bytes", "18446744073709551616"),
     "--bytes: size '18446744073709551616' is too large: at most 1 TiB (1099511627776 bytes)"),
])
def test_size_flags_past_64_bits_are_refused(run, args, phrase):
    assert_clean_error(run(*args, timeout=60), 2, phrase)


def kernels_results(run, tmp_path, name="r.h5"):
    out = str(tmp_path / name)
    p = run("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05", "-q", "-o", out)
    assert p.returncode == 0, p.stderr
    return out


# docs/cli.md, "Exit codes": 4 is a file problem. A missing results file is 4 for
# calibrate as for report, and a run id the file does not hold is 4 too (the
# reader's own "has no run"), naming the file and the runs it has.
def test_report_unknown_run_is_a_file_problem(run, tmp_path):
    out = kernels_results(run, tmp_path)
    p = run("report", out, "--run", "nosuch")
    assert_clean_error(p, 4, f"results file '{out}' has no run 'nosuch'; runs in the file:")
    with h5py.File(out, "r") as f:
        (rid,) = list(f["runs"])
    assert rid in p.stderr


def test_calibrate_missing_file_is_a_file_problem(run, tmp_path):
    missing = str(tmp_path / "nope.h5")
    assert_clean_error(run("calibrate", missing), 4, f"results file '{missing}': no such file")


# Directories, FIFOs, devices and symbolic-link loops given as input files say
# what they are, never "no such file", and a FIFO never makes the tool wait.
@pytest.fixture
def odd_paths(tmp_path):
    d = tmp_path / "dir.yaml"
    d.mkdir()
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    os.symlink("loop2.yaml", tmp_path / "loop1.yaml")
    os.symlink("loop1.yaml", tmp_path / "loop2.yaml")
    return {"dir": (str(d), "is a directory"), "fifo": (str(fifo), "is not a regular file (a FIFO)"),
            "device": ("/dev/zero", "is not a regular file (a character device)"),
            "loop": (str(tmp_path / "loop1.yaml"), "too many levels of symbolic links")}


@pytest.mark.parametrize("what", ["dir", "fifo", "device", "loop"])
@pytest.mark.parametrize("command,code", [
    (("report",), 4), (("calibrate",), 4), (("config", "check", "model"), 3), (("config", "show", "cluster"), 3),
    (("simulate",), 3), (("validate", "--suite"), 3),
])
def test_input_paths_that_are_not_files_say_what_they_are(run, odd_paths, what, command, code):
    path, phrase = odd_paths[what]
    p = run(*command, path, timeout=20)
    assert_clean_error(p, code, path, phrase)
    assert "no such" not in p.stderr


# --format json is valid UTF-8 whatever bytes a name holds: an invalid byte
# becomes U+FFFD (it used to make the JSON library throw: exit 5).
def test_json_output_is_valid_utf8_with_invalid_bytes_in_names(cb_bin, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(b"name: bad\xff\xfename\nmodel: llama3-8b\ncluster: dgx-h100-ndr\n"
                         b"parallelism: {tp: 1, pp: 1, dp: 8}\ntraining: {seq_len: 2048, global_batch: 64}\n")
    for args in (("simulate", scenario, "--format", "json"), ("config", "show", "scenario", scenario, "--format", "json")):
        p = subprocess.run([cb_bin, *map(str, args)], capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr
        j = json.loads(p.stdout.decode("utf-8"))  # strict: raises on an invalid byte
        assert "bad\ufffd\ufffdname" in json.dumps(j, ensure_ascii=False)
    suite = tmp_path / "suite.yaml"
    suite.write_bytes(open(os.path.join(CONFIGS, "suites", "host-cpu.yaml"), "rb").read()
                      .replace(b"name: host-cpu", b"name: suite\xff", 1))
    p = subprocess.run([cb_bin, "validate", "--suite", str(suite), "--format", "json", "-q"],
                       capture_output=True, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    prov = json.loads(p.stdout.decode("utf-8"))["tables"]["validate_provenance"]["rows"]
    assert {r["key"]: r["value"] for r in prov}["suite"] == "suite\ufffd"


def test_config_show_json_is_the_effective_document(run):
    p = run("config", "show", "scenario", "llama3-405b-16k", "--set", "cluster.gpus=1024", "--set", "parallelism.dp=8",
            "--format", "json")
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["cluster"]["gpus"] == 1024 and j["cluster"]["scale_out"]["nic_bandwidth"] == 50000000000


# Markdown reports escape names: raw HTML shows as text, '|' stays in its table
# cell, a newline does not end the row or the heading.
HOSTILE = '<script>alert(1)</script> a|b\\nc'


def assert_markdown_escaped(text):
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a\\|b c" in text


def test_validate_markdown_report_escapes_names(run, tmp_path):
    suite = tmp_path / "suite.yaml"
    suite.write_text(open(os.path.join(CONFIGS, "suites", "host-cpu.yaml")).read()
                     .replace("name: host-cpu", f'name: "{HOSTILE}"', 1)
                     .replace("name: gemm-fp64", 'name: "gemm|fp64"', 1))
    md = tmp_path / "r.md"
    p = run("validate", "--suite", suite, "--report", md, "-q", timeout=120)
    assert p.returncode in (0, 1), p.stderr
    text = md.read_text()
    assert_markdown_escaped(text)
    assert text.splitlines()[0] == "# Acceptance report: &lt;script&gt;alert(1)&lt;/script&gt; a\\|b c"
    checks = text[text.index("## Checks"):]
    (row,) = [l for l in checks.splitlines() if l.startswith("| gemm")]
    assert row.startswith("| gemm\\|fp64 |") and row.replace("\\|", "").count("|") == 8  # 7 cells


def test_compare_markdown_report_escapes_names(run, tmp_path):
    cluster = tmp_path / "c.yaml"
    cluster.write_text(open(os.path.join(CONFIGS, "clusters", "dgx-h100-ndr.yaml")).read()
                       .replace("name: DGX H100 NDR 16k", f'name: "{HOSTILE}"', 1))
    md = tmp_path / "c.md"
    p = run("compare", cluster, "--model", "llama3-8b", "--tokens", "1T", "--report", md, "-q", timeout=300)
    assert p.returncode == 0, p.stderr
    text = md.read_text()
    assert_markdown_escaped(text)
    header = [l for l in text.splitlines() if l.startswith("| |")][0]
    assert header.replace("\\|", "").count("|") == 3  # the row label and one buildout


# docs/results-schema.md: a results file nobody may write is refused, also for
# root (whom access(2) lets write anything); the file is left as it was.
def test_read_only_results_file_is_refused_even_as_root(run, tmp_path):
    out = kernels_results(run, tmp_path)
    before = open(out, "rb").read()
    os.chmod(out, 0o444)
    p = run("kernels", "--device", "host", "--bench", "stream", "--bytes", "1M", "--time-budget", "0.05", "-q", "-o", out)
    assert_clean_error(p, 4, out, "is read-only (mode 0444")
    assert open(out, "rb").read() == before
