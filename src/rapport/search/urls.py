from django.urls import path

from rapport.search import views

# Included under /w/<slug>/search/.
urlpatterns = [
    path("", views.search_page, name="search"),
    path("suggest/", views.search_suggest, name="search_suggest"),
]
