// dom.mjs — small DOM helpers shared by the pages.
//
// Everything that comes from the server goes into the page as text:
// el() appends strings as text nodes and sets attributes with
// setAttribute; nothing here uses innerHTML.

import { applyI18n, locale, mountLangToggle, onLangChange, t } from './i18n.mjs';

/* el('li', {class: 'x', 'aria-label': name, onclick: fn}, 'text', child)
 * builds an element. Strings (and numbers) become text nodes; null, false
 * and undefined children and attributes are skipped. */
export function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs ?? {})) {
        if (value === null || value === undefined || value === false) continue;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = value;
        else if (key === 'dataset') Object.assign(node.dataset, value);
        else if (key.startsWith('on') && typeof value === 'function')
            node.addEventListener(key.slice(2), value);
        else if (value === true) node.setAttribute(key, '');
        else node.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false) continue;
        node.append(child instanceof Node ? child : String(child));
    }
    return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/* Translates the page, wires the language button, and re-translates
 * whatever @render draws when the language changes. */
export function initPage(render) {
    applyI18n();
    mountLangToggle(document.getElementById('lang-toggle'));
    if (render) onLangChange(render);
}

/* ---- time ---- */

function toDate(value) {
    if (value === null || value === undefined || value === '') return null;
    const date = value instanceof Date ? value : new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(value) {
    const date = toDate(value);
    if (!date) return t('common.none');
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatTime(value) {
    const date = toDate(value);
    if (!date) return t('common.none');
    return new Intl.DateTimeFormat(locale(), { hour: 'numeric', minute: '2-digit' }).format(date);
}

/* "27 Nov 2026, 09:00 – 10:00", or both dates in full when they differ. */
export function formatRange(start, end) {
    const a = toDate(start);
    const b = toDate(end);
    if (!a || !b) return formatDateTime(a ?? b);
    const fmt = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' });
    if (typeof fmt.formatRange === 'function') return fmt.formatRange(a, b);
    return t('session.when', { start: fmt.format(a), end: fmt.format(b) });
}

export function formatNumber(value, digits = 0) {
    return new Intl.NumberFormat(locale(), {
        maximumFractionDigits: digits,
        minimumFractionDigits: 0,
    }).format(value);
}

/* ---- live messages ---- */

let toastRegion = null;

/* Shows a short message in a corner and announces it. kind: info, success,
 * error. */
export function toast(message, kind = 'info') {
    if (!toastRegion) {
        toastRegion = el('div', { class: 'toasts', 'aria-live': 'polite', 'aria-atomic': 'false' });
        document.body.append(toastRegion);
    }
    const close = el('button', {
        type: 'button', class: 'toast-close', 'aria-label': t('common.dismiss'),
    }, '×');
    const item = el('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
        el('span', { class: 'toast-text' }, message), close);
    const remove = () => item.remove();
    close.addEventListener('click', remove);
    toastRegion.append(item);
    setTimeout(remove, kind === 'error' ? 9000 : 5000);
}

/* ---- dialogs ---- */

/* A modal confirmation. Resolves to {ok, reason}; Escape or Cancel gives
 * ok: false. With @reasonLabel a text field is shown and its value given
 * back as reason. */
export function confirmDialog({ title, text, confirmLabel, danger = false, reasonLabel = null }) {
    return new Promise((resolve) => {
        const titleId = `dlg-title-${Math.random().toString(36).slice(2)}`;
        const textId = `${titleId}-text`;
        const reason = reasonLabel
            ? el('input', { type: 'text', id: `${titleId}-reason`, maxlength: 500, autocomplete: 'off' })
            : null;
        const cancel = el('button', { type: 'button', class: 'btn', value: 'cancel' }, t('common.cancel'));
        const confirm = el('button', {
            type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', value: 'ok',
        }, confirmLabel);
        const form = el('form', { method: 'dialog', class: 'dialog-body' },
            el('h2', { id: titleId, class: 'dialog-title' }, title),
            el('p', { id: textId }, text),
            reason ? el('div', { class: 'field' }, el('label', { for: reason.id }, reasonLabel), reason) : null,
            el('div', { class: 'dialog-actions' }, cancel, confirm));
        const dialog = el('dialog', {
            class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': textId,
        }, form);
        const opener = document.activeElement;
        let result = { ok: false, reason: '' };
        cancel.addEventListener('click', () => dialog.close());
        form.addEventListener('submit', () => {
            result = { ok: true, reason: reason ? reason.value.trim() : '' };
        });
        dialog.addEventListener('close', () => {
            dialog.remove();
            if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
            resolve(result);
        });
        document.body.append(dialog);
        dialog.showModal();
        (reason ?? cancel).focus();
    });
}

/* ---- re-rendering without losing keyboard focus ---- */

/* Runs @render (which replaces the children of @container) and puts focus
 * back on the element with the same data-focus-key ("grant:u12"). When that
 * control is gone (the hand was granted, the person left), focus goes to
 * the same kind of control in the same place in the list (the next
 * "grant:" button), else to @fallback. */
export function keepFocus(container, render, fallback = null) {
    const active = document.activeElement;
    const key = active && container.contains(active) ? active.dataset.focusKey : null;
    const kind = key ? key.slice(0, key.indexOf(':') + 1) : '';
    const sameKind = () => [...container.querySelectorAll('[data-focus-key]')]
        .filter((node) => node.dataset.focusKey.startsWith(kind));
    const index = key ? sameKind().indexOf(active) : -1;
    render();
    if (!key) return;
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    const siblings = again ? [] : sameKind();
    const next = again ?? siblings[Math.min(index, siblings.length - 1)];
    if (next && !next.disabled) next.focus();
    else if (fallback) fallback.focus();
}

/* ---- misc ---- */

export function initials(name) {
    const text = String(name ?? '').trim();
    if (!text) return '?';
    const words = text.split(/\s+/);
    const chars = Array.from(words[0]);
    // CJK names read best as their first character alone.
    if (/[\u3400-\u9fff\uf900-\ufaff]/.test(chars[0])) return chars[0];
    const second = words.length > 1 ? Array.from(words[words.length - 1])[0] : '';
    return (chars[0] + (second ?? '')).toUpperCase();
}

/* A stable hue for a person id, for their avatar. */
export function hueOf(text) {
    let hash = 0;
    for (const ch of String(text)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return hash % 360;
}

/* The numeric id at the end of /class/12, /join/12, /checkin/12. */
export function idFromPath() {
    const match = /\/(\d+)\/?$/.exec(location.pathname);
    return match ? Number(match[1]) : null;
}
