"""The hooks: how the domain apps put their part into the pages every app shares.

Why by name. accounts is the shell: sign-in, the home page ("What needs me"), the navigation,
the demo data. Those pages show work from every app, yet accounts must import no domain app
(`tests/test_architecture.py` checks it), or the apps could no longer be read, tested or
removed one at a time: every app depends on accounts for its users. So accounts calls each
app up by its name, listed in CONTRIBUTING_APPS, and asks for a module and a function that
may or may not be there; `hooks()` yields the ones it finds. definitions asks the same way
for the warnings the later apps raise about a definition (it must not import them either).

The hooks, and what each promises (all optional; an app defines only what it contributes):

  <app>.selectors.home_sections(user) -> list[dict]
      The app's kinds of pending work for `user` on the home page. Each is either
      {"template": "<app>/_home_<x>.html", ...data}: the home page includes that partial
      with the data (the app's own template holds its id, heading, wording and empty state),
      or the generic card {"id": DOM id, "title": heading, "items": list of
      {"label", "url", "detail"}, "empty": the sentence shown when nothing is waiting}.
      Prefer the partial: the selector then returns data only (objects, counts, dates) and
      the wording, dates' format and links stay in the template, as definitions, meetings
      and feedback do. A section the user's role never has stays out of the list. Reads
      only, cheap and flat (the home page calls every app on every visit; the objects a
      partial touches come with their relations already selected).
  <app>.navigation.nav_items(user) -> list[tuple[key, url, label]]
      The app's entries in the main navigation, only those `user` may open; `key` is the
      stable name tests and styles use (data-nav), `url` a reversed URL.
  <app>.demo.seed(people: dict[str, User]) -> str
      Demo data for `manage.py seed_demo`, for the demo people keyed by role; idempotent
      (a second run changes nothing); returns a one-line summary printed after seeding.
  <app>.health.definition_warnings(definition, in_force=None) -> list[definitions.health.Warning]
      What the app sees wrong with a definition (e.g. reasons rejected leads are given that
      no criterion states), shown on the definition page. `in_force`, when the caller has
      read it, is (the version in force now, its content): the app need not read it again.
  <app>.impact.draft_impact(definition, content) -> object
      What a submitted draft (`content`, frozen) would change, for the approval page: an
      object with `cycle`, `latest`, `total`, `rows` (per stage: level, name, now, draft,
      delta) and `changed` (the rows that move). The first app that answers is shown.
  <app>.origins.proposal_sources(proposal, user) -> list[dict]
      What the app knows a proposal came from (meetings: the answers it was made from), for
      the proposal's page: each {"template": "<app>/_proposal_<x>.html", ...data}, included
      with the dict as `source`. Only what `user` may see; none when the app knows nothing.

An app contributes a section (or a navigation entry, demo data, a warning) by writing the
function in the module named above and adding its name to CONTRIBUTING_APPS, in the order
its sections should appear. Nothing else registers it; removing the name removes the app
from the shared pages. The numbers pages are listed by their package, numbers_app.
"""

from importlib import import_module
from importlib.util import find_spec

CONTRIBUTING_APPS = ("definitions", "meetings", "feedback", "numbers_app")


def hooks(module_name: str, function_name: str):
    """Yield each app's `function_name` from `<app>.<module_name>`, where it exists."""
    for app in CONTRIBUTING_APPS:
        if find_spec(f"{app}.{module_name}") is None:
            continue
        function = getattr(import_module(f"{app}.{module_name}"), function_name, None)
        if function is not None:
            yield function
