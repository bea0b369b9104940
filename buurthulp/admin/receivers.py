"""The mail outbox keeps copies of mail to a person: exported, and deleted with their account."""

from buurthulp import outbox, privacy


def export_mail(session, neighbour) -> dict:
    return {"mail": outbox.export_for(session, neighbour.email)}


def forget_mail(session, neighbour) -> None:
    outbox.forget_address(session, neighbour.email)


privacy.register("mail", export=export_mail, erase=forget_mail, order=20)
