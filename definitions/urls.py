from django.urls import path

from definitions.views import definitions, drafts, proposals, versions

app_name = "definitions"

proposal = "<int:pk>/proposals/<int:proposal_pk>/"
submission = "<int:pk>/drafts/<int:submission_pk>/"

urlpatterns = [
    path("", definitions.definition_list, name="list"),
    path("new/", definitions.definition_create, name="create"),
    path("<int:pk>/", definitions.definition_detail, name="detail"),
    path("<int:pk>/rule/", definitions.consensus_rule, name="rule"),
    path("<int:pk>/history/", definitions.definition_history, name="history"),
    path("<int:pk>/proposals/", proposals.proposal_list, name="proposals"),
    path("<int:pk>/proposals/new/<str:kind>/", proposals.proposal_create, name="proposal_create"),
    path(proposal, proposals.proposal_detail, name="proposal"),
    path(f"{proposal}vote/", proposals.proposal_vote, name="vote"),
    path(f"{proposal}withdraw/", proposals.proposal_withdraw, name="proposal_withdraw"),
    path(f"{proposal}close/", proposals.proposal_close, name="proposal_close"),
    path("<int:pk>/draft/", drafts.draft_detail, name="draft"),
    path(submission, drafts.submission_detail, name="submission"),
    path(f"{submission}approve/", drafts.submission_approve, name="submission_approve"),
    path(f"{submission}send-back/", drafts.submission_send_back, name="submission_send_back"),
    path(f"{submission}publish/", drafts.submission_publish, name="submission_publish"),
    path("<int:pk>/versions/", versions.version_list, name="versions"),
    path("<int:pk>/versions/latest/", versions.version_detail, {"number": "latest"}, name="latest"),
    path("<int:pk>/versions/<int:number>/", versions.version_detail, name="version"),
    path(
        "<int:pk>/versions/latest.md",
        versions.version_markdown,
        {"number": "latest"},
        name="latest_md",
    ),
    path("<int:pk>/versions/<int:number>.md", versions.version_markdown, name="version_md"),
    path(
        "<int:pk>/versions/latest.json",
        versions.version_json,
        {"number": "latest"},
        name="latest_json",
    ),
    path("<int:pk>/versions/<int:number>.json", versions.version_json, name="version_json"),
    path("<int:pk>/feed.atom", versions.version_feed, name="feed"),
    path("<int:pk>/embed/", versions.version_embed, name="embed"),
    path("<int:pk>/compare/", versions.version_compare, name="compare"),
]
