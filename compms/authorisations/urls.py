from django.urls import path

from compms.authorisations import views

app_name = "authorisations"

urlpatterns = [
    path("", views.index, name="index"),
    path("grants/<int:grant_id>/change/", views.change_grant, name="change_grant"),
    # Before "<slug:code>/", which would otherwise take "report" as an authorisation code.
    path("report/", views.assurance_report, name="report"),
    path("<slug:code>/", views.detail, name="detail"),
]
