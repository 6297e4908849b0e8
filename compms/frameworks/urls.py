from django.urls import path

from compms.frameworks import views

app_name = "frameworks"

# A competency is addressed by its uuid (stable across versions; what the pages link to) or its code.
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("search", views.search, name="search"),
    path("<slug:code>/", views.framework_detail, name="framework"),
    path("<slug:code>/compare", views.compare, name="compare"),
    path("<slug:code>/versions/new/", views.version_new, name="version_new"),
    path("<slug:code>/v<int:number>/publish/", views.version_publish, name="version_publish"),
    path("<slug:code>/v<int:number>/retire/", views.version_retire, name="version_retire"),
    path("<slug:code>/v<int:number>/new-competency/", views.competency_create, name="competency_create"),
    path("<slug:code>/v<int:number>/c/<str:ref>/", views.competency_detail, name="competency"),
    path("<slug:code>/v<int:number>/c/<str:ref>/edit/", views.competency_edit, name="competency_edit"),
    path("<slug:code>/v<int:number>/c/<str:ref>/delete/", views.competency_delete, name="competency_delete"),
    path("<slug:code>/v<int:number>/c/<str:ref>/relations/", views.relation_add, name="relation_add"),
    path("<slug:code>/v<int:number>/c/<str:ref>/relations/<int:relation_id>/remove/", views.relation_remove,
         name="relation_remove"),
]
