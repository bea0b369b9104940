"""The circles' world and the access rules it is built for."""

from buurthulp import access
from buurthulp.extensions import db


def test_who_sees_annies_circle(cw):
    sees = {name for name in ("annie", "ria", "joost", "karin", "broker", "other_broker", "far_broker", "treasurer",
                              "admin") if access.may_see_circle(db.session, getattr(cw, name), cw.circle)}
    assert sees == {"annie", "ria", "broker"}
    leads = {name for name in ("annie", "ria", "broker", "other_broker", "admin")
             if access.may_lead_circle(db.session, getattr(cw, name), cw.circle)}
    assert leads == {"annie", "broker"}
    assert access.may_read_check_in_notes(db.session, cw.annie, cw.circle)
    assert not access.may_read_check_in_notes(db.session, cw.ria, cw.circle)
    assert access.may_take_dates(db.session, cw.ria, cw.circle)
    assert not access.may_take_dates(db.session, cw.joost, cw.circle)
