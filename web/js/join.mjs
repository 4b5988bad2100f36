// join.mjs — the trainee's page (/join/{session}?token=…).

import { createApi, describeError, pageFor, tokenFromUrl } from './api.mjs';
import { $, confirmDialog, el, idFromPath, initPage, toast } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';
import { lang, t } from './i18n.mjs';
import {
    ClassModel, renderRoster, renderSessionHeader, setupChat, setupStatus, showEndPanel,
} from './roster.mjs';
import { ClassSession } from './session.mjs';

const token = tokenFromUrl();
const pageSession = idFromPath();
const model = new ClassModel();
let session = null;
let chat = null;
let status = null;
let endState = null; // {reason, detail}
let handBusy = false;
let hadFloor = false;

initPage(() => {
    render();
    status?.rerender();
    chat?.rerender();
    if (endState) showEnd(endState.reason, endState.detail, false);
});

if (!token) {
    $('#entry-panel').hidden = false;
    $('#conn-status').hidden = true;
    mountEntryForm($('#entry-form'));
} else {
    boot();
}

async function boot() {
    try {
        const me = await createApi(token).get('/api/me');
        if (me.role !== 'trainee' || me.session !== pageSession) {
            const page = pageFor(me, token);
            if (page) {
                location.replace(page);
                return;
            }
        }
    } catch (err) {
        if (err.code === 'unauthorized' || err.code === 'forbidden') {
            $('#conn-status').hidden = true;
            showEnd('unauthorized');
            return;
        }
        // Network trouble: the socket below retries on its own.
    }

    $('#console').hidden = false;
    session = new ClassSession(token);
    status = setupStatus(session);
    chat = setupChat(session, model);

    session.addEventListener('welcome', (event) => {
        model.applyWelcome(event.detail);
        if (endState && endState.reason === 'not_started') hideEnd();
        render();
    });
    session.addEventListener('roster', (event) => {
        model.applyEvent(event.detail);
        render();
    });
    session.addEventListener('ended', (event) => {
        model.applyEnded(event.detail);
        showEnd('ended');
    });
    session.addEventListener('kicked', (event) => {
        showEnd('kicked', event.detail.reason ?? '');
    });
    session.addEventListener('left', () => showEnd('left'));
    session.addEventListener('joinerror', (event) => {
        const { reason, fatal, message } = event.detail;
        if (fatal || reason === 'not_started') showEnd(reason, fatal ? message : '');
    });
    session.addEventListener('servererror', (event) => toast(describeError(event.detail), 'error'));
    session.addEventListener('status', renderHand);

    $('#btn-hand').addEventListener('click', toggleHand);
    $('#btn-leave').addEventListener('click', leave);
    session.start();
}

/* ---- end of class, refusals ---- */

function showEnd(reason, detail = '', focus = true) {
    // A retry refused again (not started yet) must not pull focus each time.
    const again = endState !== null && endState.reason === reason;
    endState = { reason, detail };
    const extra = [];
    if (reason === 'kicked' && detail) extra.push(el('p', { class: 'end-reason' }, t('end.kicked_reason', { reason: detail })));
    if (reason === 'left') {
        extra.push(el('button', {
            type: 'button', class: 'btn btn-primary', onclick: () => location.reload(),
        }, t('join.rejoin')));
    }
    const panel = $('#end-panel');
    showEndPanel(panel, reason, { extra });
    $('#console').hidden = true;
    $('#conn-banner').hidden = true;
    $('#conn-status').hidden = reason !== 'not_started';
    $('#sr-floor').textContent = '';
    if (focus && !again) panel.focus();
}

function hideEnd() {
    endState = null;
    $('#conn-status').hidden = false;
    $('#end-panel').hidden = true;
    $('#console').hidden = false;
}

/* ---- rendering ---- */

function render() {
    renderSessionHeader(model);
    const presence = $('#instructor-presence');
    const here = model.instructorPresent();
    presence.textContent = here ? t('session.instructor_here') : t('session.waiting_instructor');
    presence.classList.toggle('is-here', here);
    renderRoster(model, $('#roster'), lang());
    $('#roster-count').textContent = String(model.members.size);
    renderHand();
}

function renderHand() {
    const me = model.me?.person;
    const raised = me ? model.hasHand(me) : false;
    const floor = me ? model.hasFloor(me) : false;
    const button = $('#btn-hand');
    const label = button.querySelector('.btn-hand-label');
    label.textContent = raised ? t('join.lower') : t('join.raise');
    button.classList.toggle('is-raised', raised);
    $('.hand-card').hidden = floor;
    button.disabled = handBusy || !(session && session.joined);
    const help = $('#hand-help');
    if (floor) help.textContent = t('join.hand_help_floor');
    else if (raised) help.textContent = t('join.hand_help_raised', { n: model.hands.indexOf(me) + 1 });
    else help.textContent = t('join.hand_help_idle');

    $('#floor-banner').hidden = !floor;
    document.body.classList.toggle('has-floor', floor);
    if (floor !== hadFloor) {
        $('#sr-floor').textContent = floor ? `${t('join.floor_banner')}. ${t('join.floor_banner_sub')}` : '';
        hadFloor = floor;
    }
}

/* ---- actions ---- */

async function toggleHand() {
    const me = model.me?.person;
    if (!me || handBusy) return;
    const raised = model.hasHand(me);
    handBusy = true;
    renderHand();
    try {
        await session.request(raised ? 'lower_hand' : 'raise_hand');
    } catch (err) {
        toast(describeError(err), 'error');
    } finally {
        handBusy = false;
        renderHand();
        // The button stays where it was; keep the keyboard there.
        if (!$('.hand-card').hidden) $('#btn-hand').focus();
    }
}

async function leave() {
    const answer = await confirmDialog({
        title: t('join.leave_confirm_title'),
        text: t('join.leave_confirm_text'),
        confirmLabel: t('join.leave'),
    });
    if (answer.ok) await session.leave();
}
