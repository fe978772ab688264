from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "rapport.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self):
        from rapport.core.categories import REFERENCES

        REFERENCES["sources"].append(("customers.Contact", "source"))
        REFERENCES["labels"].append(("customers.Contact", "labels"))
        REFERENCES["labels"].append(("customers.Company", "labels"))
        REFERENCES["company-types"].append(("customers.Company", "type"))
        REFERENCES["note-types"].append(("customers.Note", "note_type"))
