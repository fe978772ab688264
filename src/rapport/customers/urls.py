from rapport.customers.views import lists, records

urlpatterns = [*lists.urlpatterns, *records.urlpatterns]
