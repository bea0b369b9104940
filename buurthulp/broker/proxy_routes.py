"""A match of a neighbour without internet: the broker does for them what they would do themselves (done with the
hours, a thank-you note, cancel, block, read and write the conversation), each action logged (``proxies``).

The forms show on the broker's match page (``proxy_acting`` below, for ``broker/match.html``) and on the proxy's
own page of the match, which also holds the conversation and shows a form again with what was wrong."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.access import require_broker, require_broker_match, require_proxy_of
from buurthulp.broker import bp, proxies
from buurthulp.broker.forms import (
    ProxyBlockForm,
    ProxyCancelForm,
    ProxyDoneForm,
    ProxyMessageForm,
    ProxyThanksForm,
)
from buurthulp.broker.models import ProxyAction
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.posts import matches as match_flow
from buurthulp.timeutil import to_local
from buurthulp.web import refused

PROXY_FORMS = {"done": ProxyDoneForm, "thanks": ProxyThanksForm, "cancel": ProxyCancelForm,
               "block": ProxyBlockForm, "message": ProxyMessageForm}


def _prefix(proxy_id: int) -> str:
    # a match of two proxy neighbours shows two sets of forms on one page: each its own field names and ids
    return f"p{proxy_id}"


@bp.app_template_global()
def proxy_acting(match, person) -> dict:
    """For a match page: empty forms to act for ``person``, whether the agreed day has yet to come, and
    whether the two blocked each other."""
    return {"forms": {name: form(prefix=_prefix(person.id), formdata=None) for name, form in PROXY_FORMS.items()},
            "done_from": match_flow.done_from(match),
            "blocked": access.is_blocked(db.session, match.asker_id, match.helper_id)}


def _acting(slug: str, match_id: int, proxy_id: int):
    """The initiative, the match and the proxy neighbour, when the current broker may act for them on it."""
    initiative = require_broker(slug)
    match = require_broker_match(initiative, match_id)
    proxy = require_proxy_of(initiative, proxy_id)
    if not match.is_participant(proxy.id):
        abort(404)
    return initiative, match, proxy


def _page(initiative, match, proxy, status: int = 200, failed: tuple | None = None, log_read: bool = False):
    messages = proxies.read_conversation(db.session, current_user, initiative, match, proxy, log=log_read)
    acting = proxy_acting(match, proxy)
    if failed is not None:
        acting["forms"][failed[0]] = failed[1]
    other = match.helper if match.asker_id == proxy.id else match.asker
    return render_template("broker/proxy_match.html", initiative=initiative, match=match, post=match.post,
                           proxy=proxy, other=other, messages=messages, acting=acting, to_local=to_local,
                           mark=proxies.broker_mark(current_user, initiative, proxy, other.locale)), status


@bp.route("/<slug>/matches/<int:match_id>/for/<int:proxy_id>")
@login_required
def proxy_match(slug: str, match_id: int, proxy_id: int):
    """The match as the proxy neighbour would see it: the conversation (its reading is logged) and what to do."""
    initiative, match, proxy = _acting(slug, match_id, proxy_id)
    response = _page(initiative, match, proxy, log_read=True)
    db.session.commit()
    return response


def _act(slug: str, match_id: int, proxy_id: int, name: str, act, back_to_conversation: bool = False):
    """Run ``act(initiative, match, proxy, form)`` (which returns the message to flash); a form with errors or a
    refusal shows the proxy's page of the match again, with a 4xx."""
    initiative, match, proxy = _acting(slug, match_id, proxy_id)
    form = PROXY_FORMS[name](prefix=_prefix(proxy.id))
    if not valid_submission(form):
        return _page(initiative, match, proxy, 400, failed=(name, form))
    try:
        message = act(initiative, match, proxy, form)
    except DomainError as exc:
        return _page(initiative, match, proxy, refused(exc), failed=(name, form))
    db.session.commit()
    flash(message, "success")
    if back_to_conversation:
        return redirect(url_for("broker.proxy_match", slug=slug, match_id=match_id, proxy_id=proxy_id,
                                _anchor="conversation-heading"))
    return redirect(url_for("broker.match", slug=slug, match_id=match_id))


def _minutes(hours) -> int:
    return int(round(float(hours) * 60))


@bp.route("/<slug>/matches/<int:match_id>/for/<int:proxy_id>/done", methods=["POST"])
@login_required
def proxy_done(slug: str, match_id: int, proxy_id: int):
    def act(initiative, match, proxy, form):
        action = proxies.done_for(db.session, current_user, initiative, match, proxy, _minutes(form.hours.data),
                                  km=form.km.data)
        if action == ProxyAction.CONFIRMED_DONE:
            return _("Confirmed for %(name)s. Thank you for helping each other!", name=proxy.display_name)
        return _("Saved for %(name)s: the help is done. The other person will confirm it.", name=proxy.display_name)

    return _act(slug, match_id, proxy_id, "done", act)


@bp.route("/<slug>/matches/<int:match_id>/for/<int:proxy_id>/thanks", methods=["POST"])
@login_required
def proxy_thanks(slug: str, match_id: int, proxy_id: int):
    def act(initiative, match, proxy, form):
        proxies.thank_for(db.session, current_user, initiative, match, proxy, form.thanks_note.data)
        return _("The thank-you note of %(name)s is sent.", name=proxy.display_name)

    return _act(slug, match_id, proxy_id, "thanks", act)


@bp.route("/<slug>/matches/<int:match_id>/for/<int:proxy_id>/cancel", methods=["POST"])
@login_required
def proxy_cancel(slug: str, match_id: int, proxy_id: int):
    def act(initiative, match, proxy, form):
        proxies.cancel_for(db.session, current_user, initiative, match, proxy, form.reason.data)
        return _("The appointment of %(name)s is cancelled.", name=proxy.display_name)

    return _act(slug, match_id, proxy_id, "cancel", act)


@bp.route("/<slug>/matches/<int:match_id>/for/<int:proxy_id>/block", methods=["POST"])
@login_required
def proxy_block(slug: str, match_id: int, proxy_id: int):
    def act(initiative, match, proxy, form):
        other = match.helper if match.asker_id == proxy.id else match.asker
        proxies.block_for(db.session, current_user, initiative, match, proxy)
        return _("%(other)s is blocked for %(name)s.", other=other.display_name, name=proxy.display_name)

    return _act(slug, match_id, proxy_id, "block", act)


@bp.route("/<slug>/matches/<int:match_id>/for/<int:proxy_id>/messages", methods=["POST"])
@login_required
def proxy_message(slug: str, match_id: int, proxy_id: int):
    def act(initiative, match, proxy, form):
        proxies.message_for(db.session, current_user, initiative, match, proxy, form.body.data)
        return _("Your message for %(name)s is sent.", name=proxy.display_name)

    return _act(slug, match_id, proxy_id, "message", act, back_to_conversation=True)
