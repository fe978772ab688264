"""Writes to custom field definitions: keys, sections, options, deleting with the values
records hold, and who may do it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.core.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.core.models import Activity
from rapport.customers.models import Contact
from rapport.customfields import selectors, services
from rapport.customfields.models import CustomField, CustomOption, CustomSection
from rapport.customfields.services._common import KEY, _key_base
from tests.customfields.factories import RETAIL_B2B_GOV, make_company, make_contact, make_field

pytestmark = pytest.mark.django_db


def _options(field) -> list[tuple[str, str]]:
    return list(
        CustomOption.objects.filter(field=field).order_by("position").values_list("value", "label")
    )


class TestKeys:
    @pytest.mark.parametrize(
        ("label", "key"),
        [
            ("Industry", "industry"),
            ("Date of birth", "date_of_birth"),
            ("  VAT -- number__x  ", "vat_number_x"),
            ("2024 budget", "field_2024_budget"),
            ("Ünïcödé name", "unicode_name"),
            ("???", "field"),
            ("Как дела", "field"),
            ("A" * 80, "a" * 40),
        ],
    )
    def test_the_key_is_a_slug_of_the_label(self, workspace, label, key):
        assert make_field(workspace, label).key == key

    @given(st.text(min_size=1, max_size=80))
    @settings(max_examples=300, deadline=None)
    def test_every_generated_key_has_the_safe_shape(self, label):
        key = _key_base(label)
        assert KEY.match(key)
        assert "__" not in key
        assert len(key) <= 40

    def test_keys_are_unique_per_workspace_and_entity(self, workspace, other_workspace):
        assert make_field(workspace, "Industry").key == "industry"
        assert make_field(workspace, "industry!").key == "industry_2"
        assert make_field(workspace, "Industry").key == "industry_3"
        assert make_field(workspace, "Industry", entity="company").key == "industry"
        assert make_field(other_workspace, "Industry").key == "industry"

    def test_an_explicit_key_is_checked_and_must_be_free(self, workspace, owner):
        create = services.field_create
        field = create(
            workspace=workspace, actor=owner, entity="contact", label="A", type="text", key="erp_id"
        )
        assert field.key == "erp_id"
        for bad in ["ERP", "9lives", "a__b", "a-b", "", "x" * 51]:
            with pytest.raises(Invalid) as caught:
                create(
                    workspace=workspace,
                    actor=owner,
                    entity="contact",
                    label="B",
                    type="text",
                    key=bad,
                )
            assert caught.value.field == "key"
        with pytest.raises(Conflict) as caught:
            create(
                workspace=workspace,
                actor=owner,
                entity="contact",
                label="C",
                type="text",
                key="erp_id",
            )
        assert caught.value.field == "key"

    def test_renaming_keeps_the_key_and_the_data(self, workspace, owner):
        field = make_field(workspace, "Industry")
        contact = make_contact(workspace, {"industry": "Shipping"})
        services.field_update(
            workspace=workspace, actor=owner, field_id=field.pk, label="Sector of trade"
        )
        field.refresh_from_db()
        contact.refresh_from_db()
        assert (field.label, field.key) == ("Sector of trade", "industry")
        assert contact.custom == {"industry": "Shipping"}
        activity = Activity.objects.get(verb="customfield.updated")
        assert activity.changes == {"label": ["Industry", "Sector of trade"]}


class TestFields:
    def test_a_field_goes_to_the_end_of_its_section(self, workspace):
        a = make_field(workspace, "A", section="Profile")
        b = make_field(workspace, "B", section="Profile")
        c = make_field(workspace, "C", section="Other")
        assert (a.position, b.position, c.position) == (0, 1, 0)
        assert a.section_id == b.section_id != c.section_id

    def test_without_a_section_the_first_one_is_used_or_details_made(self, workspace):
        first = make_field(workspace, "A")
        assert first.section.name == "Details"
        services.section_create(
            workspace=workspace, actor=workspace.owner_membership, entity="contact", name="Later"
        )
        assert make_field(workspace, "B").section_id == first.section_id

    def test_a_section_of_another_workspace_or_entity_is_refused(
        self, workspace, owner, other_workspace
    ):
        theirs = make_field(other_workspace, "X").section
        company = make_field(workspace, "Y", entity="company").section
        for section in (theirs, company):
            with pytest.raises(Invalid) as caught:
                services.field_create(
                    workspace=workspace,
                    actor=owner,
                    entity="contact",
                    label="Z",
                    type="text",
                    section_id=section.pk,
                )
            assert caught.value.field == "section"

    def test_bad_input_names_its_field(self, workspace, owner):
        attempts = {
            "entity": dict(entity="deal", label="A", type="text"),
            "label": dict(entity="contact", label="  ", type="text"),
            "type": dict(entity="contact", label="A", type="colour"),
            "required": dict(entity="contact", label="A", type="text", required="yes"),
            "options": dict(entity="contact", label="A", type="text", options=[{"label": "x"}]),
            "options.0.label": dict(entity="contact", label="A", type="radio", options=[{}]),
        }
        for field, kwargs in attempts.items():
            with pytest.raises(Invalid) as caught:
                services.field_create(workspace=workspace, actor=owner, **kwargs)
            assert caught.value.field == field
        assert not CustomField.objects.exists()

    def test_the_type_cannot_change(self, workspace, owner):
        field = make_field(workspace, "Age", "number")
        with pytest.raises(Invalid) as caught:
            services.field_update(workspace=workspace, actor=owner, field_id=field.pk, type="text")
        assert caught.value.field == "type"
        same = services.field_update(
            workspace=workspace, actor=owner, field_id=field.pk, type="number", required=True
        )
        assert (same.type, same.required) == ("number", True)

    def test_moving_to_another_section_appends_and_closes_the_gap(self, workspace, owner):
        a = make_field(workspace, "A", section="One")
        b = make_field(workspace, "B", section="One")
        make_field(workspace, "C", section="Two")
        services.field_update(workspace=workspace, actor=owner, field_id=a.pk, section_name="Two")
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.section.name, a.position, b.position) == ("Two", 1, 0)
        services.field_update(workspace=workspace, actor=owner, field_id=a.pk, section_name="New")
        assert CustomSection.objects.filter(workspace=workspace, name="New").exists()

    def test_fields_move_up_and_down_within_their_section(self, workspace, owner):
        a, b, c = (make_field(workspace, n) for n in "ABC")
        services.field_move(workspace=workspace, actor=owner, field_id=c.pk, offset=-1)
        order = [f.key for f in selectors.field_list(workspace=workspace)]
        assert order == ["a", "c", "b"]
        services.field_move(workspace=workspace, actor=owner, field_id=a.pk, offset=-1)
        assert [f.key for f in selectors.field_list(workspace=workspace)] == ["a", "c", "b"]

    def test_a_reorder_must_name_each_field_once(self, workspace, owner):
        a, b = make_field(workspace, "A"), make_field(workspace, "B")
        with pytest.raises(Invalid):
            services.field_reorder(
                workspace=workspace, actor=owner, section_id=a.section_id, ids=[a.pk, a.pk]
            )
        rows = services.field_reorder(
            workspace=workspace, actor=owner, section_id=a.section_id, ids=[b.pk, a.pk]
        )
        assert [(r.pk, r.position) for r in rows] == [(b.pk, 0), (a.pk, 1)]


class TestDeletingAField:
    def test_values_in_use_need_confirmation_with_the_count(self, workspace, owner):
        field = make_field(workspace, "Industry")
        make_contact(workspace, {"industry": "Shipping"})
        make_contact(workspace, {"industry": "Retail"})
        make_contact(workspace, {})
        with pytest.raises(services.InUse) as caught:
            services.field_delete(workspace=workspace, actor=owner, field_id=field.pk)
        assert caught.value.code == "in_use"
        assert caught.value.status == 409
        assert caught.value.count == 2
        assert caught.value.message == (
            "2 contacts hold a value in Industry; delete the field and clear them?"
        )
        assert CustomField.objects.filter(pk=field.pk).exists()

    def test_confirmed_delete_clears_exactly_that_key(self, workspace, owner, other_workspace):
        field = make_field(workspace, "Industry")
        make_field(workspace, "Notes")
        make_field(workspace, "Industry", entity="company")
        make_field(other_workspace, "Industry")
        held = make_contact(workspace, {"industry": "Shipping", "notes": "keep"})
        company = make_company(workspace, {"industry": "Steel"})
        theirs = make_contact(other_workspace, {"industry": "Theirs"})
        cleared = services.field_delete(
            workspace=workspace, actor=owner, field_id=field.pk, confirm=True
        )
        assert cleared == 1
        held.refresh_from_db()
        company.refresh_from_db()
        theirs.refresh_from_db()
        assert held.custom == {"notes": "keep"}
        assert held.version == 2
        assert company.custom == {"industry": "Steel"}
        assert theirs.custom == {"industry": "Theirs"}
        assert not CustomField.objects.filter(pk=field.pk).exists()
        activity = Activity.objects.get(verb="customfield.deleted")
        assert activity.changes == {"values_cleared": [1, 0]}

    def test_a_field_nobody_uses_is_deleted_without_confirmation(self, workspace, owner):
        a, b = make_field(workspace, "A"), make_field(workspace, "B")
        assert services.field_delete(workspace=workspace, actor=owner, field_id=a.pk) == 0
        b.refresh_from_db()
        assert b.position == 0

    def test_company_counts_speak_of_companies(self, workspace, owner):
        field = make_field(workspace, "Size", "number", entity="company")
        make_company(workspace, {"size": 10})
        with pytest.raises(services.InUse) as caught:
            services.field_delete(workspace=workspace, actor=owner, field_id=field.pk)
        assert caught.value.message == (
            "1 company holds a value in Size; delete the field and clear it?"
        )


class TestOptions:
    def test_values_are_made_from_labels_and_kept_on_rename(self, workspace, owner):
        field = make_field(workspace, "Sector", "radio", options=[{"label": "Retail"}])
        second = services.option_create(
            workspace=workspace, actor=owner, field_id=field.pk, label="Retail!"
        )
        explicit = services.option_create(
            workspace=workspace, actor=owner, field_id=field.pk, label="B2B", value=" B2B "
        )
        assert (second.value, explicit.value) == ("retail-2", "b2b")
        services.option_update(
            workspace=workspace, actor=owner, field_id=field.pk, value="b2b", label="Business"
        )
        assert _options(field) == [
            ("retail", "Retail"),
            ("retail-2", "Retail!"),
            ("b2b", "Business"),
        ]

    def test_option_values_are_unique_and_well_formed(self, workspace, owner):
        field = make_field(workspace, "Sector", "dropdown", options=RETAIL_B2B_GOV)
        with pytest.raises(Conflict):
            services.option_create(
                workspace=workspace, actor=owner, field_id=field.pk, label="X", value="gov"
            )
        with pytest.raises(Invalid) as caught:
            services.option_create(
                workspace=workspace, actor=owner, field_id=field.pk, label="X", value="a b"
            )
        assert caught.value.field == "value"
        with pytest.raises(Conflict):
            make_field(workspace, "Twice", "radio", options=[{"value": "a", "label": "A"}] * 2)

    def test_only_choice_fields_have_options(self, workspace, owner):
        field = make_field(workspace, "Notes")
        with pytest.raises(Invalid) as caught:
            services.option_create(workspace=workspace, actor=owner, field_id=field.pk, label="X")
        assert caught.value.field == "options"

    def test_an_unknown_option_is_not_found(self, workspace, owner):
        field = make_field(workspace, "Sector", "radio", options=RETAIL_B2B_GOV)
        for value in ["nope", "RETAIL", "\x00", "a" * 500]:
            with pytest.raises(NotFound):
                services.option_update(
                    workspace=workspace, actor=owner, field_id=field.pk, value=value, label="X"
                )

    def test_options_reorder_and_move(self, workspace, owner):
        field = make_field(workspace, "Sector", "checkbox", options=RETAIL_B2B_GOV)
        services.option_move(
            workspace=workspace, actor=owner, field_id=field.pk, value="gov", offset=-1
        )
        assert [v for v, _label in _options(field)] == ["retail", "gov", "b2b"]
        with pytest.raises(Invalid):
            services.option_reorder(
                workspace=workspace, actor=owner, field_id=field.pk, values=["gov"]
            )

    @pytest.mark.parametrize("type", ["radio", "dropdown"])
    def test_deleting_a_chosen_single_option_counts_and_clears(self, workspace, owner, type):
        field = make_field(workspace, "Sector", type, options=RETAIL_B2B_GOV)
        make_field(workspace, "Notes")
        chose = make_contact(workspace, {"sector": "retail", "notes": "n"})
        other = make_contact(workspace, {"sector": "b2b"})
        with pytest.raises(services.InUse) as caught:
            services.option_delete(
                workspace=workspace, actor=owner, field_id=field.pk, value="retail"
            )
        assert caught.value.count == 1
        assert caught.value.message == (
            "1 contact has Retail chosen; delete the option and clear it?"
        )
        cleared = services.option_delete(
            workspace=workspace, actor=owner, field_id=field.pk, value="retail", confirm=True
        )
        assert cleared == 1
        chose.refresh_from_db()
        other.refresh_from_db()
        assert chose.custom == {"notes": "n"}
        assert other.custom == {"sector": "b2b"}
        assert [v for v, _label in _options(field)] == ["b2b", "gov"]

    def test_deleting_a_checked_option_removes_it_from_each_list(
        self, workspace, owner, other_workspace
    ):
        options = [*RETAIL_B2B_GOV, {"value": "b2b-plus", "label": "B2B+"}]
        field = make_field(workspace, "Sector", "checkbox", options=options)
        make_field(other_workspace, "Sector", "checkbox", options=options)
        both = make_contact(workspace, {"sector": ["retail", "b2b"]})
        only = make_contact(workspace, {"sector": ["b2b"]})
        lookalike = make_contact(workspace, {"sector": ["b2b-plus", "gov"]})
        theirs = make_contact(other_workspace, {"sector": ["b2b"]})
        with pytest.raises(services.InUse) as caught:
            services.option_delete(workspace=workspace, actor=owner, field_id=field.pk, value="b2b")
        assert caught.value.count == 2
        assert caught.value.message == (
            "2 contacts have B2B chosen; delete the option and clear them?"
        )
        cleared = services.option_delete(
            workspace=workspace, actor=owner, field_id=field.pk, value="b2b", confirm=True
        )
        assert cleared == 2
        for contact in (both, only, lookalike, theirs):
            contact.refresh_from_db()
        assert both.custom == {"sector": ["retail"]}
        assert only.custom == {}
        assert (both.version, only.version) == (2, 2)
        assert lookalike.custom == {"sector": ["b2b-plus", "gov"]}
        assert lookalike.version == 1
        assert theirs.custom == {"sector": ["b2b"]}

    def test_checkbox_cleaning_walks_more_than_one_batch(self, workspace, owner, monkeypatch):
        from rapport.customfields.services import options as option_services

        monkeypatch.setattr(option_services, "BATCH", 3)
        field = make_field(workspace, "Sector", "checkbox", options=RETAIL_B2B_GOV)
        Contact.objects.bulk_create(
            [Contact(workspace=workspace, custom={"sector": ["retail", "gov"]}) for _ in range(8)]
        )
        cleared = services.option_delete(
            workspace=workspace, actor=owner, field_id=field.pk, value="gov", confirm=True
        )
        assert cleared == 8
        assert list(Contact.objects.values_list("custom", flat=True).distinct()) == [
            {"sector": ["retail"]}
        ]


class TestSections:
    def test_section_names_are_unique_per_entity(self, workspace, owner):
        create = services.section_create
        create(workspace=workspace, actor=owner, entity="contact", name="Profile")
        create(workspace=workspace, actor=owner, entity="company", name="Profile")
        with pytest.raises(Conflict) as caught:
            create(workspace=workspace, actor=owner, entity="contact", name="Profile")
        assert caught.value.field == "name"

    def test_only_an_empty_section_can_be_deleted(self, workspace, owner):
        field = make_field(workspace, "A", section="Profile")
        make_field(workspace, "B", section="Profile")
        later = make_field(workspace, "C", section="Later").section
        with pytest.raises(Conflict) as caught:
            services.section_delete(workspace=workspace, actor=owner, section_id=field.section_id)
        assert caught.value.message == "Profile still holds 2 fields: move or delete them first."
        services.field_update(
            workspace=workspace, actor=owner, field_id=field.pk, section_id=later.pk
        )
        services.field_delete(workspace=workspace, actor=owner, field_id=field.pk)
        services.field_update(
            workspace=workspace,
            actor=owner,
            field_id=CustomField.objects.get(key="b").pk,
            section_id=later.pk,
        )
        services.section_delete(workspace=workspace, actor=owner, section_id=field.section_id)
        later.refresh_from_db()
        assert later.position == 0

    def test_sections_rename_and_reorder(self, workspace, owner):
        one = make_field(workspace, "A", section="One").section
        two = make_field(workspace, "B", section="Two").section
        services.section_update(workspace=workspace, actor=owner, section_id=one.pk, name="First")
        services.section_move(workspace=workspace, actor=owner, section_id=two.pk, offset=-1)
        names = [s.name for s in selectors.section_list(workspace=workspace, entity="contact")]
        assert names == ["Two", "First"]
        verbs = set(Activity.objects.values_list("verb", flat=True))
        assert {"customfield.section_updated", "customfield.sections_reordered"} <= verbs


class TestPermissions:
    def test_members_may_not_write_definitions(self, workspace, member):
        field = make_field(workspace, "Sector", "radio", options=RETAIL_B2B_GOV)
        ws, sid = workspace, field.section_id
        attempts = [
            lambda: services.section_create(workspace=ws, actor=member, entity="contact", name="X"),
            lambda: services.section_update(workspace=ws, actor=member, section_id=sid, name="X"),
            lambda: services.section_delete(workspace=ws, actor=member, section_id=sid),
            lambda: services.section_move(workspace=ws, actor=member, section_id=sid, offset=1),
            lambda: services.field_create(
                workspace=ws, actor=member, entity="contact", label="X", type="text"
            ),
            lambda: services.field_update(workspace=ws, actor=member, field_id=field.pk, label="X"),
            lambda: services.field_delete(
                workspace=ws, actor=member, field_id=field.pk, confirm=True
            ),
            lambda: services.field_move(workspace=ws, actor=member, field_id=field.pk, offset=1),
            lambda: services.option_create(
                workspace=ws, actor=member, field_id=field.pk, label="X"
            ),
            lambda: services.option_update(
                workspace=ws, actor=member, field_id=field.pk, value="gov", label="X"
            ),
            lambda: services.option_delete(
                workspace=ws, actor=member, field_id=field.pk, value="gov", confirm=True
            ),
            lambda: services.option_move(
                workspace=ws, actor=member, field_id=field.pk, value="gov", offset=1
            ),
        ]
        for attempt in attempts:
            with pytest.raises(Forbidden):
                attempt()
        assert CustomField.objects.get().label == "Sector"
        assert len(_options(field)) == 3

    def test_members_may_read_definitions(self, workspace, member):
        make_field(workspace, "Sector", "radio", options=RETAIL_B2B_GOV)
        fields = list(selectors.field_list(workspace=member.workspace))
        assert [f.key for f in fields] == ["sector"]

    def test_another_workspaces_field_is_not_found(self, workspace, owner, other_workspace):
        theirs = make_field(other_workspace, "Sector", "radio", options=RETAIL_B2B_GOV)
        with pytest.raises(NotFound):
            services.field_update(workspace=workspace, actor=owner, field_id=theirs.pk, label="X")
        with pytest.raises(NotFound):
            services.field_delete(
                workspace=workspace, actor=owner, field_id=theirs.pk, confirm=True
            )
        with pytest.raises(NotFound):
            services.option_delete(
                workspace=workspace, actor=owner, field_id=theirs.pk, value="gov", confirm=True
            )
        with pytest.raises(NotFound):
            selectors.field_get(workspace=workspace, field_id=theirs.pk)
        assert CustomField.objects.filter(pk=theirs.pk).exists()


def test_creating_a_field_is_recorded_with_its_key_and_type(workspace):
    make_field(workspace, "Industry", "dropdown", options=[{"label": "Steel"}])
    activity = Activity.objects.get(verb="customfield.created")
    assert activity.changes == {"key": [None, "industry"], "type": [None, "dropdown"]}
    assert activity.summary == "contact: Industry"
