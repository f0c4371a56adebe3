"""Executable criteria: every operator validates, evaluates and reads as a sentence."""

import pytest

from definitions.rules import (
    MET,
    MISSED,
    UNKNOWN,
    RuleError,
    rule_evaluate,
    rule_sentence,
    rule_validate,
)


def rule(field, operator, value=None):
    return rule_validate({"field": field, "operator": operator, "value": value})


# --- validation: canonical form ----------------------------------------------------------


def test_no_rule_means_a_person_checks_it():
    assert rule_validate(None) is None
    assert rule_validate({}) is None
    assert rule_sentence(None) == "Checked by a person."
    assert rule_evaluate(None, {"industry": "Software"}) == UNKNOWN


def test_a_list_given_as_text_is_split_and_trimmed():
    assert rule("industry", "in", " Software, Retail ,,") == {
        "field": "industry",
        "operator": "in",
        "value": ["Software", "Retail"],
    }


def test_numbers_are_stored_as_numbers():
    assert rule("company_size", "at_least", "50")["value"] == 50
    assert rule("company_size", "at_most", "12.5")["value"] == 12.5
    assert rule("company_size", "between", "10, 500")["value"] == [10, 500]
    assert rule("company_size", "between", [10, 500])["value"] == [10, 500]


def test_operators_without_a_value_drop_any_value_given():
    assert rule("email", "is_present", "anything")["value"] is None
    assert rule("permission_to_follow_up", "is_true", "yes")["value"] is None


# --- validation: refusals name the problem ----------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"field": "shoe_size", "operator": "equals", "value": 1},
            "Unknown lead field “shoe_size”.",
        ),
        ({"field": "industry", "operator": "like", "value": "x"}, "Unknown operator “like”."),
        (
            {"field": "industry", "operator": "at_least", "value": "x"},
            "“is at least” does not apply to industry.",
        ),
        (
            {"field": "industry", "operator": "is_true"},
            "“is yes” does not apply to industry.",
        ),
        (
            {"field": "opted_in", "operator": "is_true"},
            "Unknown lead field “opted_in”.",
        ),
        (
            {"field": "permission_to_follow_up", "operator": "is_present"},
            "“is given” does not apply to permission to follow up.",
        ),
        (
            {"field": "company_size", "operator": "in", "value": "1,2"},
            "“is one of” does not apply to company size (employees).",
        ),
        ({"field": "industry", "operator": "in", "value": " , "}, "List at least one value"),
        ({"field": "industry", "operator": "not_in", "value": []}, "List at least one value"),
        ({"field": "company_size", "operator": "between", "value": "10"}, "Give two values"),
        ({"field": "company_size", "operator": "between", "value": "1,2,3"}, "Give two values"),
        (
            {"field": "company_size", "operator": "between", "value": "500,10"},
            "The low value of company size (employees) is above the high one.",
        ),
        (
            {"field": "seniority", "operator": "between", "value": ["vp", "manager"]},
            "The low value of seniority is above the high one.",
        ),
        ({"field": "industry", "operator": "equals", "value": ""}, "Give a value for industry."),
        ({"field": "company_size", "operator": "at_least"}, "Give a value for company size"),
        (
            {"field": "company_size", "operator": "at_least", "value": "fifty"},
            "“fifty” is not a number (company size (employees)).",
        ),
        (
            {"field": "seniority", "operator": "at_least", "value": "boss"},
            "“boss” is not a level of seniority",
        ),
        (
            {"field": "need_evidence", "operator": "in", "value": "stated, rumoured"},
            "“rumoured” is not a level of evidence of a need",
        ),
    ],
)
def test_a_bad_rule_is_refused_with_a_message_naming_the_problem(given, message):
    with pytest.raises(RuleError) as refused:
        rule_validate(given)

    assert message in str(refused.value)


@pytest.mark.parametrize("value", ["Infinity", "-inf", "NaN", "sNaN"])
def test_a_number_that_is_not_finite_is_refused_with_a_message(value):
    with pytest.raises(RuleError, match="is not a number"):
        rule_validate({"field": "company_size", "operator": "at_least", "value": value})


# --- evaluation, operator by operator ------------------------------------------------------


@pytest.mark.parametrize(
    ("the_rule", "lead", "result"),
    [
        # equals: text is compared without case or surrounding spaces
        (("industry", "equals", "Software"), {"industry": " software "}, MET),
        (("industry", "equals", "Software"), {"industry": "Retail"}, MISSED),
        (("industry", "equals", "Software"), {}, UNKNOWN),
        (("company_size", "equals", "50"), {"company_size": 50.0}, MET),
        (("company_size", "equals", "50"), {"company_size": "51"}, MISSED),
        (("seniority", "equals", "vp"), {"seniority": "vp"}, MET),
        (("seniority", "equals", "vp"), {"seniority": "director"}, MISSED),
        # in / not in
        (("industry", "in", "Software, Retail"), {"industry": "RETAIL"}, MET),
        (("industry", "in", "Software, Retail"), {"industry": "Mining"}, MISSED),
        (("industry", "in", "Software, Retail"), {"industry": ""}, UNKNOWN),
        (("seniority", "in", "vp, c_level"), {"seniority": "c_level"}, MET),
        (("industry", "not_in", "Gambling"), {"industry": "Software"}, MET),
        (("industry", "not_in", "Gambling"), {"industry": "gambling"}, MISSED),
        (("industry", "not_in", "Gambling"), {"industry": None}, UNKNOWN),
        (("seniority", "not_in", "individual"), {"seniority": "manager"}, MET),
        # at least / at most, on numbers and on ordered levels
        (("company_size", "at_least", "50"), {"company_size": 50}, MET),
        (("company_size", "at_least", "50"), {"company_size": "49"}, MISSED),
        (("company_size", "at_least", "50"), {"company_size": "fifty"}, UNKNOWN),
        (("company_size", "at_most", "50"), {"company_size": 50}, MET),
        (("company_size", "at_most", "50"), {"company_size": 51}, MISSED),
        (("seniority", "at_least", "vp"), {"seniority": "vp"}, MET),
        (("seniority", "at_least", "vp"), {"seniority": "owner"}, MET),
        (("seniority", "at_least", "vp"), {"seniority": "director"}, MISSED),
        (("seniority", "at_least", "vp"), {"seniority": "intern"}, UNKNOWN),
        (("budget_evidence", "at_least", "verified"), {"budget_evidence": "proven"}, MET),
        (("budget_evidence", "at_least", "verified"), {"budget_evidence": "stated"}, MISSED),
        (("budget_evidence", "at_least", "verified"), {"budget_evidence": "believed"}, MISSED),
        (("need_evidence", "at_most", "stated"), {"need_evidence": "none"}, MET),
        (("need_evidence", "at_most", "stated"), {"need_evidence": "verified"}, MISSED),
        # between is inclusive at both ends
        (("company_size", "between", "50,500"), {"company_size": 50}, MET),
        (("company_size", "between", "50,500"), {"company_size": 500}, MET),
        (("company_size", "between", "50,500"), {"company_size": 501}, MISSED),
        (("company_size", "between", "50,500"), {"company_size": 49}, MISSED),
        (("seniority", "between", "manager,vp"), {"seniority": "director"}, MET),
        (("seniority", "between", "manager,vp"), {"seniority": "owner"}, MISSED),
        # is true: only a real yes is met
        (("permission_to_follow_up", "is_true"), {"permission_to_follow_up": True}, MET),
        (("permission_to_follow_up", "is_true"), {"permission_to_follow_up": False}, MISSED),
        (("permission_to_follow_up", "is_true"), {"permission_to_follow_up": "yes"}, MISSED),
        (("permission_to_follow_up", "is_true"), {}, UNKNOWN),
        # is present: missing is a miss, not unknown
        (("email", "is_present"), {"email": "a@example.com"}, MET),
        (("email", "is_present"), {"email": "   "}, MISSED),
        (("email", "is_present"), {}, MISSED),
        (("company_size", "is_present"), {"company_size": 0}, MET),
    ],
)
def test_a_rule_evaluates_a_lead_to_met_missed_or_unknown(the_rule, lead, result):
    assert rule_evaluate(rule(*the_rule), lead) == result


@pytest.mark.parametrize("value", ["NaN", "sNaN", float("nan")])
def test_a_company_size_that_is_not_a_number_is_unknown_rather_than_a_crash(value):
    for operator in ("at_least", "at_most", "between", "equals"):
        the_rule = rule("company_size", operator, "10,20" if operator == "between" else "10")
        assert rule_evaluate(the_rule, {"company_size": value}) == UNKNOWN


# --- sentences -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("the_rule", "sentence"),
    [
        (("industry", "equals", "Software"), "Industry is Software."),
        (("company_size", "equals", "50"), "Company size (employees) is 50."),
        (("industry", "in", "Software, Retail"), "Industry is one of Software, Retail."),
        (("seniority", "in", "vp,c_level"), "Seniority is one of VP, C-level."),
        (("region", "not_in", "Antarctica"), "Region is none of Antarctica."),
        (("company_size", "at_least", "50"), "Company size (employees) is at least 50."),
        (("seniority", "at_most", "director"), "Seniority is at most director."),
        (
            ("budget_evidence", "at_least", "verified"),
            "Evidence of a budget is at least verified.",
        ),
        (
            ("need_evidence", "equals", "stated"),
            "Evidence of a need is stated by the prospect.",
        ),
        (
            ("company_size", "between", "50,500"),
            "Company size (employees) is between 50 and 500.",
        ),
        (("seniority", "between", "manager,vp"), "Seniority is between manager and VP."),
        (("permission_to_follow_up", "is_true"), "Permission to follow up is yes."),
        (("email", "is_present"), "E-mail address is given."),
    ],
)
def test_every_operator_reads_as_a_sentence(the_rule, sentence):
    assert rule_sentence(rule(*the_rule)) == sentence
