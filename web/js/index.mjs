// index.mjs — the home page: what classrelay is, and "paste your link".
//
// Opened as /?token=… (a link that lost its path), the token is routed at
// once as if it had been pasted.

import { tokenFromUrl } from './api.mjs';
import { initPage } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';

initPage();
const form = document.getElementById('entry-form');
mountEntryForm(form);
const token = tokenFromUrl();
if (token) {
    // Out of the address bar first: the page must not keep it in history.
    history.replaceState(null, '', location.pathname);
    form.querySelector('#entry-input').value = token;
    form.requestSubmit();
}
