"""The one list of states (analysis.states): codes and names from states.csv, variants derived or aliased."""

from __future__ import annotations

import pytest

from analysis import states


def test_states_csv_lists_fifty_states_and_dc_in_code_order():
    names = states.state_names()
    assert len(names) == 51
    assert list(names) == sorted(names)
    assert names["DC"] == "District of Columbia" and names["TX"] == "Texas"
    assert "PR" not in names and "US" not in names


def test_report_choices_put_the_nation_first():
    assert states.report_choices() == ("US", *states.state_codes())


@pytest.mark.parametrize(
    ("text", "code"),
    [("tx", "TX"), (" new  york ", "NY"), ("N.Y.", "NY"), ("Calif.", "CA"), ("Washington D.C.", "DC"), ("W.Va.", "WV")],
)
def test_lookup_derives_variants_and_reads_the_alias_table(text, code):
    assert states.state_lookup()[states.state_key(text)] == code


def test_every_alias_points_at_a_listed_state(tmp_path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,state,source,as_of\nOnt.,ON,x,2026-01-01\n")
    with pytest.raises(ValueError, match="'ON' is not a state"):
        states.state_lookup(None, aliases)


def test_state_name_of_the_nation_reads_as_a_phrase():
    assert states.state_name("US") == "the United States"
    assert states.state_name("WY") == "Wyoming"
