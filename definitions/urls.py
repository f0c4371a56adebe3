from django.urls import path

from definitions import views

app_name = "definitions"

urlpatterns = [
    path("", views.definition_list, name="list"),
    path("new/", views.definition_create, name="create"),
    path("<int:pk>/", views.definition_detail, name="detail"),
    path("<int:pk>/rule/", views.consensus_rule, name="rule"),
    path("<int:pk>/proposals/", views.proposal_list, name="proposals"),
    path("<int:pk>/proposals/new/<str:kind>/", views.proposal_create, name="proposal_create"),
    path("<int:pk>/proposals/<int:proposal_pk>/", views.proposal_detail, name="proposal"),
    path("<int:pk>/proposals/<int:proposal_pk>/vote/", views.proposal_vote, name="vote"),
    path(
        "<int:pk>/proposals/<int:proposal_pk>/<str:action>/",
        views.proposal_action,
        name="proposal_action",
    ),
    path("<int:pk>/draft/", views.draft_detail, name="draft"),
    path("<int:pk>/drafts/<int:submission_pk>/", views.submission_detail, name="submission"),
    path("<int:pk>/versions/", views.version_list, name="versions"),
    path("<int:pk>/versions/latest/", views.version_detail, {"number": "latest"}, name="latest"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path(
        "<int:pk>/versions/latest.md",
        views.version_markdown,
        {"number": "latest"},
        name="latest_md",
    ),
    path("<int:pk>/versions/<int:number>.md", views.version_markdown, name="version_md"),
    path(
        "<int:pk>/versions/latest.json",
        views.version_json,
        {"number": "latest"},
        name="latest_json",
    ),
    path("<int:pk>/versions/<int:number>.json", views.version_json, name="version_json"),
    path("<int:pk>/feed.atom", views.version_feed, name="feed"),
    path("<int:pk>/embed/", views.version_embed, name="embed"),
    path("<int:pk>/compare/", views.version_compare, name="compare"),
    path("<int:pk>/history/", views.definition_history, name="history"),
]
