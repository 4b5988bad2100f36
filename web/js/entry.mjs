// entry.mjs — "paste your link or token": on the home page, and on the
// class, join and coordinator pages when they are opened without a token.
//
// A link is followed (http and https only). A token is checked with
// GET /api/me, which says whose it is and for which session, and the
// browser goes to that person's page with the token in the address.

import { createApi, describeError, pageFor, parseLinkOrToken } from './api.mjs';
import { t } from './i18n.mjs';

/* Wires a form holding #entry-input and #entry-message. */
export function mountEntryForm(form) {
    const input = form.querySelector('#entry-input');
    const message = form.querySelector('#entry-message');
    const button = form.querySelector('button[type="submit"]');

    const say = (text, isError) => {
        message.textContent = text;
        message.classList.toggle('is-error', Boolean(isError));
        input.setAttribute('aria-invalid', isError ? 'true' : 'false');
    };

    input.addEventListener('input', () => {
        if (input.getAttribute('aria-invalid') === 'true') say('', false);
    });

    form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const parsed = parseLinkOrToken(input.value);
        if (parsed.kind === 'empty') {
            say(t('entry.empty'), true);
            input.focus();
            return;
        }
        if (parsed.kind === 'bad') {
            say(t('entry.bad_link'), true);
            input.focus();
            return;
        }
        if (parsed.kind === 'link') {
            location.assign(parsed.url.href);
            return;
        }
        button.disabled = true;
        say(t('entry.checking'), false);
        try {
            const me = await createApi(parsed.token).get('/api/me');
            const page = pageFor(me, parsed.token);
            if (!page) {
                say(t('entry.no_session'), true);
                return;
            }
            location.assign(page);
        } catch (err) {
            say(describeError(err), true);
            input.focus();
        } finally {
            button.disabled = false;
        }
    });
}
