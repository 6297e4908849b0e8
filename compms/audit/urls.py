from django.urls import path

from compms.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("export", views.audit_export, name="export"),
]
