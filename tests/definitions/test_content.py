"""A definition's content as data: applying proposals, comparing versions, health warnings."""

import copy
from types import SimpleNamespace

from definitions.content import content_apply, content_diff, diff_is_empty, word_diff
from definitions.health import definition_health


def change(kind, target_key, payload=None, stage_key=""):
    """A stand-in for a Proposal: content_apply reads only these four attributes."""
    return SimpleNamespace(
        kind=kind, target_key=target_key, stage_key=stage_key, payload=payload or {}
    )


def stage(key, name=None, level="lead", criteria=()):
    return {
        "key": key,
        "level": level,
        "name": name or key.upper(),
        "meaning": "",
        "owner": "",
        "routing": "",
        "follow_up": "",
        "criteria": list(criteria),
    }


def criterion(key, statement=None, evidence="stated", rule=None):
    return {
        "key": key,
        "statement": statement or f"Criterion {key}",
        "guidance": "",
        "evidence": evidence,
        "rule": rule,
        "weight": 1,
    }


def ladder():
    return {
        "stages": [
            stage("inquiry", "Inquiry", "inquiry"),
            stage(
                "mql",
                "MQL",
                criteria=[criterion("contact"), criterion("asked", "Asked for more information")],
            ),
        ]
    }


def keys(content):
    return [s["key"] for s in content["stages"]]


# --- content_apply -------------------------------------------------------------------------


def test_adding_a_stage_appends_it_at_the_end_by_default():
    new, problem = content_apply(ladder(), change("add_stage", "sql", {"name": "SQL"}))

    assert problem is None
    assert keys(new) == ["inquiry", "mql", "sql"]
    assert new["stages"][-1]["name"] == "SQL"
    assert new["stages"][-1]["criteria"] == []


def test_adding_a_stage_after_another_puts_it_right_behind_that_one():
    new, _ = content_apply(
        ladder(), change("add_stage", "sal", {"name": "SAL", "after_key": "inquiry"})
    )

    assert keys(new) == ["inquiry", "sal", "mql"]


def test_applying_a_proposal_never_changes_the_content_it_was_given():
    before = ladder()
    kept = copy.deepcopy(before)

    content_apply(before, change("remove_stage", "mql"))
    content_apply(before, change("change_criterion", "asked", {"statement": "Asked twice"}))

    assert before == kept


def test_adding_a_stage_twice_is_refused_with_the_reason():
    new, problem = content_apply(ladder(), change("add_stage", "mql", {"name": "Again"}))

    assert problem == "that stage is already in the draft"
    assert new == ladder()


def test_changing_a_stage_replaces_its_fields_and_keeps_its_criteria():
    new, problem = content_apply(
        ladder(), change("change_stage", "mql", {"name": "Marketing Qualified", "level": "lead"})
    )

    assert problem is None
    assert new["stages"][1]["name"] == "Marketing Qualified"
    assert [c["key"] for c in new["stages"][1]["criteria"]] == ["contact", "asked"]


def test_removing_a_stage_removes_it_with_its_criteria():
    new, problem = content_apply(ladder(), change("remove_stage", "mql"))

    assert problem is None
    assert keys(new) == ["inquiry"]


def test_changing_or_removing_a_stage_that_is_gone_says_so():
    for kind in ("change_stage", "remove_stage"):
        new, problem = content_apply(ladder(), change(kind, "ghost", {"name": "Ghost"}))

        assert problem == "that stage is not in the draft any more"
        assert new == ladder()


def test_adding_a_criterion_appends_it_to_its_stage():
    new, problem = content_apply(
        ladder(),
        change("add_criterion", "budget", {"statement": "Has a budget"}, stage_key="inquiry"),
    )

    assert problem is None
    assert new["stages"][0]["criteria"] == [
        {
            "key": "budget",
            "statement": "Has a budget",
            "guidance": "",
            "evidence": "stated",
            "rule": None,
            "weight": 1,
        }
    ]


def test_adding_a_criterion_to_a_stage_that_is_not_there_says_so():
    new, problem = content_apply(
        ladder(), change("add_criterion", "budget", {"statement": "x"}, stage_key="ghost")
    )

    assert problem == "its stage is not in the draft"
    assert new == ladder()


def test_adding_a_criterion_that_is_already_there_says_so():
    _, problem = content_apply(
        ladder(), change("add_criterion", "asked", {"statement": "x"}, stage_key="inquiry")
    )

    assert problem == "that criterion is already in the draft"


def test_changing_a_criterion_rewrites_it_in_place():
    new, problem = content_apply(
        ladder(),
        change("change_criterion", "asked", {"statement": "Asked for a demo"}, stage_key="mql"),
    )

    assert problem is None
    assert new["stages"][1]["criteria"][1]["statement"] == "Asked for a demo"


def test_changing_a_criterion_to_another_stage_moves_it():
    new, problem = content_apply(
        ladder(),
        change("change_criterion", "asked", {"statement": "Asked"}, stage_key="inquiry"),
    )

    assert problem is None
    assert [c["key"] for c in new["stages"][0]["criteria"]] == ["asked"]
    assert [c["key"] for c in new["stages"][1]["criteria"]] == ["contact"]


def test_moving_a_criterion_to_a_stage_that_is_gone_changes_nothing():
    new, problem = content_apply(
        ladder(), change("change_criterion", "asked", {"statement": "Asked"}, stage_key="ghost")
    )

    assert problem == "the stage it moves to is not in the draft"
    assert new == ladder()


def test_removing_a_criterion_takes_it_out_of_its_stage():
    new, problem = content_apply(ladder(), change("remove_criterion", "contact"))

    assert problem is None
    assert [c["key"] for c in new["stages"][1]["criteria"]] == ["asked"]


def test_changing_or_removing_a_criterion_that_is_gone_says_so():
    for kind in ("change_criterion", "remove_criterion"):
        _, problem = content_apply(ladder(), change(kind, "ghost", {"statement": "x"}))

        assert problem == "that criterion is not in the draft any more"


def test_proposals_applied_in_a_different_order_give_a_different_draft():
    rename = change("change_stage", "mql", {"name": "Renamed"})
    remove = change("remove_stage", "mql")

    rename_first, problem_a = content_apply(content_apply(ladder(), rename)[0], remove)
    remove_first, _ = content_apply(ladder(), remove)
    _, problem_b = content_apply(remove_first, rename)

    assert problem_a is None
    assert keys(rename_first) == ["inquiry"]
    assert problem_b == "that stage is not in the draft any more"


# --- word_diff -----------------------------------------------------------------------------


def test_word_diff_marks_only_the_words_that_changed():
    assert word_diff("Contacted within 48 h", "Contacted within 24 h") == [
        ("same", "Contacted within "),
        ("del", "48"),
        ("ins", "24"),
        ("same", " h"),
    ]


def test_word_diff_of_identical_text_is_all_the_same():
    assert word_diff("Has a budget", "Has a budget") == [("same", "Has a budget")]


def test_word_diff_does_not_shred_unrelated_phrases_at_their_spaces():
    assert word_diff("Checked by a person.", "Industry is Software.") == [
        ("del", "Checked by a person."),
        ("ins", "Industry is Software."),
    ]


def test_word_diff_from_and_to_nothing():
    assert word_diff("", "New text") == [("ins", "New text")]
    assert word_diff("Old text", None) == [("del", "Old text")]
    assert word_diff(None, "") == []


# --- content_diff --------------------------------------------------------------------------


def test_a_content_compared_with_itself_has_no_changes():
    diff = content_diff(ladder(), ladder())

    assert diff_is_empty(diff)
    assert [item.change for item in diff] == ["same", "same"]


def test_content_diff_finds_stages_added_removed_and_changed():
    new = ladder()
    new["stages"][1]["follow_up"] = "Contacted within 24 h"
    new["stages"].append(stage("sql", "SQL", criteria=[criterion("need")]))
    del new["stages"][0]

    diff = content_diff(ladder(), new)

    assert [(item.key, item.change) for item in diff] == [
        ("mql", "changed"),
        ("sql", "added"),
        ("inquiry", "removed"),
    ]
    assert [(f.label, f.parts) for f in diff[0].fields] == [
        ("Follow-up", [("ins", "Contacted within 24 h")])
    ]
    assert [(c.key, c.change) for c in diff[1].criteria] == [("need", "added")]


def test_content_diff_finds_criteria_added_removed_and_changed_within_a_stage():
    new = ladder()
    new["stages"][1]["criteria"] = [
        criterion("asked", "Asked for a demo", evidence="verified"),
        criterion("budget"),
    ]

    diff = content_diff(ladder(), new)
    mql = diff[1]

    assert mql.change == "changed"
    assert [(c.key, c.change) for c in mql.criteria] == [
        ("asked", "changed"),
        ("budget", "added"),
        ("contact", "removed"),
    ]
    assert [f.label for f in mql.criteria[0].fields] == ["Statement", "Evidence standard"]
    assert mql.criteria[0].fields[0].parts == [
        ("same", "Asked for "),
        ("del", "more information"),
        ("ins", "a demo"),
    ]


def test_a_criterion_that_changes_stage_is_shown_once_as_moved():
    new = ladder()
    contact = new["stages"][1]["criteria"].pop(0)
    contact["statement"] = "Criterion contact, verified"
    new["stages"][0]["criteria"].append(contact)

    diff = content_diff(ladder(), new)

    inquiry, mql = diff
    assert (inquiry.change, mql.change) == ("changed", "same")
    [moved] = inquiry.criteria
    assert (moved.key, moved.change, moved.moved_from) == ("contact", "moved", "MQL")
    assert [f.label for f in moved.fields] == ["Statement"]
    assert [c.change for c in mql.criteria] == ["same"]  # not also "removed" here


def test_a_criterion_moved_into_a_new_stage_or_out_of_a_removed_one_is_moved():
    new = ladder()
    asked = new["stages"][1]["criteria"].pop()
    new["stages"].append(stage("sal", "SAL", criteria=[asked]))
    del new["stages"][1]
    new["stages"][0]["criteria"].append(criterion("contact"))

    diff = content_diff(ladder(), new)

    assert [(item.key, item.change) for item in diff] == [
        ("inquiry", "changed"),
        ("sal", "added"),
        ("mql", "removed"),
    ]
    assert [(c.key, c.change, c.moved_from) for c in diff[0].criteria] == [
        ("contact", "moved", "MQL")
    ]
    assert [(c.key, c.change, c.moved_from) for c in diff[1].criteria] == [
        ("asked", "moved", "MQL")
    ]
    assert diff[2].criteria == []  # both went elsewhere: nothing removed with the stage


def test_content_diff_shows_a_rule_change_as_sentences():
    rule = {"field": "company_size", "operator": "at_least", "value": 50}
    new = ladder()
    new["stages"][1]["criteria"][0]["rule"] = rule

    diff = content_diff(ladder(), new)
    (rule_change,) = diff[1].criteria[0].fields

    assert rule_change.label == "Rule"
    assert rule_change.parts == [
        ("del", "Checked by a person."),
        ("ins", "Company size (employees) is at least 50."),
    ]


# --- definition health ---------------------------------------------------------------------

VOICES = {"marketing": 3, "sales": 3}


def codes(warnings):
    return [w.code for w in warnings]


def healthy():
    return {
        "stages": [
            stage(
                "mql",
                criteria=[criterion("contact"), criterion("asked"), criterion("profile")],
            ),
            stage(
                "sql",
                level="opportunity",
                criteria=[
                    criterion(
                        "need",
                        "Has a demonstrated need",
                        rule={"field": "need_evidence", "operator": "at_least", "value": "stated"},
                    )
                ],
            ),
        ]
    }


def test_a_healthy_definition_has_no_warnings():
    assert definition_health(healthy(), eligible=VOICES, voted=VOICES) == []


def test_an_empty_definition_is_warned_only_about_missing_voices():
    assert codes(definition_health({"stages": []}, eligible={}, voted={})) == [
        "no-voice-marketing",
        "no-voice-sales",
    ]


def test_a_definition_without_a_business_need_is_warned_with_the_42_percent_statistic():
    content = healthy()
    content["stages"][1]["criteria"][0] = criterion("budget", "Has a verified budget")

    (warning,) = definition_health(content, eligible=VOICES, voted=VOICES)

    assert warning.code == "no-business-need"
    assert "42%" in warning.statistic
    assert warning.source == "MarketingSherpa lead qualification survey"


def test_a_rule_on_need_evidence_counts_as_asking_for_a_business_need():
    content = healthy()
    content["stages"][1]["criteria"][0]["statement"] = "Pain is real"

    assert "no-business-need" not in codes(
        definition_health(content, eligible=VOICES, voted=VOICES)
    )


def test_two_criteria_or_fewer_is_warned_three_is_not():
    content = healthy()
    del content["stages"][0]["criteria"][1:]

    (warning,) = definition_health(content, eligible=VOICES, voted=VOICES)

    assert warning.code == "few-criteria"
    assert warning.message == "The definition has only 2 criteria."


def test_one_criterion_is_named_in_the_singular():
    content = {"stages": [stage("sql", criteria=[criterion("need", "Has a need")])]}

    warnings = definition_health(content, eligible=VOICES, voted=VOICES)

    assert [w.message for w in warnings] == ["The definition has only 1 criterion."]


def test_an_opportunity_criterion_accepting_belief_is_warned():
    content = healthy()
    content["stages"][1]["criteria"].append(
        criterion("authority", "Influences the decision", evidence="believed")
    )

    warnings = definition_health(content, eligible=VOICES, voted=VOICES)

    assert codes(warnings) == ["weak-evidence"]
    assert "Influences the decision" in warnings[0].message
    assert warnings[0].source == "“Is it a Lead or Not?”, the think-feel-believe trap"


def test_an_opportunity_rule_accepting_less_than_stated_is_warned():
    content = healthy()
    content["stages"][1]["criteria"][0]["rule"]["value"] = "believed"

    assert codes(definition_health(content, eligible=VOICES, voted=VOICES)) == ["weak-evidence"]


def test_belief_below_the_opportunity_stage_is_not_warned():
    content = healthy()
    content["stages"][0]["criteria"][0]["evidence"] = "believed"

    assert definition_health(content, eligible=VOICES, voted=VOICES) == []


def test_a_department_nobody_from_has_voted_is_warned_once_votes_exist():
    warnings = definition_health(healthy(), eligible=VOICES, voted={"marketing": 2})

    assert codes(warnings) == ["no-voice-sales"]
    assert warnings[0].message == "Nobody from sales has voted on this definition."


def test_no_votes_at_all_is_not_yet_a_missing_voice():
    assert definition_health(healthy(), eligible=VOICES, voted={}) == []


def test_a_moved_criterion_reads_as_moved_on_the_page_and_in_the_email():
    from django.template.loader import render_to_string

    new = ladder()
    new["stages"][0]["criteria"].append(new["stages"][1]["criteria"].pop(0))
    diff = content_diff(ladder(), new)

    page = render_to_string("definitions/_diff.html", {"diff": diff, "unchanged": False})
    assert "Criterion moved</span> Criterion contact" in page
    assert "(from MQL)" in page
    assert "Criterion removed" not in page
    mail = render_to_string(
        "definitions/email/version_published.txt",
        {"diff": diff, "unchanged": False, "version": None, "definition": None},
    )
    assert "Criterion moved: Criterion contact (from MQL)" in mail
