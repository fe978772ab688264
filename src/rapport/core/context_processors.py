from django.conf import settings

from rapport.core.modules import MODULES


def shell(request):
    """What the layout needs: the acting membership, the switcher, enabled modules."""
    membership = getattr(request, "membership", None)
    context = {"signup_open": settings.RAPPORT_SIGNUP, "MODULES": MODULES}
    if membership is None:
        return context
    from rapport.core.selectors import memberships_of

    context.update(
        membership=membership,
        workspace=membership.workspace,
        modules_on=membership.workspace.enabled_modules(),
        impersonating=membership.acting_by is not None,
        switcher=memberships_of(user=request.user),
    )
    return context
