from django.urls import path

from compms.privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("people/<int:person_id>/export/", views.export_page, name="export"),
    path("people/<int:person_id>/export.json", views.export_json, name="export_json"),
    path("people/<int:person_id>/anonymise/", views.anonymise, name="anonymise"),
    path("anonymisations/due/", views.due, name="due"),
]
