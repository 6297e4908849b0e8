from django.urls import path

from compms.interop import views

app_name = "interop"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/<slug:code>/<str:fmt>/", views.download, name="download"),
]
