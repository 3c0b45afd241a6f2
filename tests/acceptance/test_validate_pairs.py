"""The pairs fabric check and bisection (issue 19) under `mpirun -np 8 --nodes rank` on one 2-core machine acting
as eight nodes (label mpi): an injected slow NIC (`--inject slownic:R:F`) or slow link (`slowlink:A:B:F`) is named,
and only it, by both methods, with its evidence in the JSON, the HDF5 evidence and the HTML heat map; bad
injection text is a usage error (exit 3) naming the flag.

Timing. Eight ranks share two cores, so a healthy pair's figure varies (observed: each pair's median of 3 passes
at 0.65-1.0 of the fleet's median pair, and once 0.3 in a single pass). The injections take 90% of the
throughput (the pair's time x 10: 0.1 of the median; at 80% a noisy round once let a culprit pair pass), the tests
judge at slow_ratio 0.4, pairs run the tournament 5 times (a pair's figure is the median
of its passes) and every figure is the fastest of 15 exchanges: noise cannot pass for the injection nor the
injection for noise. A clean run naming nobody depends on the machine alone: CB_TIMED_CHECKS=1 runs it.

What CI asserts, and what only a quiet machine can. The injected culprit is always named, with its evidence: at a
tenth of the median no noise hides it. That it is named *alone* (no healthy pair misjudged slow twice over) and
that bisection ends in its usual number of rounds depend on the machine: next to a parallel build (load 4-6 on
two cores) healthy pairs measured 0.3 of the median in both of two runs. Those assertions run with
CB_TIMED_CHECKS=1 (EXACT); they passed so on this machine when it was not building (docs/acceptance.md)."""
import json
import os
import subprocess

import h5py
import pandas as pd
import pytest


CB = os.environ["CB_BIN"]
MPIRUN = os.environ.get("CB_MPIEXEC", "mpirun")
SUITE = os.path.join(os.environ.get("CB_SOURCE_DIR", "."), "configs", "suites", "fabric-pairs.yaml")
EXACT = os.environ.get("CB_TIMED_CHECKS") == "1"
JUDGE = ["--set", "checks.0.slow_ratio=0.4", "--set", "checks.0.passes=5", "--set", "checks.1.slow_ratio=0.4"]


def validate(mpi_env, *args, np=8, timeout=300):
    return subprocess.run([MPIRUN, "-np", str(np), CB, "validate", "--suite", SUITE, "--nodes", "rank", *JUDGE,
                           *map(str, args)], capture_output=True, text=True, timeout=timeout, env=mpi_env)


def validate_json(mpi_env, check, *args, np=8, tries=2, outputs=()):
    """validate --format json, run again once when `check(j)` is false: on this 2-core machine eight ranks are
    noisy enough that one run in several misjudges a healthy pair (see above); a code fault fails both runs.
    `outputs` (evidence, reports) are removed before each run. Returns the last run's JSON and process."""
    for attempt in range(tries):
        for path in outputs:
            if os.path.exists(path):
                os.remove(path)
        p = validate(mpi_env, *args, "--format", "json", np=np)
        assert p.returncode in (0, 1, 2), p.stdout + p.stderr
        j = json.loads(p.stdout)
        if check(j) or attempt == tries - 1:
            return j, p


def rows_of(j, table):
    """The rows of one of the run's tables in `validate --format json` (the shape `report --format json` gives)."""
    return j["tables"][table]["rows"]


def status(j):
    (row,) = rows_of(j, "validate_status")
    return row


def fabric_nodes(j):
    """The fabric checks' nodes by index (validate_fabric_nodes)."""
    nodes = rows_of(j, "validate_fabric_nodes")
    assert [n["index"] for n in nodes] == list(range(len(nodes)))
    return [n["node"] for n in nodes]


def failing_nodes(j):
    return [n for n in rows_of(j, "validate_nodes") if n["verdict"] in ("FAIL", "WARN")]


def culprits(j, method):
    return [(c["kind"], c["name"]) for c in rows_of(j, "validate_culprits") if c["method"] == method]


def test_slow_nic_is_named_alone_by_pairs_and_bisection(mpi_env, tmp_path, browser):
    h5, html, md = tmp_path / "e.h5", tmp_path / "r.html", tmp_path / "r.md"
    def named(j):
        bad = fabric_nodes(j)[3]
        return ([n.split("/")[0] for _, n in culprits(j, "pairs")] == [bad] and
                culprits(j, "bisection") == [("node", bad)] and rows_of(j, "validate_bisection_runs")[0]["rounds"] <= 8)

    j, p = validate_json(mpi_env, named, "--inject", "slownic:3:0.9", "-o", h5, "--report", html, "--report", md,
                         outputs=(h5, html, md))
    assert p.returncode == 2, p.stdout + p.stderr
    nodes = fabric_nodes(j)
    assert len(nodes) == 8
    bad = nodes[3]
    # Pairs: every pair with node 3 is slow, so the node (its only rail's NIC) is the culprit, with 7 of 7 pairs.
    mine = [c for c in rows_of(j, "validate_culprits") if c["method"] == "pairs" and c["name"].split("/")[0] == bad]
    assert len(mine) == 1 and mine[0]["kind"] in ("node", "nic"), rows_of(j, "validate_culprits")
    pc = mine[0]
    assert pc["supporting"] == 7 and pc["examined"] == 7 and pc["ratio"] < 0.4
    # Bisection: the node, in about 2 log2(8) rounds (each slow step confirmed).
    (b,) = rows_of(j, "validate_bisection_runs")
    assert b["rounds"] >= 1
    # The node fails; the headline and the failing nodes name it.
    assert bad in [n["node"] for n in rows_of(j, "validate_nodes") if n["verdict"] == "FAIL"]
    assert bad in [f["node"] for f in failing_nodes(j)]
    if EXACT:
        assert [n.split("/")[0] for _, n in culprits(j, "pairs")] == [bad], rows_of(j, "validate_culprits")
        assert culprits(j, "bisection") == [("node", bad)]
        assert 3 <= b["rounds"] <= 2 * 3 + 2
        assert [n["node"] for n in rows_of(j, "validate_nodes") if n["verdict"] == "FAIL"] == [bad]
        assert [f["node"] for f in failing_nodes(j)] == [bad]
    # Every pair of the tournament, 5 passes: 28 x 5 measurements, then the confirmation's (node 3's 7 pairs).
    assert len([x for x in rows_of(j, "validate_pairs") if x["check"] == "pairs" and not x["confirm"]]) == 28 * 5
    (conf,) = rows_of(j, "validate_confirmations")
    assert conf["confirmed"] >= 7 and conf["batches"] == 1
    assert conf["confirmed"] == 7 or not EXACT

    with h5py.File(h5, "r") as f:
        (run,) = list(f["runs"])
        g = f["runs"][run]
        pairs = pd.DataFrame(g["validate_pairs"][()])
        assert (pairs["confirm"] == 0).sum() == 28 * 5
        assert set(pairs[pairs["confirm"] == 1]["node_a"]) | set(pairs[pairs["confirm"] == 1]["node_b"]) >= {bad.encode()}
        assert len(pd.DataFrame(g["validate_confirmations"][()])) == 1
        slow = pairs[(pairs["node_a"] == bad.encode()) | (pairs["node_b"] == bad.encode())]
        fast = pairs.drop(slow.index)
        # The evidence shows the injection: node 3's pairs at a fraction of the others.
        assert slow["value"].median() < 0.4 * fast["value"].median()
        cul = pd.DataFrame(g["validate_culprits"][()])
        assert set(cul["method"]) == {b"bisection", b"pairs"} or not EXACT and b"pairs" in set(cul["method"])
        assert len(pd.DataFrame(g["validate_bisection"][()])) >= 2
    page = html.read_text()
    assert 'class="chart heatmap"' in page and 'id="culprits"' in page and 'id="bisection"' in page
    assert "bandwidth each way (GB/s)" in page and 'class="marked"' in page
    assert "## Fabric localisation" in md.read_text()
    # As a browser reads it (where Chromium is installed): the heat map is an SVG with a cell per pair, a colour
    # legend, and node 3's diagonal cell outlined as the culprit.
    if browser:
        dom = browser("--dump-dom", f"file://{html}").stdout
        assert 'class="chart heatmap"' in dom and 'id="heat-scale"' in dom
        assert dom.count('class="marked"') >= 1 and f"{bad}: the node itself" in dom
        assert dom.count(" each way</title>") == 8 * 7  # every off-diagonal cell measured, with its tooltip


def test_slow_link_is_named_alone_and_fails_no_node(mpi_env):
    def named(j):
        n = fabric_nodes(j)
        link = f"{n[2]}<->{n[5]}"
        return culprits(j, "pairs") == [("pair", link)] and culprits(j, "bisection") == [("link", link)]

    j, p = validate_json(mpi_env, named, "--inject", "slowlink:2:5:0.9")
    assert p.returncode == 2, p.stdout + p.stderr
    nodes = fabric_nodes(j)
    link = f"{nodes[2]}<->{nodes[5]}"
    # Pairs: slow alone, its two nodes' other 12 pairs healthy; bisection: the link between the halves.
    assert ("pair", link) in culprits(j, "pairs"), rows_of(j, "validate_culprits")
    (b,) = rows_of(j, "validate_bisection_runs")
    if EXACT:
        assert culprits(j, "pairs") == [("pair", link)], rows_of(j, "validate_culprits")
        assert culprits(j, "bisection") == [("link", link)], rows_of(j, "validate_bisection_runs")
        assert b["rounds"] <= 3 * 3 + 2  # about 3 log2 N for one link: two cross rounds per level, one confirmed
        # A link fails no node (nobody is drained).
        assert all(n["verdict"] == "PASS" for n in rows_of(j, "validate_nodes")), rows_of(j, "validate_nodes")
        assert [f["slurm_drain"] for f in rows_of(j, "validate_failed_hosts")] == []
    # The run is CRITICAL and says why.
    assert status(j)["status"] == "CRITICAL"
    assert f"culprit: pair {link}" in status(j)["banner"] or not EXACT, status(j)["banner"]


def test_batches_and_confirmation_name_the_slow_nic_alone(mpi_env):
    # batches: 2 runs each round's 4 pairs as two batches of 2, one after the other (no topology here: the
    # round-robin split); the confirmation then measures every pair slow after the rounds again, one at a time
    # when they share a node (node 3's seven pairs do), passes + 1 = 6 times each, so that these lone
    # measurements set the pair's median. The injection keeps node 3's pairs at 0.2 of the others: they stay slow
    # (confirmed), and a healthy pair that the noise made slow is cleared.
    def named(j):
        bad = fabric_nodes(j)[3]
        return (culprits(j, "pairs") in ([("node", bad)], [("nic", f"{bad}/rail 0")]) and
                rows_of(j, "validate_confirmations")[0]["confirmed"] == 7)

    j, p = validate_json(mpi_env, named, "--set", "checks.0.batches=2", "--inject", "slownic:3:0.9")
    assert p.returncode == 2, p.stdout + p.stderr
    bad = fabric_nodes(j)[3]
    assert [c for c in culprits(j, "pairs") if c[1].split("/")[0] == bad], rows_of(j, "validate_culprits")
    assert bad in [n["node"] for n in rows_of(j, "validate_nodes") if n["verdict"] == "FAIL"]
    (conf,) = rows_of(j, "validate_confirmations")
    assert conf["batches"] == 2 and conf["confirm"] == 1
    assert conf["confirmed"] >= 7, conf
    assert {f"{min(n, bad)}<->{max(n, bad)}/rail 0" for n in fabric_nodes(j) if n != bad} <= set(
        conf["confirmed_pairs"].split("\n")), conf
    assert conf["cleared"] == conf["selected"] - conf["confirmed"]
    assert conf["repeats"] == 6 and conf["rounds"] >= 7 * 6
    if EXACT:
        assert culprits(j, "pairs") in ([("node", bad)], [("nic", f"{bad}/rail 0")]), rows_of(j, "validate_culprits")
        assert [n["node"] for n in rows_of(j, "validate_nodes") if n["verdict"] == "FAIL"] == [bad]
        assert conf["confirmed"] == 7, conf
    rows = [x for x in rows_of(j, "validate_pairs") if x["check"] == "pairs"]
    # The rounds: 28 pairs x 5 passes, each round's 4 pairs in batches 0 and 1 of 2 pairs each.
    measured = [x for x in rows if not x["confirm"]]
    assert len(measured) == 28 * 5
    per_batch = {}
    for x in measured:
        per_batch[(x["round"], x["batch"])] = per_batch.get((x["round"], x["batch"]), 0) + 1
    assert set(per_batch.values()) == {2} and {b for _, b in per_batch} == {0, 1}
    # The confirmation: 6 more measurements of each selected pair, after the rounds.
    again = [x for x in rows if x["confirm"]]
    assert len(again) >= 6 * len({(x["a"], x["b"]) for x in again}) and len(again) >= 7 * 6
    assert min(x["round"] for x in again) == 7 * 5
    # The terminal says it too.
    p = validate(mpi_env, "--set", "checks.0.batches=2", "--inject", "slownic:3:0.9")
    assert "(2 batches per round), measured 6 more time(s)" in p.stdout and " confirmed slow, " in p.stdout, p.stdout


@pytest.mark.parametrize("text", ["slowlink:2:5", "slowlink:2:2:0.5", "slowlink:2:x:0.5", "slowlink:2:5:1.5",
                                  "slownic:3", "slownic:3:0", "slownic:-1:0.5", "slowlink:2:9:0.5",
                                  "slownic:8:0.5"])
def test_bad_injection_text_is_a_usage_error(mpi_env, text):
    p = validate(mpi_env, "--inject", text, timeout=120)
    assert p.returncode == 3, p.stdout + p.stderr
    assert f"--inject {text}" in p.stderr, p.stderr


@pytest.mark.skipif(os.environ.get("CB_TIMED_CHECKS") != "1",
                    reason="a clean run naming nobody depends on this machine's noise (CB_TIMED_CHECKS=1 runs it)")
def test_clean_run_names_nobody(mpi_env):
    p = validate(mpi_env, "--format", "json")
    assert p.returncode == 0, p.stdout + p.stderr
    j = json.loads(p.stdout)
    assert rows_of(j, "validate_culprits") == [] and status(j)["status"] == "OK"


def test_sampled_rounds_over_the_suite_clusters_topology(mpi_env):
    # rounds: K samples K perfect matchings; with the suite's cluster the pairs check takes its fat tree (switches
    # for the schedule, routes for localisation). Eight job nodes are the cluster's first eight: one leaf.
    def named(j):
        return [n.split("/")[0] for _, n in culprits(j, "pairs")] == [fabric_nodes(j)[6]]

    j, p = validate_json(mpi_env, named, "--set", "cluster=dgx-h100-ndr", "--set", "checks.0.rounds=5", "--inject",
                         "slownic:6:0.9")
    assert p.returncode == 2, p.stdout + p.stderr
    assert "topology of cluster 'DGX H100 NDR 16k': 8 node(s) under 1 leaf switch(es)" in p.stderr
    bad = fabric_nodes(j)[6]
    # Something is named, and the matrix shows node 6's pairs slow; that the node alone is named (not its access
    # link, which the one leaf's routes also explain when noise clears one of its pairs) needs a quiet machine.
    assert culprits(j, "pairs"), rows_of(j, "validate_culprits")
    rows = [x for x in rows_of(j, "validate_pairs") if x["check"] == "pairs" and not x["confirm"]]
    mine = sorted(x["value"] for x in rows if bad in (x["node_a"], x["node_b"]))
    others = sorted(x["value"] for x in rows if bad not in (x["node_a"], x["node_b"]))
    assert mine[len(mine) // 2] < 0.4 * others[len(others) // 2]
    if EXACT:
        assert [n.split("/")[0] for _, n in culprits(j, "pairs")] == [bad], rows_of(j, "validate_culprits")
    # 5 sampled rounds x 5 passes, 4 pairs each (and the confirmation's measurements besides).
    assert len([x for x in rows_of(j, "validate_pairs") if x["check"] == "pairs" and not x["confirm"]]) == 5 * 5 * 4


def test_slow_nic_of_a_multi_rail_node_is_named_as_that_nic(mpi_env):
    # --ranks-per-node 2: 8 ranks act as 4 nodes of 2 rails (rank 5 = node 2, rail 1). The pairs check sees rail 1
    # of node 2 slow with its 3 partners and rail 0 healthy: that NIC, not the node; bisection, whose groups are
    # whole nodes, names the node. With 4 nodes half of rail 1's pairs are the slow NIC's, so the rail's median
    # pair falls between slow and healthy and noise decides some pairs: CI asserts what the injection guarantees.
    def named(j):
        nodes = fabric_nodes(j)
        return (culprits(j, "pairs") == [("nic", f"{nodes[2]}/rail 1")] and
                culprits(j, "bisection") == [("node", nodes[2])])

    j, p = validate_json(mpi_env, named, "--ranks-per-node", "2", "--inject", "slownic:5:0.9")
    assert p.returncode == 2, p.stdout + p.stderr
    nodes = fabric_nodes(j)
    assert len(nodes) == 4
    assert any(name.startswith(nodes[2]) for _, name in culprits(j, "pairs")), rows_of(j, "validate_culprits")
    assert nodes[2] in [n["node"] for n in rows_of(j, "validate_nodes") if n["verdict"] == "FAIL"]
    if EXACT:
        assert culprits(j, "pairs") == [("nic", f"{nodes[2]}/rail 1")], rows_of(j, "validate_culprits")
        assert culprits(j, "bisection") == [("node", nodes[2])], rows_of(j, "validate_bisection_runs")
        # Only node 2 fails (the NIC's verdict falls on rank 5, bisection's on both of the node's ranks).
        assert [n["node"] for n in rows_of(j, "validate_nodes") if n["verdict"] == "FAIL"] == [nodes[2]]
        assert [r["rank"] for r in rows_of(j, "validate_ranks") if r["verdict"] == "FAIL"] == [4, 5]


def test_ranks_per_node_needs_nodes_rank(mpi_env):
    p = subprocess.run([MPIRUN, "-np", "2", CB, "validate", "--suite", SUITE, "--ranks-per-node", "2"],
                       capture_output=True, text=True, timeout=120, env=mpi_env)
    assert p.returncode == 3 and "--ranks-per-node 2: applies to --nodes rank" in p.stderr, p.stderr
