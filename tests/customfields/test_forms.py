"""The helper other apps use to put custom fields on their forms, and the two partials."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string

from rapport.core.errors import Invalid
from rapport.customfields.forms import add_custom_fields, apply_custom_errors, custom_values_from
from rapport.customfields.validation import FieldDef, validate_custom

OPTIONS = (("retail", "Retail"), ("b2b", "B2B"), ("gov", "Government"))
DEFS = [
    FieldDef("nickname", "Nickname", "text", False, section="Profile"),
    FieldDef("bio", "Bio", "textarea", False, section="Profile"),
    FieldDef("age", "Age", "number", False, section="Profile"),
    FieldDef("born", "Born", "date", False, section="Profile"),
    FieldDef("mail", "Private mail", "email", False, section="Contact"),
    FieldDef("site", "Site", "url", False, section="Contact"),
    FieldDef("mobile", "Mobile", "phone", False, section="Contact"),
    FieldDef("tier", "Tier", "radio", True, OPTIONS, section="Sales"),
    FieldDef("sectors", "Sectors", "checkbox", False, OPTIONS, section="Sales"),
    FieldDef("region", "Region", "dropdown", False, OPTIONS, section="Sales"),
]


class RecordForm(forms.Form):
    name = forms.CharField()


def make_form(data=None, initial=None):
    form = RecordForm(data)
    add_custom_fields(form, defs=DEFS, initial=initial or {})
    return form


def test_each_type_gets_its_widget_and_nothing_is_required_by_django():
    form = make_form()
    widgets = {name: type(f.widget).__name__ for name, f in form.fields.items()}
    assert widgets == {
        "name": "TextInput",
        "custom__nickname": "TextInput",
        "custom__bio": "Textarea",
        "custom__age": "NumberInput",
        "custom__born": "_DateInput",
        "custom__mail": "EmailInput",
        "custom__site": "URLInput",
        "custom__mobile": "_TelInput",
        "custom__tier": "RadioSelect",
        "custom__sectors": "CheckboxSelectMultiple",
        "custom__region": "Select",
    }
    assert not any(f.required for name, f in form.fields.items() if name != "name")
    html = str(form["custom__born"]) + str(form["custom__age"]) + str(form["custom__mobile"])
    assert 'type="date"' in html
    assert 'step="any"' in html
    assert 'type="tel"' in html
    assert form.fields["custom__region"].choices[0] == ("", "—")


def test_fields_are_grouped_by_section_in_order():
    form = make_form()
    assert [(name, [bf.name for bf in fields]) for name, fields in form.custom_sections] == [
        ("Profile", ["custom__nickname", "custom__bio", "custom__age", "custom__born"]),
        ("Contact", ["custom__mail", "custom__site", "custom__mobile"]),
        ("Sales", ["custom__tier", "custom__sectors", "custom__region"]),
    ]


def test_initial_values_fill_the_fields():
    form = make_form(initial={"age": 42, "sectors": ["b2b", "gov"], "born": "2001-02-03"})
    assert 'value="42"' in str(form["custom__age"])
    assert 'value="2001-02-03"' in str(form["custom__born"])
    sectors = str(form["custom__sectors"])
    assert sectors.count("checked") == 2


def test_posted_values_go_to_validate_custom_and_its_errors_come_back():
    data = {
        "name": "Ann",
        "custom__age": "abc",
        "custom__sectors": ["gov", "retail"],
        "custom__region": "mars",
        "custom__tier": "",
    }
    form = make_form(data)
    assert form.is_valid(), form.errors
    values = custom_values_from(form)
    assert values["sectors"] == ["gov", "retail"]
    assert values["region"] == "mars"
    with pytest.raises(Invalid) as caught:
        validate_custom(workspace=None, entity="contact", values=values, defs=DEFS)
    apply_custom_errors(form, caught.value)
    assert form.errors == {
        "custom__age": ["Enter a number."],
        "custom__tier": ["Tier is required."],
        "custom__region": ["Choose one of the options."],
    }


def test_valid_posted_values_are_stored_canonically():
    form = make_form({"name": "Ann", "custom__tier": "b2b", "custom__sectors": ["gov", "retail"]})
    assert form.is_valid()
    stored = validate_custom(
        workspace=None, entity="contact", values=custom_values_from(form), defs=DEFS
    )
    assert stored == {"tier": "b2b", "sectors": ["retail", "gov"]}


def test_errors_without_a_field_of_their_own_go_above_the_form():
    form = make_form({"name": "Ann"})
    form.is_valid()
    apply_custom_errors(form, Invalid("Custom values must be an object.", field="custom"))
    assert form.non_field_errors() == ["Custom values must be an object."]


def test_the_form_partial_renders_sections_and_marks_required_fields():
    html = render_to_string("customfields/partials/form_fields.html", {"form": make_form()})
    assert html.strip().startswith('<div id="custom-form-fields"')
    assert html.count('<fieldset class="cf-group">') == 3
    assert "<legend>Sales</legend>" in html
    assert 'Tier <span class="cf-required"' in html
    assert 'for="id_custom__nickname"' in html


def test_the_form_partial_is_empty_without_definitions():
    form = RecordForm()
    add_custom_fields(form, defs=[], initial={})
    assert render_to_string("customfields/partials/form_fields.html", {"form": form}).strip() == ""


def test_the_values_partial_shows_labels_dates_and_skips_empty_fields():
    values = {
        "nickname": "Annie",
        "born": "2001-02-03",
        "tier": "b2b",
        "sectors": ["gov", "retail"],
        "site": "https://example.org",
        "bio": "",
    }
    html = render_to_string("customfields/partials/values.html", {"defs": DEFS, "values": values})
    assert html.strip().startswith('<div id="custom-values"')
    assert re.search(r"<dt>Tier</dt><dd>\s*B2B\s*</dd>", html)
    assert html.index("Retail") < html.index("Government")
    assert '<time datetime="2001-02-03">Feb. 3, 2001</time>' in html
    assert 'href="https://example.org"' in html
    assert "Bio" not in html
    assert "<h3>Contact</h3>" in html
    assert "<h3>Profile</h3>" in html


def test_the_values_partial_is_omitted_without_values():
    html = render_to_string(
        "customfields/partials/values.html", {"defs": DEFS, "values": {"bio": "", "x": "y"}}
    )
    assert html.strip() == ""


def test_only_web_addresses_become_links():
    html = render_to_string(
        "customfields/partials/values.html",
        {"defs": DEFS, "values": {"site": "javascript:alert(1)"}},
    )
    assert "href" not in html
    assert "javascript:alert(1)" in html
