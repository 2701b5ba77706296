"""The membership workflow of a space, through the kit (``crrc.workflow``): requests, invitations, approval,
removal and joining from a positioning on the community offer. Every change of ``Member.state`` goes through
``MEMBER_WORKFLOW.apply`` (from ``community.services.move_member``), which locks the row, checks who acts and
writes ``MemberLog``; staff moderation of members is also written to the moderation log."""

from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow

from .models import Member

S = Member.State
REENTRY = frozenset({S.REFUSED, S.REMOVED})


def may_act(user, member: Member, transition: Transition) -> bool:
    if transition.actor == "system":
        return user is None
    if user is None or not user.is_authenticated:
        return False
    if transition.actor == "member":
        return user.pk == member.user_id
    from establishments.selectors import crrc_staff_regions

    return user.is_superuser or crrc_staff_regions(user).filter(pk=member.space.region_id).exists()


MEMBER_WORKFLOW = Workflow(
    model="community.Member",
    state_field="state",
    log_model="community.MemberLog",
    log_subject="member",
    states=S,
    may_act=may_act,
    transitions=[
        Transition("request", _("Demander à rejoindre"), REENTRY, S.REQUESTED, actor="member",
                   refused=_("Vous êtes déjà membre de cet espace, ou une demande est en cours.")),
        Transition("invite", _("Inviter"), REENTRY | {S.REQUESTED}, S.INVITED, actor="staff",
                   refused=_("Cette personne est déjà membre ou déjà invitée.")),
        Transition("approve", _("Approuver la demande"), frozenset({S.REQUESTED}), S.ACTIVE, actor="staff",
                   refused=_("Cette demande a déjà été traitée.")),
        Transition("refuse", _("Refuser la demande"), frozenset({S.REQUESTED}), S.REFUSED, actor="staff",
                   refused=_("Cette demande a déjà été traitée.")),
        Transition("accept", _("Accepter l'invitation"), frozenset({S.INVITED}), S.ACTIVE, actor="member",
                   refused=_("Cette invitation n'est plus valable.")),
        Transition("decline", _("Décliner l'invitation"), frozenset({S.INVITED}), S.REFUSED, actor="member",
                   refused=_("Cette invitation n'est plus valable.")),
        Transition("remove", _("Retirer de l'espace"), frozenset({S.ACTIVE}), S.REMOVED, actor="staff",
                   refused=_("Cette personne n'est pas (ou plus) membre de l'espace.")),
        Transition("join_offer", _("Adhésion par l'offre"), REENTRY | {S.INVITED, S.REQUESTED}, S.ACTIVE,
                   actor="system"),
        Transition("withdraw_offer", _("Positionnement retiré"), frozenset({S.ACTIVE}), S.REMOVED, actor="system"),
    ],
)  # fmt: skip
