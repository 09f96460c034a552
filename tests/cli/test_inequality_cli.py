"""``regcoord inequality``: JSON records checked against the library, bad input exits 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.measure._validation import from_panel
from regcoord.measure.inequality import gini, inequality
from regcoord.measure.inference import permutation_test

runner = CliRunner()

BASE_KEYS = {
    "year", "n", "cv", "williamson_cv", "gini", "theil_t", "theil_l", "atkinson", "max_min_ratio", "quantile_ratio",
}  # fmt: skip
GROUP_KEYS = {
    "groups", "theil_t_between", "theil_t_within", "theil_t_between_share", "theil_l_between", "theil_l_within",
    "gini_between", "gini_within", "gini_overlap",
}  # fmt: skip


def _json(args):
    result = runner.invoke(app, ["inequality", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_mexico_records_match_pysal_and_library(mexico_panel):
    records = _json(["mexico", "--value", "pcgdp", "--group", "hanson98"])
    assert [r["year"] for r in records] == list(range(1940, 2001, 10))
    assert set(records[0]) == BASE_KEYS | GROUP_KEYS
    assert set(records[0]["atkinson"]) == {"0.5", "1.0", "2.0"}
    # PySAL TheilD documented values (Mexico, hanson98)
    assert records[0]["theil_t"] == pytest.approx(0.20894344, abs=5e-9)
    assert records[0]["theil_t_between"] == pytest.approx(0.0345889, abs=5e-8)
    m = mexico_panel.matrix("pcgdp")
    assert [r["gini"] for r in records] == pytest.approx(gini(m).values.tolist(), rel=1e-14)
    for r in records:
        assert r["gini_within"] + r["gini_between"] + r["gini_overlap"] == pytest.approx(r["gini"], rel=1e-10)
        assert r["theil_l_between"] + r["theil_l_within"] == pytest.approx(r["theil_l"], rel=1e-10)


def test_china_weighted_one_year(china_panel):
    records = _json(["china", "--value", "gdp_per_capita", "--weight", "population", "--year", "2023"])
    assert len(records) == 1 and records[0]["year"] == 2023 and records[0]["n"] == 31
    v, w = from_panel(china_panel, "gdp_per_capita", weight="population", years=[2023])
    expected = inequality(v, weights=w)
    assert records[0]["gini"] == pytest.approx(expected.gini[0], rel=1e-14)
    assert records[0]["williamson_cv"] == pytest.approx(expected.williamson_cv[0], rel=1e-14)
    assert records[0]["atkinson"]["2.0"] == pytest.approx(expected.atkinson[2.0][0], rel=1e-14)
    # without --weight every region weighs the same
    plain = _json(["china", "--value", "gdp_per_capita", "--year", "2023"])
    assert plain[0]["gini"] == pytest.approx(inequality(v).gini[0], rel=1e-14)
    assert plain[0]["gini"] != pytest.approx(records[0]["gini"])


def test_permutations_and_bootstrap_are_seeded(mexico_panel):
    args = ["mexico", "--group", "hanson98", "--permutations", "99", "--bootstrap", "30", "--seed", "4"]
    a, b = _json(args), _json(args)
    assert a == b
    m = mexico_panel.matrix("pcgdp")
    lib = permutation_test(m, mexico_panel.group_labels("hanson98", m.regions), permutations=99, seed=4)
    assert [r["between_share_p_value"] for r in a] == pytest.approx(lib.p_value.tolist())
    ci = a[0]["ci"]
    assert set(ci) == {
        "cv",
        "williamson_cv",
        "gini",
        "theil_t",
        "theil_l",
        "max_min_ratio",
        "quantile_ratio",
        "atkinson",
    }
    assert set(ci["atkinson"]) == {"0.5", "1.0", "2.0"}
    lo, hi = ci["gini"]
    assert lo <= hi and a[0]["ci_level"] == 0.95


def test_tables_without_json():
    result = runner.invoke(app, ["inequality", "mexico", "--group", "hanson98", "--year", "2000"])
    assert result.exit_code == 0, result.stderr
    assert "Gini" in result.stdout and "2000" in result.stdout and "Dagum" in result.stdout


def _write(tmp_path, rows):
    path = tmp_path / "panel.csv"
    path.write_text("region,year,gdp_pc\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_file_input_and_missing_values(tmp_path):
    path = _write(tmp_path, ["A,2020,1", "B,2020,2", "C,2020,4", "A,2021,2", "B,2021,", "C,2021,8"])
    bad = runner.invoke(app, ["inequality", path, "--value", "gdp_pc", "--json"])
    assert bad.exit_code == 2 and "missing" in bad.stderr and bad.stdout == ""
    records = _json([path, "--value", "gdp_pc", "--allow-missing"])
    assert [r["n"] for r in records] == [3, 2]
    # hand calculation, 2020: x = (1, 2, 4), G = 2 (1 + 3 + 2) / (2 * 9 * 7/3) = 2/7; 2021: (2, 8): G = 0.3
    assert records[0]["gini"] == pytest.approx(2 / 7)
    assert records[1]["gini"] == pytest.approx(2 * 6 / (2 * 4 * 5))


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope.csv", "--value", "x"], "not found"),
        (["mexico", "--value", "nope"], "unknown indicator"),
        (["mexico", "--group", "nope"], "no region attribute"),
        (["mexico", "--permutations", "9"], "--group"),
        (["mexico", "--year", "1945"], "1945"),
        (["mexico", "--weight", "pcgdp", "--bootstrap", "5", "--ci", "2"], "confidence"),
    ],
)
def test_bad_input_exits_2(args, message):
    result = runner.invoke(app, ["inequality", *args, "--json"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_non_positive_values_exit_2(tmp_path):
    path = _write(tmp_path, ["A,2020,1", "B,2020,-2", "C,2020,4"])
    result = runner.invoke(app, ["inequality", path, "--value", "gdp_pc"])
    assert result.exit_code == 2
    assert "region B" in result.stderr and "Traceback" not in result.output


def test_allow_missing_lists_what_it_dropped(tmp_path):
    # a blank cell (row 3 of the file) and a region absent in a year are both listed on stderr;
    # the JSON on stdout then covers the regions present each year
    path = tmp_path / "gap.csv"
    path.write_text(
        "region,year,gdp,pop\n11,2020,10,2\n12,2020,,3\n13,2020,30,4\n11,2021,12,2\n12,2021,25,3\n"
        "13,2021,33,4\n14,2021,40,1\n"
    )
    without = runner.invoke(app, ["inequality", str(path), "--value", "gdp"])
    assert without.exit_code == 2 and "row 3" in without.stderr
    res = runner.invoke(app, ["inequality", str(path), "--value", "gdp", "--allow-missing", "--json"])
    assert res.exit_code == 0, res.stderr
    assert "row 3: 12 2020 gdp: missing value" in res.stderr
    assert "region 14 in 2020: no gdp" in res.stderr
    records = json.loads(res.stdout)
    assert [(r["year"], r["n"]) for r in records] == [(2020, 2), (2021, 4)]
    # hand check, 2020: values 10 and 30, mean 20; ordered pairs sum 2 * 20 = 40; G = 40 / (2 * 2^2 * 20) = 0.25
    assert records[0]["gini"] == pytest.approx(0.25)


def test_family_records(mexico_panel):
    """--family: GE members equal the Theil/CV indices of the same record; decompositions add up."""
    from inequality.wolfson import wolfson as pysal_wolfson

    records = _json(["mexico", "--value", "pcgdp", "--group", "hanson98", "--family"])
    r = records[0]
    assert set(r["ge"]) == {"-1.0", "0.0", "1.0", "2.0"}
    assert r["ge"]["1.0"] == pytest.approx(r["theil_t"], rel=1e-12)
    assert r["ge"]["0.0"] == pytest.approx(r["theil_l"], rel=1e-12)
    assert r["ge"]["2.0"] == pytest.approx(r["cv"] ** 2 / 2, rel=1e-12)
    assert r["ge_decomposition"]["1.0"]["between"] == pytest.approx(r["theil_t_between"], rel=1e-10)
    for a, d in r["ge_decomposition"].items():
        assert d["between"] + d["within"] == pytest.approx(r["ge"][a], rel=1e-10)
        assert d["elmo_share"] >= d["between_share"]
    m = mexico_panel.matrix("pcgdp")
    assert r["wolfson"] == pytest.approx(2 * float(pysal_wolfson(m.values[0])), rel=1e-10)


def test_unseeded_run_prints_its_seed_and_can_be_repeated():
    import re

    args = [
        "inequality",
        "mexico",
        "--value",
        "pcgdp",
        "--group",
        "hanson98",
        "--permutations",
        "19",
        "--json",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    m = re.search(r"seed 随机种子: (\d+)", first.stderr)
    assert m, first.stderr
    seed = int(m.group(1))
    records = json.loads(first.stdout)
    assert all(r["seed"] == seed for r in records)
    again = json.loads(runner.invoke(app, [*args, "--seed", str(seed)]).stdout)
    assert [r["between_share_p_value"] for r in again] == [r["between_share_p_value"] for r in records]
    # with --json and without --progress nothing else goes to stderr (no progress bar)
    assert first.stderr.strip().count("\n") == 0


def test_progress_flag_is_accepted_with_json():
    res = runner.invoke(
        app,
        [
            "inequality",
            "mexico",
            "--value",
            "pcgdp",
            "--bootstrap",
            "9",
            "--seed",
            "1",
            "--json",
            "--progress",
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)[0]["seed"] == 1
